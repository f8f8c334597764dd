/**
 * The monitor state machine: each result puts a monitor in `down` (nothing came
 * back), `threshold_exceeded` (loss above the monitor's threshold) or `ok`.
 * A change of state is a transition, stored in monitor_events for the
 * notification system (down → monitor_down, threshold → threshold_exceeded,
 * back to ok → monitor_recovered).
 */
export const MONITOR_STATES = ["ok", "threshold_exceeded", "down"] as const;
export type MonitorState = (typeof MONITOR_STATES)[number];
/** A monitor's state before its first result. */
export type StoredState = MonitorState | "unknown";

export interface Transition {
  from: StoredState;
  to: MonitorState;
  packetLoss: number;
}

/** The state a result puts a monitor in. A run that could not probe at all (unknown host) is down. */
export function stateOf(result: { packetLoss: number; packetsRecv: number }, threshold: number): MonitorState {
  if (result.packetLoss >= 100 || result.packetsRecv === 0) return "down";
  if (result.packetLoss > threshold) return "threshold_exceeded";
  return "ok";
}

/** The transition from `previous`, or null when the state stays the same. */
export function transition(previous: StoredState, next: MonitorState, packetLoss: number): Transition | null {
  return previous === next ? null : { from: previous, to: next, packetLoss };
}
