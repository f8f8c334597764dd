/** Events the monitors service publishes on the bus: live progress for every open page, and state transitions. */
import type { ProbeMethod, ProbeProgress } from "../../protocol/measurements";
import type { MonitorRow, ResultSummary } from "./monitors.repository";
import type { Transition } from "./state";

/** The original's PacketLossUpdate: what /status answers and what live progress carries. */
export interface PacketLossUpdate {
  type: "packetloss";
  monitorId: number;
  host: string;
  /** Waiting for a free slot ([packetloss] max_concurrent_monitors). */
  isQueued: boolean;
  isRunning: boolean;
  isComplete: boolean;
  /** 0–100. */
  progress: number;
  packetLoss: number | null;
  minRtt: number | null;
  maxRtt: number | null;
  avgRtt: number | null;
  stdDevRtt: number | null;
  packetsSent: number;
  packetsRecv: number;
  usedMtr: boolean;
  method: ProbeMethod | null;
  hopCount: number | null;
  error: string | null;
}

export type MonitorEvent =
  | { type: "packetloss.queued"; update: PacketLossUpdate }
  | { type: "packetloss.started"; update: PacketLossUpdate }
  | { type: "packetloss.progress"; update: PacketLossUpdate }
  | { type: "packetloss.finished"; update: PacketLossUpdate; monitor: MonitorRow; result: ResultSummary }
  | { type: "packetloss.cancelled"; update: PacketLossUpdate }
  | { type: "packetloss.state"; monitor: MonitorRow; transition: Transition };

/** A run in progress: the method running (null while queued) and its latest progress. */
export interface LiveRun {
  monitorId: number;
  host: string;
  method: ProbeMethod | null;
  progress: ProbeProgress | null;
}

export function liveUpdate(run: LiveRun, queued: boolean): PacketLossUpdate {
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

/** The last result as an update; not complete when there is none. */
export function resultUpdate(
  row: Pick<MonitorRow, "id" | "host">,
  result: ResultSummary | undefined,
): PacketLossUpdate {
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
