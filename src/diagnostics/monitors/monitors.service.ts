/**
 * Packet-loss monitors: CRUD, scheduling on the shared scheduler, and runs (monitor-run.ts), each from this
 * server or from an agent. On each machine scheduled and manual runs share one concurrency group
 * ([packetloss] max_concurrent_monitors), so extra runs wait in its queue; a monitor's runs never overlap.
 * Starting a monitor answers at once and the run reports over the bus. Knows nothing about HTTP.
 */
import type { Config } from "../../config/schema";
import type { Publisher } from "../../core/bus";
import { Conflict, NotFound } from "../../core/errors";
import type { Logger } from "../../core/log";
import { type ChartRange, chartPlan, chartPoints, rangeSummary } from "../../history/chart";
import type { HistoryRepository } from "../../history/history.repository";
import type { Machine } from "../../hub/machines";
import type { ProbePlan } from "../../measure/probes/plan";
import { PROBES, type ProbeMethod } from "../../measure/probes/registry";
import { describeStoredInterval, MONITOR_INTERVALS, parseInterval } from "../../scheduler/interval";
import { type JobInfo, rowBookkeeping, type Scheduler } from "../../scheduler/scheduler";
import type { GeoIp } from "../geoip";
import { runSpacingSeconds } from "./budget";
import { createMonitorRuns, intervalOf, planOn } from "./monitor-run";
import { liveUpdate, type MonitorEvent, type PacketLossUpdate, resultUpdate } from "./monitors.events";
import { type MonitorInput, validateMonitorInput } from "./monitors.input";
import type { MonitorRow, MonitorsRepository, ResultSummary } from "./monitors.repository";

export type MonitorStatus = "active" | "stopped" | "queued" | "testing";

export interface MonitorView extends MonitorRow {
  /** "every 10 seconds", "daily at 06:00 (UTC)". */
  description: string;
  status: MonitorStatus;
}

const jobId = (id: number) => `monitor:${id}`;

/** Where runs go: this server or an agent, each with its own concurrency group (hub/machines.ts). */
export interface MachineSource {
  /** Throws BadInput (field `agentId`) for an agent that does not exist. */
  of(agentId: number | null | undefined): Promise<Machine>;
}

export function createMonitorsService(deps: {
  repo: MonitorsRepository;
  history: HistoryRepository;
  scheduler: Scheduler;
  /** Scheduled and manual runs on one machine share its group ([packetloss] max_concurrent_monitors each). */
  machines: MachineSource;
  bus: Publisher<MonitorEvent>;
  geoip: GeoIp;
  settings: Config["packetloss"];
  retention: Config["retention"];
  timezone: string;
  log: Logger;
}) {
  const { repo, history, scheduler, machines, bus, geoip, settings, timezone, log } = deps;
  const runs = createMonitorRuns({ repo, machineOf: (id) => machines.of(id), bus, geoip, settings, log });
  const { running } = runs;

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

  /** Puts the monitor on the scheduler, in the concurrency group of the machine it runs from. */
  async function schedule(row: MonitorRow): Promise<void> {
    const machine = await machines.of(row.agentId);
    scheduler.add({
      id: jobId(row.id),
      interval: intervalOf(row),
      group: machine.monitorGroup,
      timeoutMs: planOn(row, machine, settings).timeoutSeconds * 1000,
      persistedNextRun: row.nextRun,
      run: (signal) => runs.execute(row.id, signal),
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
          await schedule(row);
          count++;
        } catch (e) {
          log.warn("monitor not restored", { monitor: row.id, interval: row.interval, error: e });
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
    async hopDataNote(
      interval: string,
      packetCount: number,
      agentId: number | null = null,
    ): Promise<{ method: ProbeMethod; reason: string } | null> {
      let plan: ProbePlan;
      try {
        const row = { interval: parseInterval(interval, MONITOR_INTERVALS).text, packetCount };
        plan = planOn(row, await machines.of(agentId), settings);
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
      const agentId = input.agentId ?? null;
      await machines.of(agentId);
      const enabled = Boolean(input.enabled || input.startImmediately);
      if (enabled) requireEnabledFeature();
      const row = await repo.insert({
        host: v.host,
        name: v.name,
        interval: v.interval.text,
        packetCount: v.packetCount,
        threshold: v.threshold,
        enabled,
        agentId,
      });
      if (enabled) {
        await schedule(row);
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
      const agentId = input.agentId === undefined ? existing.agentId : input.agentId;
      await machines.of(agentId);
      // Another machine means another concurrency group: the job is made again.
      if (agentId !== existing.agentId) scheduler.remove(jobId(id));
      const row = (await repo.update(id, {
        host: v.host,
        name: v.name,
        interval: v.interval.text,
        packetCount: v.packetCount,
        threshold: v.threshold,
        enabled,
        agentId,
        ...(intervalChanged || !enabled ? { nextRun: null } : {}),
      }))!;
      if (!enabled || !settings.enabled) scheduler.remove(jobId(id));
      else if (!scheduler.get(jobId(id))) await schedule(row);
      else {
        const timeoutMs = planOn(row, await machines.of(agentId), settings).timeoutSeconds * 1000;
        scheduler.update(jobId(id), { interval: v.interval, timeoutMs });
      }
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
      if (!scheduler.get(jobId(id))) await schedule(row);
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
