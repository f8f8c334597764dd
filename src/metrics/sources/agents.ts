/**
 * Agents as the hub last reported them on the bus (agent.state, agent.metrics, agent.live): connection state, CPU,
 * memory, the fullest disk, the hottest sensor and live receive/transmit rates. Only agents heard from since this
 * server started appear; the map holds one entry per configured agent.
 */
import type { Bus } from "../../core/bus";
import type { AgentConnectionState, AgentMetrics } from "../../hub/agents.events";
import type { AppEvent } from "../../server/events";
import { gauge, type MetricSource } from "./source";

const STATES: readonly AgentConnectionState[] = ["online", "offline", "unauthorized", "incompatible"];

interface AgentSeen {
  name: string;
  state?: AgentConnectionState;
  metrics?: AgentMetrics;
  rxBytesPerSecond?: number;
  txBytesPerSecond?: number;
}

export function agentMetrics(bus: Bus<AppEvent>): MetricSource {
  const agents = new Map<number, AgentSeen>();
  // Listens as long as the bus lives, which is as long as the app.
  bus.on((e) => {
    if (e.type !== "agent.state" && e.type !== "agent.metrics" && e.type !== "agent.live") return;
    const seen = agents.get(e.agentId) ?? { name: e.agentName };
    seen.name = e.agentName;
    if (e.type === "agent.state") seen.state = e.to;
    else if (e.type === "agent.metrics") seen.metrics = e.metrics;
    else {
      seen.rxBytesPerSecond = e.rxBytesPerSecond;
      seen.txBytesPerSecond = e.txBytesPerSecond;
    }
    agents.set(e.agentId, seen);
  });

  return () => {
    const all = [...agents].map(([id, a]) => ({ labels: { agent_id: id, agent: a.name }, a }));
    const of = (value: (a: AgentSeen) => number | null | undefined) =>
      all.map(({ labels, a }) => ({ labels, value: value(a) }));
    const ratio = (percent: number | null | undefined) =>
      percent === null || percent === undefined ? null : percent / 100;
    return [
      gauge(
        "netronome_agent_up",
        "Whether the hub is connected to the agent (1) or not (0)",
        of((a) => (a.state ? Number(a.state === "online") : null)),
      ),
      gauge(
        "netronome_agent_state",
        `The hub's view of the agent: 1 for the current one of ${STATES.join(", ")}`,
        all.flatMap(({ labels, a }) =>
          a.state ? STATES.map((state) => ({ labels: { ...labels, state }, value: Number(a.state === state) })) : [],
        ),
      ),
      gauge(
        "netronome_agent_cpu_usage_ratio",
        "CPU in use on the agent's machine (0 to 1)",
        of((a) => ratio(a.metrics?.cpuPercent)),
      ),
      gauge(
        "netronome_agent_memory_used_ratio",
        "Memory in use on the agent's machine (0 to 1)",
        of((a) => ratio(a.metrics?.memoryPercent)),
      ),
      gauge(
        "netronome_agent_disk_used_ratio",
        "Space used on the agent's fullest disk (0 to 1)",
        of((a) => ratio(a.metrics?.diskUsedPercentMax)),
      ),
      gauge(
        "netronome_agent_temperature_celsius",
        "The agent's hottest temperature sensor",
        of((a) => a.metrics?.temperatureMaxC),
      ),
      gauge(
        "netronome_agent_network_receive_bits_per_second",
        "The agent's live receive rate",
        of((a) => (a.rxBytesPerSecond === undefined ? null : a.rxBytesPerSecond * 8)),
      ),
      gauge(
        "netronome_agent_network_transmit_bits_per_second",
        "The agent's live transmit rate",
        of((a) => (a.txBytesPerSecond === undefined ? null : a.txBytesPerSecond * 8)),
      ),
    ];
  };
}
