/**
 * Charts of a monitor's history from its rollups. Each range reads one rollup
 * resolution and draws one point per step (a table, as Beszel does); the
 * database sums each step's buckets, so a year of a 10-second monitor reads
 * 8,760 hourly rows and returns 366 days, never the 3 million runs behind them.
 * Steps without runs are null points: the chart shows a gap where nothing was
 * measured instead of a line across it.
 */
import {
  bucketStart,
  histogramPercentile,
  lossPercent,
  mergeHistograms,
  type Resolution,
  type RollupFigures,
} from "./rollups";

export const CHART_RANGES = ["1h", "6h", "1d", "3d", "1w", "1m", "all"] as const;
export type ChartRange = (typeof CHART_RANGES)[number];

const DAY_MS = 86_400_000;
const RANGE_SPAN_MS: Record<Exclude<ChartRange, "all">, number> = {
  "1h": DAY_MS / 24,
  "6h": DAY_MS / 4,
  "1d": DAY_MS,
  "3d": 3 * DAY_MS,
  "1w": 7 * DAY_MS,
  "1m": 30 * DAY_MS,
};

/** Which rollups each range reads and the step between its points (60 to 1,440 points). */
export const CHART_RESOLUTION: Record<ChartRange, { source: Resolution; stepSeconds: number }> = {
  "1h": { source: 60, stepSeconds: 60 },
  "6h": { source: 60, stepSeconds: 60 },
  "1d": { source: 60, stepSeconds: 60 },
  "3d": { source: 60, stepSeconds: 300 },
  "1w": { source: 3600, stepSeconds: 3600 },
  "1m": { source: 3600, stepSeconds: 3600 },
  all: { source: 3600, stepSeconds: 86_400 },
};

/** "all" draws hours rather than days while the history is shorter than this. */
const ALL_HOURLY_UP_TO_MS = 31 * DAY_MS;

/** Steps a chart may use; a monitor that runs less often than a step gets the next larger one. */
const STEP_LADDER = [60, 300, 900, 3600, 21_600, 86_400] as const;

export interface ChartPlan {
  range: ChartRange;
  source: Resolution;
  stepSeconds: number;
  /** First point (aligned to the step) and the end of the range, UTC ms. */
  from: number;
  to: number;
}

export function chartPlan(o: {
  range: ChartRange;
  now: number;
  /** Seconds between the monitor's runs, so that a monitor running hourly is not drawn as dots between gaps. */
  runSpacingSeconds: number;
  /** [retention] minute_days: older ranges must read hourly rollups. */
  minuteRetentionDays: number;
  /** The oldest hourly bucket, for "all"; null when there is no history. */
  firstBucket: number | null;
}): ChartPlan {
  const { range, now } = o;
  let { source, stepSeconds } = CHART_RESOLUTION[range];
  let from: number;
  if (range === "all") {
    from = o.firstBucket ?? now;
    if (now - from <= ALL_HOURLY_UP_TO_MS) stepSeconds = 3600;
  } else {
    from = now - RANGE_SPAN_MS[range];
  }
  const runStep = STEP_LADDER.find((s) => s >= o.runSpacingSeconds) ?? STEP_LADDER[STEP_LADDER.length - 1]!;
  stepSeconds = Math.max(stepSeconds, runStep);
  if (source === 60 && (stepSeconds >= 3600 || from < now - o.minuteRetentionDays * DAY_MS)) {
    source = 3600;
    stepSeconds = Math.max(stepSeconds, 3600);
  }
  return { range, source, stepSeconds, from: bucketStart(from, stepSeconds), to: now };
}

/** A rollup row as the chart reads it: the figures without the histogram. */
export type ChartRow = Omit<RollupFigures, "histogram"> & { bucketStart: Date };

export interface ChartPoint {
  /** Start of the step, UTC ms. */
  t: number;
  runs: number;
  /** Packet loss over the step in percent (exact: from summed counts); null where nothing ran. */
  loss: number | null;
  /** The worst single run in the step. */
  lossMax: number | null;
  /** RTT of the destination in ms: fastest, mean over every reply, slowest. */
  min: number | null;
  avg: number | null;
  max: number | null;
  /** RTT percentiles over the step's replies (from the rollups' histograms). */
  p50: number | null;
  p95: number | null;
}

/** A rollup bucket's RTT histogram. */
export interface BucketHistogram {
  bucketStart: Date;
  histogram: readonly number[];
}

/** Sums and extremes over rollup rows: what a chart point and the range summary are made of. */
interface Totals {
  runs: number;
  packetsSent: number;
  packetsRecv: number;
  rttCount: number;
  rttSum: number;
  lossMax: number;
  rttMin: number | null;
  rttMax: number | null;
}

function noTotals(): Totals {
  return { runs: 0, packetsSent: 0, packetsRecv: 0, rttCount: 0, rttSum: 0, lossMax: 0, rttMin: null, rttMax: null };
}

function addRow(totals: Totals, row: ChartRow): void {
  totals.runs += row.runs;
  totals.packetsSent += row.packetsSent;
  totals.packetsRecv += row.packetsRecv;
  totals.rttCount += row.rttCount;
  totals.rttSum += row.rttSum;
  totals.lossMax = Math.max(totals.lossMax, row.lossMax);
  if (row.rttMin !== null) totals.rttMin = totals.rttMin === null ? row.rttMin : Math.min(totals.rttMin, row.rttMin);
  if (row.rttMax !== null) totals.rttMax = totals.rttMax === null ? row.rttMax : Math.max(totals.rttMax, row.rttMax);
}

const meanRtt = (totals: Totals) => (totals.rttCount > 0 ? totals.rttSum / totals.rttCount : null);

/**
 * Merges rows (sorted by bucket) into one point per step, with null points for steps nothing ran in. Histograms
 * (sorted by bucket) give each step its RTT percentiles.
 */
export function chartPoints(
  plan: ChartPlan,
  rows: readonly ChartRow[],
  histograms: readonly BucketHistogram[] = [],
): ChartPoint[] {
  const stepMs = plan.stepSeconds * 1000;
  const points: ChartPoint[] = [];
  let rowIndex = 0;
  let histogramIndex = 0;
  for (let t = plan.from; t <= plan.to; t += stepMs) {
    const step = noTotals();
    while (rowIndex < rows.length && rows[rowIndex]!.bucketStart.getTime() < t + stepMs) {
      const row = rows[rowIndex++]!;
      if (row.bucketStart.getTime() >= t) addRow(step, row);
    }
    let merged: number[] = [];
    while (histogramIndex < histograms.length && histograms[histogramIndex]!.bucketStart.getTime() < t + stepMs) {
      const h = histograms[histogramIndex++]!;
      if (h.bucketStart.getTime() >= t) merged = mergeHistograms(merged, h.histogram);
    }
    const bounds = { min: step.rttMin, max: step.rttMax };
    points.push({
      t,
      runs: step.runs,
      loss: lossPercent(step),
      lossMax: step.runs > 0 ? step.lossMax : null,
      min: step.rttMin,
      avg: meanRtt(step),
      max: step.rttMax,
      p50: histogramPercentile(merged, 50, bounds),
      p95: histogramPercentile(merged, 95, bounds),
    });
  }
  return points;
}

export interface RangeSummary {
  runs: number;
  packetsSent: number;
  packetsRecv: number;
  loss: number | null;
  min: number | null;
  avg: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Figures for the whole range: exact sums, and percentiles from the merged histograms. */
export function rangeSummary(
  rows: readonly ChartRow[],
  histograms: readonly { histogram: readonly number[] }[],
): RangeSummary {
  const range = noTotals();
  for (const row of rows) addRow(range, row);
  let merged: number[] = [];
  for (const h of histograms) merged = mergeHistograms(merged, h.histogram);
  const percentile = (p: number) => histogramPercentile(merged, p, { min: range.rttMin, max: range.rttMax });
  return {
    runs: range.runs,
    packetsSent: range.packetsSent,
    packetsRecv: range.packetsRecv,
    loss: lossPercent(range),
    min: range.rttMin,
    avg: meanRtt(range),
    max: range.rttMax,
    p50: percentile(50),
    p95: percentile(95),
    p99: percentile(99),
  };
}
