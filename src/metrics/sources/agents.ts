/**
 * Every agent the hub knows: whether it is connected, its live receive/transmit rates, and the figures of its latest
 * poll (CPU, memory, the fullest disk, the hottest sensor, as the hub published them on the bus). The figures are
 * exported only while the agent is online, so a dead agent never shows stale numbers.
 */
import type { Bus } from "../../core/bus";
import type { AgentConnectionState, AgentMetrics } from "../../hub/agents.events";
import type { AgentsService } from "../../hub/agents.service";
import type { AppEvent } from "../../server/events";
import { gauge, type MetricSource, seconds } from "./source";

const STATES: readonly AgentConnectionState[] = ["online", "offline", "unauthorized", "incompatible"];

export function agentMetrics(agents: AgentsService, bus: Bus<AppEvent>): MetricSource {
  // The latest poll's figures per agent: one entry per configured agent, listening as long as the bus lives.
  const polled = new Map<number, AgentMetrics>();
  bus.on((e) => {
    if (e.type === "agent.metrics") polled.set(e.agentId, e.metrics);
  });

  return async () => {
    const all = (await agents.list()).map((a) => ({
      labels: { agent_id: a.id, agent: a.name },
      online: a.live.state === "online",
      a,
    }));
    const live = all.filter((x) => x.online);
    const ratio = (percent: number | null | undefined) =>
      percent === null || percent === undefined ? null : percent / 100;
    const figure = (value: (m: AgentMetrics) => number | null) =>
      live.map(({ labels, a }) => {
        const m = polled.get(a.id);
        return { labels, value: m ? value(m) : null };
      });
    const rate = (direction: "rx" | "tx") =>
      live.map(({ labels, a }) => ({
        labels,
        value: a.live.sample ? a.live.sample.sample[direction].bytespersecond * 8 : null,
      }));
    return [
      gauge(
        "netronome_agent_up",
        "Whether the hub is connected to the agent (1) or not (0)",
        all.map(({ labels, online }) => ({ labels, value: online ? 1 : 0 })),
      ),
      gauge(
        "netronome_agent_state",
        `The hub's view of the agent: 1 for the current one of ${STATES.join(", ")}`,
        all.flatMap(({ labels, a }) =>
          a.live.state
            ? STATES.map((state) => ({ labels: { ...labels, state }, value: Number(a.live.state === state) }))
            : [],
        ),
      ),
      gauge(
        "netronome_agent_enabled",
        "Whether the hub is told to watch the agent (1) or not (0)",
        all.map(({ labels, a }) => ({ labels, value: a.enabled ? 1 : 0 })),
      ),
      gauge(
        "netronome_agent_last_seen_timestamp_seconds",
        "When the hub last heard from the agent, in seconds since the Unix epoch",
        all.map(({ labels, a }) => ({ labels, value: seconds(a.live.lastSeen) })),
      ),
      gauge(
        "netronome_agent_cpu_usage_ratio",
        "CPU in use on the agent's machine (0 to 1)",
        figure((m) => ratio(m.cpuPercent)),
      ),
      gauge(
        "netronome_agent_memory_used_ratio",
        "Memory in use on the agent's machine (0 to 1)",
        figure((m) => ratio(m.memoryPercent)),
      ),
      gauge(
        "netronome_agent_disk_used_ratio",
        "Space used on the agent's fullest disk (0 to 1)",
        figure((m) => ratio(m.diskUsedPercentMax)),
      ),
      gauge(
        "netronome_agent_temperature_celsius",
        "The agent's hottest temperature sensor",
        figure((m) => m.temperatureMaxC),
      ),
      gauge("netronome_agent_network_receive_bits_per_second", "The agent's live receive rate", rate("rx")),
      gauge("netronome_agent_network_transmit_bits_per_second", "The agent's live transmit rate", rate("tx")),
    ];
  };
}
