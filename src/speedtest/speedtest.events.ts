/** Events the speed-test service publishes on the bus (live progress for every open browser). */
import type { SpeedTestPhase as Phase } from "../protocol/measurements";
import type { SpeedTestRow } from "./speedtest.repository";
import type { TestType } from "./speedtest.schema";

export interface RunInfo {
  id: string;
  testType: TestType;
  serverName: string;
  isScheduled: boolean;
  startedAt: number;
  phases: Phase[];
}

export interface LiveProgress {
  phase: Phase;
  /** Progress of the current phase, 0–100. */
  phasePercent: number;
  /** Progress of the whole test, 0–100. */
  percent: number;
  mbps?: number;
  latencyMs?: number;
}

/** How the last test ended, so that a page which missed the event (its stream was reconnecting) can catch up. */
export type RunOutcome = { run: RunInfo /** When it ended, ms. */; at: number } & (
  | { outcome: "finished"; result: SpeedTestRow }
  | { outcome: "cancelled" }
  | { outcome: "rejected"; message: string }
);

/** What a page's event stream starts with: the running test, or else how the last one ended. */
export interface SpeedtestSnapshot {
  current: { run: RunInfo; progress?: LiveProgress } | null;
  last: RunOutcome | null;
}

export type SpeedtestEvent =
  | { type: "speedtest.started"; run: RunInfo }
  | { type: "speedtest.progress"; run: RunInfo; progress: LiveProgress }
  | { type: "speedtest.finished"; run: RunInfo; result: SpeedTestRow }
  | { type: "speedtest.cancelled"; run: RunInfo }
  | { type: "speedtest.rejected"; run: RunInfo; message: string };
