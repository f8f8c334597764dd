/**
 * Keeps one connection per enabled agent, and on the shared scheduler two jobs per connected agent: the poll of
 * system information, hardware and peaks ([monitor] poll_interval) and the hourly vnstat export. Connection state
 * changes are saved and published as `agent.state`, samples as `agent.live`, polled figures as `agent.metrics`.
 * Adding, editing, enabling or deleting an agent takes effect at once (connect/disconnect).
 */
import { durationMs } from "../config/field";
import type { Config } from "../config/schema";
import type { Publisher } from "../core/bus";
import type { Logger } from "../core/log";
import { type SecretBox, SecretUnreadable } from "../core/secret-box";
import type { GaugeFigures } from "../history/gauges";
import type { HardwareStats, PeakStats, SystemInfo } from "../protocol/agent";
import { JOB_INTERVALS, parseInterval } from "../scheduler/interval";
import type { Scheduler } from "../scheduler/scheduler";
import { AgentRequestFailed, type AgentTarget, getAgentJson } from "./agent-client";
import { AgentConnection, type Capability, type ConnectionView, type StateChange } from "./agent-connection";
import { hardwareSamples, metricsOf, type SeriesSample } from "./agent-metrics";
import { readHardware, readHistorical, readPeaks, readSystemInfo } from "./agent-payloads";
import type { AgentEvent } from "./agents.events";
import type { AgentRow, AgentsRepository, PollRecord } from "./agents.repository";

const POLL_TIMEOUT_MS = 20_000;
const EXPORT_TIMEOUT_MS = 30_000;
const EXPORT_EVERY_MS = 3_600_000;

export const pollJobId = (id: number) => `agent:${id}:poll`;
export const exportJobId = (id: number) => `agent:${id}:vnstat`;

/** The documents of the last poll, kept in memory: pages read them while the agent is online. */
export interface LatestDocs {
  at: Date;
  system?: PollRecord["system"];
  hardware?: HardwareStats;
  peaks?: PeakStats;
}

interface Connected {
  connection: AgentConnection;
  target: AgentTarget;
  name: string;
  latest?: LatestDocs;
  /** When the documents were last stored, and the parts of them that, changed, are stored at once. */
  storedAt: number;
  storedKey: string;
}

/**
 * The stored copy of an agent's documents (what the offline view and the API's fallbacks show) is refreshed at
 * least this often while the agent is online, at once when its system or peaks change, and when it goes offline.
 * Between times a poll writes only its history rows.
 */
const STORE_DOCS_EVERY_MS = 5 * 60_000;

/** What, changed, makes a poll store the documents at once: not uptime, counters or usage figures. */
function storedKey(latest: LatestDocs): string {
  const s = latest.system;
  const interfaces = s
    ? Object.values(s.interfaces).map((i) => [i.name, i.alias, i.addresses ?? i.ip_address, i.link_speed, i.is_up])
    : null;
  const p = latest.peaks;
  return JSON.stringify([
    s && [s.hostname, s.kernel, s.vnstat_version, s.agentVersion, interfaces],
    latest.hardware && [latest.hardware.disks.map((d) => d.path), latest.hardware.temperature.map((t) => t.sensor_key)],
    p && [p.peak_rx, p.peak_tx],
  ]);
}

export class AgentSupervisor {
  private readonly connected = new Map<number, Connected>();
  /** Agents whose stored key cannot be decrypted: not connected, shown as unauthorized with the reason. */
  private readonly unusable = new Map<number, string>();
  private readonly pollEvery: string;
  private readonly settings: { reconnectMaxMs: number; staleAfterMs: number };

  constructor(
    private readonly deps: {
      repo: AgentsRepository;
      scheduler: Scheduler;
      bus: Publisher<AgentEvent>;
      secrets: SecretBox;
      monitor: Config["monitor"];
      log: Logger;
    },
  ) {
    const m = deps.monitor;
    this.pollEvery = `${Math.max(1, Math.round(durationMs(m.poll_interval) / 1000))}s`;
    this.settings = {
      reconnectMaxMs: Math.max(1000, durationMs(m.reconnect_interval)),
      staleAfterMs: Math.max(2000, durationMs(m.stale_after)),
    };
  }

  get enabled(): boolean {
    return this.deps.monitor.enabled;
  }

  /** The live view of an agent's connection; undefined when it is not connected (disabled, or monitoring is off). */
  view(id: number): ConnectionView | undefined {
    return this.connected.get(id)?.connection.view();
  }

  /** Why an enabled agent cannot be connected (its stored key is unreadable), if so. */
  problem(id: number): string | undefined {
    return this.unusable.get(id);
  }

  /** Where to reach an agent, with its key decrypted; throws SecretUnreadable. */
  targetOf(row: Pick<AgentRow, "url" | "apiKey">): AgentTarget {
    return { url: row.url, apiKey: row.apiKey ? this.deps.secrets.open(row.apiKey) : null };
  }

  /** Changes to one agent run one after another, so two quick edits never leave two connections. */
  private readonly turns = new Map<number, Promise<void>>();

  private inTurn(id: number, work: () => Promise<void>): Promise<void> {
    const next = (this.turns.get(id) ?? Promise.resolve()).then(work, work);
    this.turns.set(id, next);
    return next.finally(() => {
      if (this.turns.get(id) === next) this.turns.delete(id);
    });
  }

  /** (Re)connects an enabled agent, or disconnects a disabled one, after it was created or changed. */
  apply(row: AgentRow): Promise<void> {
    return this.inTurn(row.id, () => this.connect(row));
  }

  disconnect(id: number): Promise<void> {
    return this.inTurn(id, () => this.close(id));
  }

  private async connect(row: AgentRow): Promise<void> {
    await this.close(row.id);
    if (!this.enabled || !row.enabled) return;
    let target: AgentTarget;
    try {
      target = this.targetOf(row);
    } catch (e) {
      if (!(e instanceof SecretUnreadable)) throw e;
      const reason = `${e.message}: enter the agent's API key again`;
      this.unusable.set(row.id, reason);
      this.deps.log.warn("agent not connected", { agent: row.id, reason });
      return;
    }
    const log = this.deps.log.child(`agent:${row.id}`);
    const connection = new AgentConnection(
      target,
      { state: row.state, since: row.stateSince, lastSeen: row.lastSeenAt },
      this.settings,
      {
        state: (change) => this.stateChanged(row.id, change),
        live: (sample, at) => {
          const name = this.connected.get(row.id)?.name ?? row.name;
          this.deps.bus.publish({
            type: "agent.live",
            agentId: row.id,
            agentName: name,
            at,
            rxBytesPerSecond: sample.rx.bytespersecond,
            txBytesPerSecond: sample.tx.bytespersecond,
          });
        },
        online: () => {
          this.deps.scheduler.runNow(pollJobId(row.id));
          void this.exportIfStale(row.id);
        },
      },
      log,
    );
    this.connected.set(row.id, { connection, target, name: row.name, storedAt: 0, storedKey: "" });
    const interval = parseInterval(this.pollEvery, JOB_INTERVALS);
    this.deps.scheduler.add({
      id: pollJobId(row.id),
      interval,
      timeoutMs: POLL_TIMEOUT_MS,
      // Spread over the interval, so agents added together (or restored at start-up) are not polled together.
      persistedNextRun: new Date(
        Date.now() + Math.random() * (interval.kind === "duration" ? interval.seconds * 1000 : 0),
      ),
      run: (signal) => this.poll(row.id, signal),
    });
    this.deps.scheduler.add({
      id: exportJobId(row.id),
      interval: parseInterval("1h", JOB_INTERVALS),
      timeoutMs: EXPORT_TIMEOUT_MS + 5_000,
      run: (signal) => this.exportVnstat(row.id, signal),
    });
    connection.start();
  }

  private async close(id: number): Promise<void> {
    this.unusable.delete(id);
    const entry = this.connected.get(id);
    if (!entry) return;
    await this.storeLatest(id, entry).catch((e) =>
      this.deps.log.warn("storing the last figures failed", { agent: id, error: e }),
    );
    this.connected.delete(id);
    this.deps.scheduler.remove(pollJobId(id));
    this.deps.scheduler.remove(exportJobId(id));
    await entry.connection.stop();
  }

  async restore(rows: readonly AgentRow[]): Promise<number> {
    if (!this.enabled) return 0;
    const enabled = rows.filter((r) => r.enabled);
    await Promise.all(enabled.map((row) => this.apply(row)));
    return enabled.length;
  }

  /** At shutdown: every agent's last figures are stored as its connection closes. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.connected.keys()].map((id) => this.disconnect(id)));
  }

  /** The connection and target of an online agent, for on-demand reads. */
  live(id: number): Connected | undefined {
    const entry = this.connected.get(id);
    return entry?.connection.online ? entry : undefined;
  }

  /** The last poll's documents, while the agent is connected. */
  latest(id: number): LatestDocs | undefined {
    return this.connected.get(id)?.latest;
  }

  /** Makes the stored copy of an agent's documents current (before it is read as a fallback). */
  async flush(id: number): Promise<void> {
    const entry = this.connected.get(id);
    if (entry) await this.storeLatest(id, entry);
  }

  /** Stores the last poll's documents if they are newer than the stored copy. */
  private async storeLatest(id: number, entry: Connected): Promise<void> {
    const latest = entry.latest;
    if (!latest || latest.at.getTime() <= entry.storedAt) return;
    entry.storedAt = latest.at.getTime();
    entry.storedKey = storedKey(latest);
    const lastSeen = entry.connection.view().lastSeen;
    await this.deps.repo.recordPoll({
      agentId: id,
      at: latest.at,
      samples: [],
      ...(latest.system ? { system: latest.system } : {}),
      ...(latest.hardware ? { hardware: latest.hardware } : {}),
      ...(latest.peaks ? { peaks: latest.peaks } : {}),
      ...(lastSeen === null ? {} : { lastSeen: new Date(lastSeen) }),
    });
  }

  private stateChanged(id: number, change: StateChange): void {
    const entry = this.connected.get(id);
    if (entry && change.to !== "online")
      this.storeLatest(id, entry).catch((e) =>
        this.deps.log.warn("storing the last figures failed", { agent: id, error: e }),
      );
    const agentName = entry?.name ?? String(id);
    this.deps.log.info(`agent ${change.to}`, { agent: id, reason: change.reason });
    this.deps.repo
      .saveState(id, {
        state: change.to,
        reason: change.reason ?? null,
        since: new Date(change.at),
        lastSeen: change.lastSeen === null ? null : new Date(change.lastSeen),
      })
      .catch((e) => this.deps.log.warn("saving agent state failed", { agent: id, error: e }));
    this.deps.bus.publish({
      type: "agent.state",
      agentId: id,
      agentName,
      at: change.at,
      from: change.from,
      to: change.to,
      ...(change.reason ? { reason: change.reason } : {}),
    });
  }

  /** Reads one endpoint for a poll; a 404 switches it off, a 401 drops the connection as unauthorized. */
  private async read<T>(
    entry: Connected,
    capability: Capability,
    path: string,
    parse: (body: unknown) => T,
    signal: AbortSignal,
  ): Promise<T | undefined> {
    if (!entry.connection.view().capabilities[capability]) return undefined;
    try {
      return parse(await getAgentJson(entry.target, path, { signal }));
    } catch (e) {
      if (e instanceof AgentRequestFailed && e.kind === "not_found") entry.connection.disable(capability);
      else if (e instanceof AgentRequestFailed && e.kind === "unauthorized")
        entry.connection.fail("unauthorized", e.message);
      else if (!signal.aborted) this.deps.log.debug("agent poll failed", { path, error: e });
      return undefined;
    }
  }

  /** One poll: system information, hardware and peaks, stored with the history; publishes the metrics. */
  async poll(id: number, signal: AbortSignal): Promise<void> {
    const entry = this.live(id);
    if (!entry) return;
    const [system, hardware, peaks] = await Promise.all([
      this.read<SystemInfo>(entry, "system", "/system/info", readSystemInfo, signal),
      this.read<HardwareStats>(entry, "hardware", "/system/hardware", readHardware, signal),
      this.read<PeakStats>(entry, "peaks", "/stats/peaks", readPeaks, signal),
    ]);
    if (signal.aborted || !entry.connection.online) return;
    const view = entry.connection.view();
    const rates = entry.connection.takeRates();
    const samples: SeriesSample[] = hardware ? hardwareSamples(hardware) : [];
    const rate = (metric: "rx" | "tx", figures: GaugeFigures | null) => {
      if (figures) samples.push({ metric, label: "", figures });
    };
    rate("rx", rates.rx);
    rate("tx", rates.tx);
    const at = new Date();
    const previous = entry.latest;
    const latest: LatestDocs = {
      at,
      system: system
        ? {
            ...system,
            agentVersion: system.agent_version ?? view.info?.version ?? null,
            protocolVersion: view.root?.protocol_version ?? view.info?.protocol_version ?? null,
            bandwidthSource: view.root?.bandwidth_source ?? null,
          }
        : previous?.system,
      hardware: hardware ?? previous?.hardware,
      peaks: peaks ?? previous?.peaks,
    };
    entry.latest = latest;
    const storeDocs = at.getTime() - entry.storedAt >= STORE_DOCS_EVERY_MS || storedKey(latest) !== entry.storedKey;
    if (storeDocs) {
      entry.storedAt = at.getTime();
      entry.storedKey = storedKey(latest);
    }
    await this.deps.repo.recordPoll({
      agentId: id,
      at,
      samples,
      ...(storeDocs
        ? {
            ...(latest.system ? { system: latest.system } : {}),
            ...(latest.hardware ? { hardware: latest.hardware } : {}),
            ...(latest.peaks ? { peaks: latest.peaks } : {}),
            lastSeen: at,
          }
        : {}),
    });
    if (hardware)
      this.deps.bus.publish({
        type: "agent.metrics",
        agentId: id,
        agentName: entry.name,
        at: at.getTime(),
        metrics: metricsOf(hardware),
      });
  }

  /** Reads /export/historical (every interface) and keeps it per interface. */
  async exportVnstat(id: number, signal: AbortSignal): Promise<void> {
    const entry = this.live(id);
    if (!entry?.connection.view().capabilities.historical) return;
    try {
      const doc = readHistorical(
        await getAgentJson(entry.target, "/export/historical", { signal, timeoutMs: EXPORT_TIMEOUT_MS }),
      );
      await this.deps.repo.saveVnstat(id, doc, new Date());
    } catch (e) {
      if (e instanceof AgentRequestFailed && e.kind === "not_found") entry.connection.disable("historical");
      else if (!signal.aborted) this.deps.log.debug("vnstat export failed", { agent: id, error: e });
    }
  }

  private async exportIfStale(id: number): Promise<void> {
    try {
      const rows = await this.deps.repo.vnstat(id);
      const newest = Math.max(0, ...rows.map((r) => r.createdAt.getTime()));
      if (Date.now() - newest >= EXPORT_EVERY_MS) this.deps.scheduler.runNow(exportJobId(id));
    } catch (e) {
      this.deps.log.warn("checking the vnstat export failed", { agent: id, error: e });
    }
  }
}
