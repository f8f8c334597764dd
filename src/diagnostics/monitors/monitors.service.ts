/**
 * Packet-loss monitors: CRUD, scheduling on the shared scheduler, and runs.
 * Scheduled and manual runs share one concurrency group
 * ([packetloss] max_concurrent_monitors), so extra runs wait in its queue; a
 * monitor's runs never overlap. Starting a monitor answers at once and the
 * run reports over the bus. Knows nothing about HTTP.
 */
import type { Config } from "../../config/schema";
import type { Publisher } from "../../core/bus";
import { BadInput, Conflict, NotFound } from "../../core/errors";
import { parseTarget } from "../../core/host";
import type { Logger } from "../../core/log";
import { type ChartRange, chartPlan, chartPoints, rangeSummary } from "../../history/chart";
import type { HistoryRepository } from "../../history/history.repository";
import { runFigures } from "../../history/rollups";
import {
  describeInterval,
  describeStoredInterval,
  type Interval,
  MONITOR_INTERVALS,
  parseInterval,
} from "../../scheduler/interval";
import { type JobInfo, rowBookkeeping, type Scheduler } from "../../scheduler/scheduler";
import type { Semaphore } from "../../scheduler/semaphore";
import type { GeoIp } from "../geoip";
import type { MonitorEvent, PacketLossUpdate } from "./monitors.events";
import type { MonitorRow, MonitorsRepository, NewResult, ResultSummary } from "./monitors.repository";
import {
  maxPacketCount,
  ProbeFailed,
  type ProbeMethod,
  type ProbeOutcome,
  type ProbeProgress,
  planProbe,
  runBudgetSeconds,
  runProbe,
  runSpacingSeconds,
} from "./probe";
import { stateOf, transition } from "./state";

export interface MonitorInput {
  host?: string;
  name?: string;
  interval?: string;
  packetCount?: number;
  threshold?: number;
  enabled?: boolean;
  /** Create (or edit) and run once right away; implies enabled. */
  startImmediately?: boolean;
}

export type MonitorStatus = "active" | "stopped" | "queued" | "testing";

export interface MonitorView extends MonitorRow {
  /** "every 10 seconds", "daily at 06:00 (UTC)". */
  description: string;
  status: MonitorStatus;
}

export const DEFAULT_THRESHOLD = 5;
const MAX_NAME_LENGTH = 100;
const jobId = (id: number) => `monitor:${id}`;

/** "3600" seconds from the config as the interval grammar's shortest form ("1h"). */
export function durationText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

interface LiveRun {
  monitorId: number;
  host: string;
  method: ProbeMethod | null;
  progress: ProbeProgress | null;
}

export function createMonitorsService(deps: {
  repo: MonitorsRepository;
  history: HistoryRepository;
  scheduler: Scheduler;
  /** Shared by scheduled and manual runs: [packetloss] max_concurrent_monitors. */
  group: Semaphore;
  bus: Publisher<MonitorEvent>;
  geoip: GeoIp;
  settings: Config["packetloss"];
  retention: Config["retention"];
  timezone: string;
  log: Logger;
}) {
  const { repo, history, scheduler, group, bus, geoip, settings, timezone, log } = deps;
  const root = process.getuid?.() === 0;
  const running = new Map<number, LiveRun>();

  const intervalOf = (row: Pick<MonitorRow, "interval">): Interval => parseInterval(row.interval, MONITOR_INTERVALS);
  const planOf = (row: MonitorRow) =>
    planProbe(row.packetCount, runBudgetSeconds(intervalOf(row)), { icmp: settings.privileged_mode, root });

  function statusOf(row: MonitorRow, job: JobInfo | undefined): MonitorStatus {
    // A run being abandoned by stop() is still winding down; the monitor is already stopped.
    if (!row.enabled) return "stopped";
    if (running.has(row.id)) return "testing";
    return job?.state === "queued" ? "queued" : "active";
  }

  function view(row: MonitorRow): MonitorView {
    const job = scheduler.get(jobId(row.id));
    return {
      ...row,
      nextRun: row.enabled ? (job?.nextRun ?? row.nextRun) : null,
      description: describeStoredInterval(row.interval, MONITOR_INTERVALS, timezone),
      status: statusOf(row, job),
    };
  }

  function liveUpdate(run: LiveRun, queued: boolean): PacketLossUpdate {
    const p = run.progress;
    return {
      type: "packetloss",
      monitorId: run.monitorId,
      host: run.host,
      isQueued: queued,
      isRunning: !queued,
      isComplete: false,
      progress: p?.percent ?? 0,
      packetLoss: p && p.sent > 0 ? ((p.sent - Math.min(p.received, p.sent)) / p.sent) * 100 : null,
      minRtt: null,
      maxRtt: null,
      avgRtt: null,
      stdDevRtt: null,
      packetsSent: p?.sent ?? 0,
      packetsRecv: p?.received ?? 0,
      usedMtr: run.method === "mtr",
      method: run.method,
      hopCount: p?.hopCount ?? null,
      error: null,
    };
  }

  function resultUpdate(row: Pick<MonitorRow, "id" | "host">, result: ResultSummary | undefined): PacketLossUpdate {
    return {
      type: "packetloss",
      monitorId: row.id,
      host: row.host,
      isQueued: false,
      isRunning: false,
      isComplete: result !== undefined,
      progress: result ? 100 : 0,
      packetLoss: result?.packetLoss ?? null,
      minRtt: result?.minRtt ?? null,
      maxRtt: result?.maxRtt ?? null,
      avgRtt: result?.avgRtt ?? null,
      stdDevRtt: result?.stdDevRtt ?? null,
      packetsSent: result?.packetsSent ?? 0,
      packetsRecv: result?.packetsRecv ?? 0,
      usedMtr: result?.method === "mtr",
      method: result?.method ?? null,
      hopCount: result?.hopCount ?? null,
      error: result?.error ?? null,
    };
  }

  /** One run: probe, then store result, rollups and state together, then tell the pages. */
  async function execute(monitorId: number, signal: AbortSignal): Promise<void> {
    const monitor = await repo.find(monitorId);
    if (!monitor) return;
    const plan = planOf(monitor);
    const live: LiveRun = {
      monitorId,
      host: monitor.host,
      method: plan.mtrSpacing === null ? "ping" : "mtr",
      progress: null,
    };
    running.set(monitorId, live);
    // Published events are delivered later, so clearing `running` in `finally` still precedes any reaction to them.
    try {
      bus.publish({ type: "packetloss.started", update: liveUpdate(live, false) });
      let outcome: ProbeOutcome | undefined;
      let failure: ProbeFailed | undefined;
      try {
        outcome = await runProbe(parseTarget(monitor.host), {
          count: monitor.packetCount,
          plan,
          icmp: settings.privileged_mode,
          dns: settings.mtr_enable_dns,
          geoip,
          signal,
          onProgress: (progress) => {
            live.method = progress.method;
            live.progress = progress;
            bus.publish({ type: "packetloss.progress", update: liveUpdate(live, false) });
          },
        });
        if (outcome.fallbackReason)
          log.info("ping used instead of mtr", { monitor: monitorId, reason: outcome.fallbackReason });
      } catch (e) {
        // Stopped, removed, timed out or shutting down: nothing was measured, so nothing is stored.
        if (signal.aborted || !(e instanceof ProbeFailed)) {
          bus.publish({ type: "packetloss.cancelled", update: resultUpdate(monitor, undefined) });
          throw e;
        }
        failure = e;
      }
      const createdAt = new Date();
      const result: NewResult & { createdAt: Date } = outcome
        ? {
            monitorId,
            packetLoss: outcome.packetLoss,
            packetsSent: outcome.packetsSent,
            packetsRecv: outcome.packetsRecv,
            minRtt: outcome.minRtt,
            avgRtt: outcome.avgRtt,
            maxRtt: outcome.maxRtt,
            stdDevRtt: outcome.stdDevRtt,
            method: outcome.method,
            privilegedMode: settings.privileged_mode,
            hopCount: outcome.hops?.length ?? null,
            hops: outcome.hops,
            createdAt,
          }
        : {
            monitorId,
            packetLoss: 100,
            packetsSent: 0,
            packetsRecv: 0,
            method: failure!.method,
            privilegedMode: settings.privileged_mode,
            error: failure!.message,
            createdAt,
          };
      const state = stateOf({ packetLoss: result.packetLoss, packetsRecv: result.packetsRecv }, monitor.threshold);
      const change = transition(monitor.lastState, state, result.packetLoss);
      const recorded = await repo.recordRun({
        result,
        figures: runFigures({ ...result, rttSamplesMs: outcome?.rttSamplesMs ?? [] }),
        state,
        transition: change,
      });
      bus.publish({
        type: "packetloss.finished",
        update: resultUpdate(recorded.monitor, recorded.result),
        monitor: recorded.monitor,
        result: recorded.result,
      });
      if (change) bus.publish({ type: "packetloss.state", monitor: recorded.monitor, transition: change });
    } finally {
      running.delete(monitorId);
    }
  }

  function schedule(row: MonitorRow): void {
    scheduler.add({
      id: jobId(row.id),
      interval: intervalOf(row),
      group,
      timeoutMs: planOf(row).timeoutSeconds * 1000,
      persistedNextRun: row.nextRun,
      run: (signal) => execute(row.id, signal),
      ...rowBookkeeping({
        save: (times) => repo.touch(row.id, times),
        log,
        failure: "monitor run failed",
        fields: { monitor: row.id },
      }),
    });
  }

  function requireEnabledFeature(): void {
    if (!settings.enabled) throw new Conflict("packet-loss monitoring is switched off ([packetloss] enabled = false)");
  }

  /** Queues a run now; reports whether it waits for a slot. False when one is already queued or running. */
  function runNow(row: MonitorRow): boolean {
    if (!scheduler.runNow(jobId(row.id))) return false;
    if (scheduler.get(jobId(row.id))?.state === "queued")
      bus.publish({
        type: "packetloss.queued",
        update: liveUpdate({ monitorId: row.id, host: row.host, method: null, progress: null }, true),
      });
    return true;
  }

  interface Validated {
    host: string;
    name: string;
    interval: Interval;
    packetCount: number;
    threshold: number;
  }

  function validate(input: MonitorInput, existing?: MonitorRow): Validated {
    const hostText = input.host ?? existing?.host;
    if (hostText === undefined) throw new BadInput("host: required", "host");
    const target = parseTarget(hostText, "host");
    if (target.port !== undefined)
      throw new BadInput("host: a monitor probes a host, not a port; leave the port out", "host");
    const interval = parseInterval(
      input.interval ?? existing?.interval ?? durationText(settings.default_interval),
      MONITOR_INTERVALS,
    );
    const packetCount = input.packetCount ?? existing?.packetCount ?? settings.default_packet_count;
    if (!Number.isInteger(packetCount) || packetCount < 1 || packetCount > 1000)
      throw new BadInput("packetCount: must be a whole number from 1 to 1000", "packetCount");
    const fits = maxPacketCount(interval);
    if (packetCount > fits)
      throw new BadInput(
        `packetCount: at most ${fits} probes fit in a run ${describeInterval(interval, timezone)}; use fewer probes or a longer interval`,
        "packetCount",
      );
    const threshold = input.threshold ?? existing?.threshold ?? DEFAULT_THRESHOLD;
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100)
      throw new BadInput("threshold: must be a loss percentage from 0 to 100", "threshold");
    const name = (input.name ?? existing?.name ?? "").trim() || target.host;
    if (name.length > MAX_NAME_LENGTH) throw new BadInput(`name: at most ${MAX_NAME_LENGTH} characters`, "name");
    return { host: target.host, name, interval, packetCount, threshold };
  }

  async function found(id: number): Promise<MonitorRow> {
    const row = await repo.find(id);
    if (!row) throw new NotFound(`monitor ${id} not found`);
    return row;
  }

  return {
    /**
     * Puts every enabled monitor on the scheduler (start-up). They wait for
     * their next slot unless [packetloss] restore_monitors_on_startup asks for
     * a run now. Missed runs are not caught up.
     */
    async restore(): Promise<number> {
      if (!settings.enabled) return 0;
      let count = 0;
      for (const row of await repo.list()) {
        if (!row.enabled) continue;
        try {
          schedule(row);
          count++;
        } catch (e) {
          log.warn("monitor not restored: invalid interval", { monitor: row.id, interval: row.interval, error: e });
          continue;
        }
        if (settings.restore_monitors_on_startup) runNow(row);
      }
      return count;
    },

    async list(): Promise<MonitorView[]> {
      return (await repo.list()).map(view);
    },

    /** Every monitor with its newest result: the dashboard's overview. */
    async overview(): Promise<{ monitor: MonitorView; latest: ResultSummary | undefined }[]> {
      const rows = await repo.list();
      return Promise.all(rows.map(async (row) => ({ monitor: view(row), latest: await repo.latest(row.id) })));
    },

    async get(id: number): Promise<MonitorView> {
      return view(await found(id));
    },

    async create(input: MonitorInput): Promise<MonitorView> {
      const v = validate(input);
      const enabled = Boolean(input.enabled || input.startImmediately);
      if (enabled) requireEnabledFeature();
      const row = await repo.insert({
        host: v.host,
        name: v.name,
        interval: v.interval.text,
        packetCount: v.packetCount,
        threshold: v.threshold,
        enabled,
      });
      if (enabled) {
        schedule(row);
        if (input.startImmediately) runNow(row);
      }
      return view(row);
    },

    /** Changes what is given. A run in progress finishes with the settings it started with. */
    async update(id: number, input: MonitorInput): Promise<MonitorView> {
      const existing = await found(id);
      const v = validate(input, existing);
      const enabled = input.startImmediately ? true : (input.enabled ?? existing.enabled);
      if (input.startImmediately || (enabled && !existing.enabled)) requireEnabledFeature();
      const intervalChanged = v.interval.text !== existing.interval;
      const row = (await repo.update(id, {
        host: v.host,
        name: v.name,
        interval: v.interval.text,
        packetCount: v.packetCount,
        threshold: v.threshold,
        enabled,
        ...(intervalChanged || !enabled ? { nextRun: null } : {}),
      }))!;
      if (!enabled || !settings.enabled) scheduler.remove(jobId(id));
      else if (!scheduler.get(jobId(id))) schedule(row);
      else scheduler.update(jobId(id), { interval: v.interval, timeoutMs: planOf(row).timeoutSeconds * 1000 });
      if (input.startImmediately) runNow(row);
      return view(row);
    },

    async remove(id: number): Promise<void> {
      scheduler.remove(jobId(id));
      if (!(await repo.remove(id))) throw new NotFound(`monitor ${id} not found`);
    },

    /** Enables the monitor and queues one run now; answers at once. `queued` is false when a run was already going. */
    async start(id: number): Promise<{ monitor: MonitorView; queued: boolean }> {
      requireEnabledFeature();
      let row = await found(id);
      if (!row.enabled) row = (await repo.update(id, { enabled: true }))!;
      if (!scheduler.get(jobId(id))) schedule(row);
      const queued = runNow(row);
      return { monitor: view(row), queued };
    },

    /** Disables the monitor: no more runs, and a queued or running one is abandoned without a result. */
    async stop(id: number): Promise<MonitorView> {
      await found(id);
      scheduler.remove(jobId(id));
      return view((await repo.update(id, { enabled: false, nextRun: null }))!);
    },

    /** Every run under way or waiting for a slot: what a page's event stream starts with. */
    async liveRuns(): Promise<PacketLossUpdate[]> {
      const updates = [...running.values()].map((live) => liveUpdate(live, false));
      for (const row of await repo.list())
        if (!running.has(row.id) && scheduler.get(jobId(row.id))?.state === "queued")
          updates.push(liveUpdate({ monitorId: row.id, host: row.host, method: null, progress: null }, true));
      return updates;
    },

    /** Live progress while queued or running, else the last result. */
    async status(id: number): Promise<PacketLossUpdate> {
      const row = await found(id);
      const live = running.get(id);
      if (live) return liveUpdate(live, false);
      if (scheduler.get(jobId(id))?.state === "queued")
        return liveUpdate({ monitorId: id, host: row.host, method: null, progress: null }, true);
      return resultUpdate(row, await repo.latest(id));
    },

    async history(id: number, limit: number, offset: number) {
      await found(id);
      return repo.history(id, limit, offset);
    },

    async result(id: number, resultId: number) {
      const row = await found(id);
      const result = await repo.findResult(id, resultId);
      if (!result) throw new NotFound(`result ${resultId} of monitor ${id} not found`);
      return { monitor: row, result };
    },

    async events(id: number, limit: number) {
      await found(id);
      return repo.events(id, limit);
    },

    /** Loss and RTT over a range, from rollups: one point per step, nulls where nothing ran. */
    async chart(id: number, range: ChartRange, now = Date.now()) {
      const row = await found(id);
      const plan = chartPlan({
        range,
        now,
        runSpacingSeconds: runSpacingSeconds(intervalOf(row)),
        minuteRetentionDays: deps.retention.minute_days,
        firstBucket: range === "all" ? ((await history.firstBucket(id))?.getTime() ?? null) : null,
      });
      const span = [id, plan.source, new Date(plan.from), new Date(plan.to)] as const;
      const [rows, histograms] = await Promise.all([
        history.chartRows(...span, plan.stepSeconds),
        history.histograms(...span),
      ]);
      return { plan, points: chartPoints(plan, rows, histograms), summary: rangeSummary(rows, histograms) };
    },
  };
}

export type MonitorsService = ReturnType<typeof createMonitorsService>;
