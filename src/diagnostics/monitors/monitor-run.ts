/**
 * One monitor run, on the machine the monitor runs from: probe, then store the result with its rollups and the
 * monitor's new state, then tell the pages. A run whose agent could not be asked, or went away mid-run, is stored as
 * "unreachable": no packets counted as lost, no rollups, no state change (the target may be fine; the way to it is
 * not known), and an error that says why.
 */
import type { Config } from "../../config/schema";
import type { Publisher } from "../../core/bus";
import { parseTarget } from "../../core/host";
import type { Logger } from "../../core/log";
import { runFigures } from "../../history/rollups";
import type { Machine } from "../../hub/machines";
import { MachineUnavailable } from "../../measure/executor";
import { ProbeFailed } from "../../measure/probes/loss-probe";
import { type ProbePlan, planProbe } from "../../measure/probes/plan";
import type { ProbeOutcome } from "../../protocol/measurements";
import { type Interval, MONITOR_INTERVALS, parseInterval } from "../../scheduler/interval";
import type { GeoIp } from "../geoip";
import { runBudgetSeconds } from "./budget";
import { monitorHop } from "./hops";
import { type LiveRun, liveUpdate, type MonitorEvent, resultUpdate } from "./monitors.events";
import type { MonitorRow, MonitorsRepository, NewResult } from "./monitors.repository";
import { stateOf, transition } from "./state";

export const intervalOf = (row: Pick<MonitorRow, "interval">): Interval =>
  parseInterval(row.interval, MONITOR_INTERVALS);

/** How a monitor's runs go on `machine`: the method, its spacing and the time limit. */
export function planOn(
  row: Pick<MonitorRow, "interval" | "packetCount">,
  machine: Machine,
  settings: Config["packetloss"],
): ProbePlan {
  return planProbe(
    { count: row.packetCount, budgetSeconds: runBudgetSeconds(intervalOf(row)), icmp: settings.privileged_mode },
    machine.executor.probeHost,
  );
}

export function createMonitorRuns(deps: {
  repo: MonitorsRepository;
  machineOf(agentId: number | null): Promise<Machine>;
  bus: Publisher<MonitorEvent>;
  geoip: GeoIp;
  settings: Config["packetloss"];
  log: Logger;
}) {
  const { repo, bus, geoip, settings, log } = deps;
  /** Runs under way, by monitor. */
  const running = new Map<number, LiveRun>();

  /** Stores a run that could not happen, and tells the pages. */
  async function recordUnreachable(monitor: MonitorRow, method: NewResult["method"], why: MachineUnavailable) {
    log.warn("monitor run: agent unavailable", { monitor: monitor.id, agent: monitor.agentId, reason: why.message });
    const result = await repo.recordUnreachable({
      monitorId: monitor.id,
      agentId: monitor.agentId,
      method,
      privilegedMode: settings.privileged_mode,
      error: why.message,
      createdAt: new Date(),
    });
    bus.publish({ type: "packetloss.finished", update: resultUpdate(monitor, result), monitor, result });
  }

  function resultOf(monitor: MonitorRow, run: { outcome?: ProbeOutcome; failure?: ProbeFailed }): NewResult {
    const base = { monitorId: monitor.id, agentId: monitor.agentId, privilegedMode: settings.privileged_mode };
    const { outcome, failure } = run;
    if (!outcome) {
      const f = failure!;
      return { ...base, packetLoss: 100, packetsSent: 0, packetsRecv: 0, method: f.method, error: f.message };
    }
    return {
      ...base,
      packetLoss: outcome.packetLoss,
      packetsSent: outcome.packetsSent,
      packetsRecv: outcome.packetsRecv,
      minRtt: outcome.minRtt,
      avgRtt: outcome.avgRtt,
      maxRtt: outcome.maxRtt,
      stdDevRtt: outcome.stdDevRtt,
      method: outcome.method,
      hopCount: outcome.hops?.length ?? null,
      hops: outcome.hops?.map((hop) => monitorHop(hop, geoip)) ?? null,
      fallbackReason: outcome.fallbackReason ?? null,
    };
  }

  async function execute(monitorId: number, signal: AbortSignal): Promise<void> {
    const monitor = await repo.find(monitorId);
    if (!monitor) return;
    const machine = await deps.machineOf(monitor.agentId);
    const plan = planOn(monitor, machine, settings);
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
        outcome = await machine.executor.runProbe(request, {
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
        if (!signal.aborted && e instanceof MachineUnavailable)
          return await recordUnreachable(monitor, live.method!, e);
        // Stopped, removed, timed out or shutting down: nothing was measured, so nothing is stored.
        if (signal.aborted || !(e instanceof ProbeFailed)) {
          bus.publish({ type: "packetloss.cancelled", update: resultUpdate(monitor, undefined) });
          throw e;
        }
        failure = e;
      }
      const result = { ...resultOf(monitor, { outcome, failure }), createdAt: new Date() };
      const packetLoss = result.packetLoss ?? 100;
      const state = stateOf({ packetLoss, packetsRecv: result.packetsRecv }, monitor.threshold);
      const change = transition(monitor.lastState, state, packetLoss);
      const recorded = await repo.recordRun({
        result,
        figures: runFigures({ ...result, packetLoss, rttSamplesMs: outcome?.rttSamplesMs ?? [] }),
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

  return { running, execute };
}
