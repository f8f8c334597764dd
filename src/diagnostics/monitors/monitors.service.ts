/**
 * Packet-loss monitors: CRUD, scheduling on the shared scheduler, and runs.
 * Scheduled and manual runs share one concurrency group
 * ([packetloss] max_concurrent_monitors), so extra runs wait in its queue; a
 * monitor's runs never overlap. Starting a monitor answers at once and the
 * run reports over the bus. Knows nothing about HTTP.
 */
import type { Config } from "../../config/schema";
import type { Publisher } from "../../core/bus";
import { Conflict, NotFound } from "../../core/errors";
import { parseTarget } from "../../core/host";
import type { Logger } from "../../core/log";
import { type ChartRange, chartPlan, chartPoints, rangeSummary } from "../../history/chart";
import type { HistoryRepository } from "../../history/history.repository";
import { runFigures } from "../../history/rollups";
import type { Executor } from "../../measure/executor";
import { ProbeFailed } from "../../measure/probes/loss-probe";
import { planProbe } from "../../measure/probes/plan";
import { PROBES, type ProbeMethod } from "../../measure/probes/registry";
import type { ProbeOutcome } from "../../protocol/measurements";
import { describeStoredInterval, type Interval, MONITOR_INTERVALS, parseInterval } from "../../scheduler/interval";
import { type JobInfo, rowBookkeeping, type Scheduler } from "../../scheduler/scheduler";
import type { Semaphore } from "../../scheduler/semaphore";
import type { GeoIp } from "../geoip";
import { runBudgetSeconds, runSpacingSeconds } from "./budget";
import { monitorHop } from "./hops";
import { type LiveRun, liveUpdate, type MonitorEvent, type PacketLossUpdate, resultUpdate } from "./monitors.events";
import { type MonitorInput, validateMonitorInput } from "./monitors.input";
import type { MonitorRow, MonitorsRepository, NewResult, ResultSummary } from "./monitors.repository";
import { stateOf, transition } from "./state";

export type MonitorStatus = "active" | "stopped" | "queued" | "testing";

export interface MonitorView extends MonitorRow {
  /** "every 10 seconds", "daily at 06:00 (UTC)". */
  description: string;
  status: MonitorStatus;
}

const jobId = (id: number) => `monitor:${id}`;

export function createMonitorsService(deps: {
  repo: MonitorsRepository;
  history: HistoryRepository;
  scheduler: Scheduler;
  /** Shared by scheduled and manual runs: [packetloss] max_concurrent_monitors. */
  group: Semaphore;
  bus: Publisher<MonitorEvent>;
  executor: Executor;
  geoip: GeoIp;
  settings: Config["packetloss"];
  retention: Config["retention"];
  timezone: string;
  log: Logger;
}) {
  const { repo, history, scheduler, group, bus, executor, geoip, settings, timezone, log } = deps;
  const running = new Map<number, LiveRun>();

  const intervalOf = (row: Pick<MonitorRow, "interval">): Interval => parseInterval(row.interval, MONITOR_INTERVALS);
  const planOf = (row: Pick<MonitorRow, "interval" | "packetCount">) =>
    planProbe(
      { count: row.packetCount, budgetSeconds: runBudgetSeconds(intervalOf(row)), icmp: settings.privileged_mode },
      executor.probeHost,
    );

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

  /** One run: probe, then store result, rollups and state together, then tell the pages. */
  async function execute(monitorId: number, signal: AbortSignal): Promise<void> {
    const monitor = await repo.find(monitorId);
    if (!monitor) return;
    const plan = planOf(monitor);
    const live: LiveRun = { monitorId, host: monitor.host, method: plan.steps[0]!.method, progress: null };
    running.set(monitorId, live);
    // Published events are delivered later, so clearing `running` in `finally` still precedes any reaction to them.
    try {
      bus.publish({ type: "packetloss.started", update: liveUpdate(live, false) });
      let outcome: ProbeOutcome | undefined;
      let failure: ProbeFailed | undefined;
      try {
        const target = parseTarget(monitor.host);
        const request = {
          host: target.host,
          family: target.family,
          count: monitor.packetCount,
          budgetSeconds: runBudgetSeconds(intervalOf(monitor)),
          icmp: settings.privileged_mode,
          dns: settings.mtr_enable_dns,
        };
        outcome = await executor.runProbe(request, {
          signal,
          onProgress: (progress) => {
            live.method = progress.method;
            live.progress = progress;
            bus.publish({ type: "packetloss.progress", update: liveUpdate(live, false) });
          },
        });
        if (outcome.fallbackReason)
          log.info("no hop data", { monitor: monitorId, method: outcome.method, reason: outcome.fallbackReason });
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
            hops: outcome.hops?.map((hop) => monitorHop(hop, geoip)) ?? null,
            fallbackReason: outcome.fallbackReason ?? null,
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

  const validate = (input: MonitorInput, existing?: MonitorRow) =>
    validateMonitorInput(input, existing, { settings, timezone });

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
      const [rows, latest] = await Promise.all([repo.list(), repo.latestOfEach()]);
      const byMonitor = new Map(latest.map((result) => [result.monitorId, result]));
      return rows.map((row) => ({ monitor: view(row), latest: byMonitor.get(row.id) }));
    },

    /**
     * Why runs with this interval and packet count would have no hop data (the method that runs instead, and why
     * the hop-by-hop one cannot), or null when they will. Unparsable input has no note: saving reports it.
     */
    hopDataNote(interval: string, packetCount: number): { method: ProbeMethod; reason: string } | null {
      let plan: ReturnType<typeof planOf>;
      try {
        plan = planOf({ interval: parseInterval(interval, MONITOR_INTERVALS).text, packetCount });
      } catch {
        return null;
      }
      const first = plan.steps[0]!.method;
      if (!Number.isInteger(packetCount) || packetCount < 1 || PROBES[first].hops) return null;
      const reasons = plan.skipped.filter((s) => PROBES[s.method].hops).map((s) => s.reason);
      return reasons.length ? { method: first, reason: reasons.join("; ") } : null;
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
