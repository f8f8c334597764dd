/**
 * The interface every packet-loss probe method implements (mtr, ping): how far apart it can send a run's
 * probes, and the run itself. Methods are tried in the registry's order; one that cannot fit the run's time,
 * or finds it cannot run here (not installed, no privileges), hands over to the next with its reason.
 */
import type { ProbeHost, ProbeOutcome, ProbeProgress, ProbeRequest } from "../../protocol/measurements";

/** Seconds between probes, or why the method cannot send the run's probes within its budget. */
export type Spacing = { seconds: number } | { unfit: string };

export interface ProbeRun {
  /** The destination, resolved once so every method probes the same address. */
  dest: { ip: string; family: 4 | 6 };
  request: ProbeRequest;
  spacingSeconds: number;
  signal: AbortSignal;
  /** Reports progress, throttled: the callback is only evaluated when a report is due. */
  report: (progress: () => ProbeProgress) => void;
}

export interface LossProbe {
  /** Its outcome carries hop-by-hop data. */
  hops: boolean;
  spacing(request: Pick<ProbeRequest, "count" | "budgetSeconds" | "icmp">, host: ProbeHost): Spacing;
  /** The longest a run may take at this spacing, seconds (the runner's kill comes after it). */
  durationSeconds(count: number, spacingSeconds: number): number;
  /** The outcome, or why the next method should run instead. Throws ProbeFailed when nothing could be measured. */
  run(run: ProbeRun): Promise<ProbeOutcome | { fallback: string }>;
}

/** The measurement itself failed (unknown host, tool error); the message is plain English. */
export class ProbeFailed extends Error {
  constructor(
    message: string,
    readonly method: ProbeOutcome["method"],
  ) {
    super(message);
  }
}

/** The fastest probing we ask for: mtr refuses less, and faster bursts would measure the probing itself. */
export const MIN_SPACING_SECONDS = 0.1;
/** The usual one probe a second, used whenever the run's budget leaves time for it. */
export const MAX_SPACING_SECONDS = 1;
/** Extra time before a stuck tool is killed. */
export const KILL_MARGIN_SECONDS = 15;

export const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** Rounds to 0.1 µs: mtr reports whole µs and ping 1 µs, so this only drops floating-point noise from averaging. */
export function roundMs(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1e4) / 1e4;
}
