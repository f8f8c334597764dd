/**
 * Agents: create, edit, enable and delete them (each change reaches the connections at once), their live state,
 * the documents they report (agent-reads.ts) and their history charts. Knows nothing about HTTP.
 */
import { durationMs } from "../config/field";
import type { Config } from "../config/schema";
import { BadInput, Conflict, NotFound } from "../core/errors";
import type { SecretBox } from "../core/secret-box";
import { type ChartRange, chartPlan } from "../history/chart";
import type { HardwareStats, LiveSample } from "../protocol/agent";
import { type AgentChart, chartSeries } from "./agent-chart";
import type { RecentRate } from "./agent-connection";
import type { AgentHistoryRepository } from "./agent-history.repository";
import type { Metric } from "./agent-metrics";
import { readHardware } from "./agent-payloads";
import { interfaceFields } from "./agent-poll.repository";
import { type AgentReads, createAgentReads } from "./agent-reads";
import type { AgentSupervisor } from "./agent-supervisor";
import { normaliseAgentUrl } from "./agent-url";
import type { AgentConnectionState } from "./agents.events";
import type { AgentRow, AgentsRepository, InterfaceRow, PeaksRow, SystemInfoRow, VnstatRow } from "./agents.repository";

/** The original's placeholder: answered instead of a stored key, and on update it keeps the stored one. */
export const KEY_PLACEHOLDER = "configured";
const MAX_NAME = 100;
const MAX_KEY = 256;
const MAX_INTERFACE = 64;
/** Network interface names as vnstat knows them (eth0, enp3s0, br-lan, eth0.100, wg0). */
export const INTERFACE_NAME = /^[\w.@:+-]+$/;

export interface AgentInput {
  name?: string;
  url?: string;
  /** A new key; "" or null removes it; "configured" keeps the stored one (updates only). */
  apiKey?: string | null;
  enabled?: boolean;
  interface?: string;
}

/** How an agent is doing right now, for the list, the status API and the pages. */
export interface AgentLive {
  /** Null before the first attempt, and for an agent that was never connected. */
  state: AgentConnectionState | null;
  reason: string | null;
  since: Date | null;
  lastSeen: Date | null;
  /** The agent is being watched: enabled, and [monitor] enabled. */
  monitored: boolean;
  sample: { sample: LiveSample; at: number } | null;
  /** The last two minutes of live rates (while online). */
  recent: RecentRate[];
}

export interface AgentView extends Omit<AgentRow, "apiKey"> {
  apiKeyConfigured: boolean;
  live: AgentLive;
}

/** Everything the agent's pages show, from what the hub stored (the polls keep it current). */
export interface AgentSnapshot {
  agent: AgentView;
  info: SystemInfoRow | undefined;
  interfaces: InterfaceRow[];
  hardware: HardwareStats | null;
  peaks: PeaksRow | undefined;
  vnstat: VnstatRow[];
}

/** A page opened after this long since the last vnstat export asks the (online) agent for a fresh one. */
const VNSTAT_FRESH_MS = 5 * 60_000;

export function createAgentsService(deps: {
  repo: AgentsRepository;
  history: AgentHistoryRepository;
  supervisor: AgentSupervisor;
  secrets: SecretBox;
  monitor: Config["monitor"];
  retention: Config["retention"];
  /** What runs from an agent ("2 monitors", "1 schedule"), so it is not deleted from under them. */
  usersOf?: (agentId: number) => Promise<string[]>;
}) {
  const { repo, history, supervisor, secrets } = deps;
  const reads: AgentReads = createAgentReads(repo, supervisor);
  const pollSeconds = Math.max(1, Math.round(durationMs(deps.monitor.poll_interval) / 1000));

  function liveOf(row: AgentRow): AgentLive {
    const monitored = supervisor.enabled && row.enabled;
    const view = monitored ? supervisor.view(row.id) : undefined;
    const problem = monitored ? supervisor.problem(row.id) : undefined;
    if (problem)
      return {
        state: "unauthorized",
        reason: problem,
        since: row.stateSince,
        lastSeen: row.lastSeenAt,
        monitored,
        sample: null,
        recent: [],
      };
    // A disabled agent is not watched: no state (its last one would look current), only when it was last seen.
    if (!monitored)
      return { state: null, reason: null, since: null, lastSeen: row.lastSeenAt, monitored, sample: null, recent: [] };
    if (!view)
      return {
        state: row.state,
        reason: row.stateReason,
        since: row.stateSince,
        lastSeen: row.lastSeenAt,
        monitored,
        sample: null,
        recent: [],
      };
    const at = (ms: number | null) => (ms === null ? null : new Date(ms));
    return {
      state: view.state,
      reason: view.reason ?? null,
      since: at(view.since),
      lastSeen: at(view.lastSeen),
      monitored,
      sample: view.state === "online" ? view.lastSample : null,
      recent: view.state === "online" ? view.recent : [],
    };
  }

  function view(row: AgentRow): AgentView {
    const { apiKey, ...rest } = row;
    return { ...rest, apiKeyConfigured: Boolean(apiKey), live: liveOf(row) };
  }

  function validName(text: string | undefined): string {
    const name = (text ?? "").trim();
    if (!name) throw new BadInput("name: required", "name");
    if (name.length > MAX_NAME) throw new BadInput(`name: at most ${MAX_NAME} characters`, "name");
    return name;
  }

  /** The key to store (sealed), null for none, or undefined to keep the stored one. */
  function keyToStore(input: string | null | undefined, updating: boolean): string | null | undefined {
    if (input === undefined) return updating ? undefined : null;
    if (input === null || input.trim() === "") return null;
    const key = input.trim();
    if (key === KEY_PLACEHOLDER) {
      if (updating) return undefined;
      throw new BadInput(
        `apiKey: give the agent's key ("${KEY_PLACEHOLDER}" only keeps a stored key when editing)`,
        "apiKey",
      );
    }
    if (key.length > MAX_KEY) throw new BadInput(`apiKey: at most ${MAX_KEY} characters`, "apiKey");
    if (!/^[\x21-\x7e]+$/.test(key))
      throw new BadInput(
        "apiKey: printable ASCII characters without spaces only (it travels in an HTTP header)",
        "apiKey",
      );
    return secrets.seal(key);
  }

  function validInterface(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    const name = text.trim();
    if (name.length > MAX_INTERFACE) throw new BadInput(`interface: at most ${MAX_INTERFACE} characters`, "interface");
    if (name && !INTERFACE_NAME.test(name))
      throw new BadInput(
        "interface: a network interface name such as eth0 (letters, digits and . _ @ : + -)",
        "interface",
      );
    return name;
  }

  async function found(id: number): Promise<AgentRow> {
    const row = await repo.find(id);
    if (!row) throw new NotFound(`agent ${id} not found`);
    return row;
  }

  function requireMonitoring(): void {
    if (!supervisor.enabled) throw new Conflict("agent monitoring is switched off ([monitor] enabled = false)");
  }

  return {
    reads,

    /** Connects every enabled agent (start-up). */
    async restore(): Promise<number> {
      return supervisor.restore(await repo.list());
    },

    async list(): Promise<AgentView[]> {
      return (await repo.list()).map(view);
    },

    async get(id: number): Promise<AgentView> {
      return view(await found(id));
    },

    async create(input: AgentInput): Promise<AgentView> {
      const row = await repo.insert({
        name: validName(input.name),
        url: normaliseAgentUrl(input.url ?? ""),
        apiKey: keyToStore(input.apiKey, false) ?? null,
        enabled: input.enabled ?? true,
        interface: validInterface(input.interface) ?? "",
      });
      await supervisor.apply(row);
      return view(row);
    },

    /** Changes what is given; the connection restarts with the new settings. */
    async update(id: number, input: AgentInput): Promise<AgentView> {
      const existing = await found(id);
      const apiKey = keyToStore(input.apiKey, true);
      const url = input.url === undefined ? existing.url : normaliseAgentUrl(input.url);
      const patch = {
        name: input.name === undefined ? existing.name : validName(input.name),
        url,
        enabled: input.enabled ?? existing.enabled,
        interface: validInterface(input.interface) ?? existing.interface,
        ...(apiKey === undefined ? {} : { apiKey }),
        // A different agent (or key), or one switched off, starts again without the old state.
        ...(url !== existing.url || apiKey !== undefined || (existing.enabled && input.enabled === false)
          ? { state: null, stateReason: null, stateSince: null }
          : {}),
      };
      const row = (await repo.update(id, patch))!;
      await supervisor.apply(row);
      return view(row);
    },

    /** Deletes the agent; refused while monitors or schedules run from it (they would silently move elsewhere). */
    async remove(id: number): Promise<void> {
      const users = (await deps.usersOf?.(id)) ?? [];
      if (users.length)
        throw new Conflict(
          `${users.join(" and ")} run from this agent: move them to another machine or delete them first`,
        );
      await supervisor.disconnect(id);
      if (!(await repo.remove(id))) throw new NotFound(`agent ${id} not found`);
    },

    /** Enables the agent and connects it now. */
    async start(id: number): Promise<AgentView> {
      requireMonitoring();
      const existing = await found(id);
      const row = existing.enabled ? existing : (await repo.update(id, { enabled: true }))!;
      await supervisor.apply(row);
      return view(row);
    },

    /** Disables the agent: the connection closes and stays closed across restarts. */
    async stop(id: number): Promise<AgentView> {
      await found(id);
      const row = (await repo.update(id, { enabled: false, state: null, stateReason: null, stateSince: null }))!;
      await supervisor.apply(row);
      return view(row);
    },

    /** Resource or bandwidth history over a range, from rollups. */
    async chart(id: number, range: ChartRange, metrics: readonly Metric[], now = Date.now()) {
      await found(id);
      const plan = chartPlan({
        range,
        now,
        runSpacingSeconds: pollSeconds,
        minuteRetentionDays: deps.retention.agent_minute_days,
        firstBucket: range === "all" ? ((await history.firstBucket(id))?.getTime() ?? null) : null,
      });
      const rows = await history.chartRows(
        id,
        metrics,
        plan.source,
        new Date(plan.from),
        new Date(plan.to),
        plan.stepSeconds,
      );
      const chart: AgentChart = chartSeries(plan, rows);
      return { plan, chart };
    },

    async found(id: number): Promise<AgentRow> {
      return found(id);
    },

    async snapshot(id: number, o: { freshVnstat?: boolean } = {}): Promise<AgentSnapshot> {
      const row = await found(id);
      let vnstat = await repo.vnstat(id);
      const newest = Math.max(0, ...vnstat.map((v) => v.createdAt.getTime()));
      if (o.freshVnstat && supervisor.live(id) && Date.now() - newest > VNSTAT_FRESH_MS) {
        try {
          await reads.native(id);
          vnstat = await repo.vnstat(id);
        } catch {
          // The stored export is shown; the page says when it was read.
        }
      }
      const [stored, storedInterfaces, storedPeaks] = await Promise.all([
        repo.systemInfo(id),
        repo.interfaces(id),
        repo.peaks(id),
      ]);
      // While the agent is connected, its last poll (in memory) is newer than the stored copy.
      const latest = supervisor.latest(id);
      const system = latest?.system;
      const hardware = latest?.hardware ?? (stored?.hardware ? readHardware(stored.hardware) : null);
      const info: SystemInfoRow | undefined =
        system || (latest?.hardware && stored)
          ? {
              agentId: id,
              hostname: system?.hostname ?? stored?.hostname ?? "",
              kernel: system?.kernel ?? stored?.kernel ?? "",
              uptimeSeconds: system?.uptime ?? stored?.uptimeSeconds ?? 0,
              vnstatVersion: system?.vnstat_version ?? stored?.vnstatVersion ?? "",
              agentVersion: system?.agentVersion ?? stored?.agentVersion ?? null,
              protocolVersion: system?.protocolVersion ?? stored?.protocolVersion ?? null,
              bandwidthSource: system?.bandwidthSource ?? stored?.bandwidthSource ?? null,
              cpuModel: hardware?.cpu.model ?? stored?.cpuModel ?? null,
              cpuCores: hardware?.cpu.cores ?? stored?.cpuCores ?? null,
              cpuThreads: hardware?.cpu.threads ?? stored?.cpuThreads ?? null,
              totalMemory: hardware?.memory.total ?? stored?.totalMemory ?? null,
              hardware: null,
              systemAt: system ? latest!.at : (stored?.systemAt ?? null),
              hardwareAt: latest?.hardware ? latest.at : (stored?.hardwareAt ?? null),
            }
          : stored;
      const interfaces: InterfaceRow[] = system
        ? Object.values(system.interfaces).map((i) => ({ agentId: id, ...interfaceFields(i) }))
        : storedInterfaces;
      const p = latest?.peaks;
      const peaks: PeaksRow | undefined = p
        ? {
            agentId: id,
            peakRx: p.peak_rx,
            peakTx: p.peak_tx,
            peakRxAt: p.peak_rx_timestamp ? new Date(p.peak_rx_timestamp) : null,
            peakTxAt: p.peak_tx_timestamp ? new Date(p.peak_tx_timestamp) : null,
            updatedAt: latest!.at,
          }
        : storedPeaks;
      return { agent: view(row), info, interfaces, hardware, peaks, vnstat };
    },
  };
}

export type AgentsService = ReturnType<typeof createAgentsService>;
