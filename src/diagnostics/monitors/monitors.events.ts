/** Events the monitors service publishes on the bus: live progress for every open page, and state transitions. */
import type { MonitorRow, ResultSummary } from "./monitors.repository";
import type { ProbeMethod } from "./probe";
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
