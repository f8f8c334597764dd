/**
 * Where a measurement runs: this server, or one agent ("run from"). Each machine has its own executor and its own
 * concurrency: one speed test at a time on each machine, and on each up to [packetloss] max_concurrent_monitors
 * probes (or fewer, when the agent says it allows fewer: read at every run, so the limit holds from the agent's first
 * answer on, and one at a time until then), so a busy agent never holds up the hub or another agent.
 * An agent's executor reads its address and key at each run, so an edit applies to the next run.
 */
import type { MachineChoice } from "../../views/components/run-from";
import { BadInput } from "../core/errors";
import { type Executor, MachineUnavailable } from "../measure/executor";
import type { MeasurementCapacity } from "../protocol/agent";
import { type AgentLibreSpeed, LIBRESPEED_INFO_PATH } from "../protocol/agent";
import type { LibreSpeedServerEntry, SpeedTestServer } from "../protocol/measurements";
import { Semaphore } from "../scheduler/semaphore";
import { type AgentTarget, getAgentJson } from "./agent-client";
import { createAgentExecutor } from "./agent-executor";
import { readLibreSpeedInfo } from "./agent-measurements";
import type { AgentSupervisor } from "./agent-supervisor";
import { agentBaseUrl } from "./agent-url";
import type { AgentRow, AgentsRepository } from "./agents.repository";

/** LibreSpeed server IDs of agents' endpoints. */
export const LIBRESPEED_AGENT_PREFIX = "agent-";

const AGENT_SERVER_BASE = {
  distance: 0,
  country: "",
  sponsor: "Netronome agent",
  url: "",
  lat: 0,
  lon: 0,
  isIperf: false,
  isLibrespeed: true,
  isPublic: false,
};

const pickEndpoints = ({ dlURL, ulURL, pingURL, getIpURL }: AgentLibreSpeed) => ({ dlURL, ulURL, pingURL, getIpURL });

/** How "this server" is named where a result says where it ran. */
export const HERE = "this server";

export interface Machine {
  /** Null for this server. */
  agentId: number | null;
  name: string;
  executor: Executor;
  /** One speed test at a time on the machine; manual and scheduled tests share it. */
  speedtestSlot: Semaphore;
  /** Monitor runs on the machine; extra runs queue. */
  monitorGroup: Semaphore;
}

interface AgentEntry {
  row: AgentRow;
  machine: Machine;
}

export class Machines {
  private readonly here: Machine;
  private readonly agents = new Map<number, AgentEntry>();

  constructor(
    private readonly deps: {
      local: Executor;
      repo: AgentsRepository;
      supervisor: AgentSupervisor;
      /** [packetloss] max_concurrent_monitors, per machine. */
      maxMonitors: number;
    },
  ) {
    this.here = {
      agentId: null,
      name: HERE,
      executor: deps.local,
      speedtestSlot: new Semaphore(1),
      monitorGroup: new Semaphore(deps.maxMonitors),
    };
  }

  /** This server. */
  local(): Machine {
    return this.here;
  }

  /**
   * The machine a run goes to, with the agent's stored settings read now. Throws BadInput (field `agentId`) for an
   * agent that does not exist; a disabled or offline agent is still its machine: its runs fail as unavailable.
   */
  async of(agentId: number | null | undefined): Promise<Machine> {
    if (agentId === null || agentId === undefined) return this.here;
    const row = await this.deps.repo.find(agentId);
    if (!row) {
      this.agents.delete(agentId);
      throw new BadInput(`agentId: there is no agent ${agentId}`, "agentId");
    }
    let entry = this.agents.get(agentId);
    if (entry) entry.row = row;
    else {
      entry = { row, machine: this.machineFor(agentId, row) };
      this.agents.set(agentId, entry);
    }
    entry.machine.name = row.name;
    return entry.machine;
  }

  /** What the agent said about its measurements, while it is connected. */
  private capacity(id: number): MeasurementCapacity | undefined {
    return this.deps.supervisor.view(id)?.root?.measurement;
  }

  private machineFor(id: number, row: AgentRow): Machine {
    const machine: Machine = {
      agentId: id,
      name: row.name,
      executor: createAgentExecutor({
        get name() {
          return machine.name;
        },
        target: () => this.targetOf(id),
        capacity: () => this.capacity(id),
      }),
      speedtestSlot: new Semaphore(1),
      // The agent refuses probes beyond its own limit: the hub queues them instead. Until the agent has said what it
      // allows (the hub restored its monitors before connecting), one at a time.
      monitorGroup: new Semaphore(() => Math.min(this.deps.maxMonitors, this.capacity(id)?.limits.probe ?? 1)),
    };
    return machine;
  }

  private targetOf(id: number): AgentTarget {
    const entry = this.agents.get(id);
    if (!entry) throw new MachineUnavailable("refused", `agent ${id} was removed`);
    if (!entry.row.enabled)
      throw new MachineUnavailable("refused", `agent "${entry.row.name}" is disabled on this hub`);
    try {
      return this.deps.supervisor.targetOf(entry.row);
    } catch (e) {
      throw new MachineUnavailable("refused", `agent "${entry.row.name}": ${(e as Error).message}`);
    }
  }

  /** The agents a measurement may run from, for the forms' "Run from" choice (this server is always offered). */
  async choices(): Promise<MachineChoice[]> {
    return (await this.deps.repo.list()).map((row) => {
      const view = row.enabled ? this.deps.supervisor.view(row.id) : undefined;
      const note = !row.enabled
        ? "disabled"
        : view?.state !== "online"
          ? "offline"
          : view.root && !view.root.endpoints.measure_probe
            ? "no measurements"
            : undefined;
      return { id: row.id, name: row.name, ready: note === undefined, ...(note ? { note } : {}) };
    });
  }

  /** Agents serving a LibreSpeed endpoint, as LibreSpeed servers (IDs `agent-<id>`) for the server picker. */
  async libreSpeedServers(except: number | null): Promise<SpeedTestServer[]> {
    const servers: SpeedTestServer[] = [];
    for (const row of await this.deps.repo.list()) {
      const view = this.deps.supervisor.view(row.id);
      if (row.id === except || !row.enabled || !view?.root?.endpoints.librespeed) continue;
      servers.push({
        ...AGENT_SERVER_BASE,
        id: `${LIBRESPEED_AGENT_PREFIX}${row.id}`,
        name: `Agent ${row.name}`,
        host: new URL(agentBaseUrl(row.url)).host,
      });
    }
    return servers;
  }

  /**
   * The LibreSpeed entry of agent `id`, read from the agent itself. For a test run from another agent, the entry
   * must carry a token of its own: an agent's API key is never handed to a third machine.
   */
  async libreSpeedEntry(id: number, o: { forAgent: boolean; signal: AbortSignal }): Promise<LibreSpeedServerEntry> {
    const machine = await this.of(id);
    let info: AgentLibreSpeed;
    try {
      info = readLibreSpeedInfo(await getAgentJson(this.targetOf(id), LIBRESPEED_INFO_PATH, { signal: o.signal }));
    } catch (e) {
      if (e instanceof MachineUnavailable) throw e;
      throw new MachineUnavailable(
        "unreachable",
        `agent "${machine.name}" did not give its LibreSpeed endpoint: ${(e as Error).message}`,
      );
    }
    if (o.forAgent && info.secret !== "token")
      throw new BadInput(
        `serverIds: agent "${machine.name}" has no LibreSpeed token ([librespeed_server] token), so only this server may test against it`,
        "serverIds",
      );
    const base = agentBaseUrl(this.agents.get(id)!.row.url);
    return { name: `Agent ${machine.name}`, server: `${base}${info.path}`, ...pickEndpoints(info) };
  }

  /** Forgets a removed agent (its runs in progress fail as unavailable). */
  forget(id: number): void {
    this.agents.delete(id);
  }
}
