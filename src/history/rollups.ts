/**
 * Rollups of packet-loss results: per monitor, 1-minute and 1-hour buckets of
 * sums, counts, extremes and an RTT histogram, written with every result.
 * Sums and counts merge exactly across buckets (averages of averages would
 * not), so any chart step is built from them without touching raw rows.
 *
 * The histogram counts RTT samples in fixed log-scale buckets: bucket i holds
 * [HISTOGRAM_FLOOR_MS × HISTOGRAM_RATIO^i, … × HISTOGRAM_RATIO^(i+1)). Counts
 * merge by addition, and a percentile read from them is off by at most one
 * bucket's width (about 9 %). Stored as [first bucket index, its count, the
 * next bucket's count, …] up to the last non-empty bucket: a path's RTTs fill
 * a dozen neighbouring buckets, so a row holds about 15 numbers, not 200.
 */

/** Rollup resolutions in seconds, finest first. */
export const RESOLUTIONS = [60, 3600] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** RTTs below this land in bucket 0 (loopback answers in a few µs). */
export const HISTOGRAM_FLOOR_MS = 0.01;
/** Eight buckets per doubling. */
export const HISTOGRAM_RATIO = 2 ** (1 / 8);
/** Enough buckets to reach about 5 minutes; slower answers share the last one. */
export const HISTOGRAM_BUCKETS = 200;

const LOG_RATIO = Math.log(HISTOGRAM_RATIO);

/** The bucket an RTT (ms) is counted in. */
export function histogramIndex(rttMs: number): number {
  if (!(rttMs > HISTOGRAM_FLOOR_MS)) return 0;
  // The epsilon keeps exact bucket boundaries from falling one bucket low through float error.
  const index = Math.floor(Math.log(rttMs / HISTOGRAM_FLOOR_MS) / LOG_RATIO + 1e-9);
  return Math.min(index, HISTOGRAM_BUCKETS - 1);
}

/** Lower and upper RTT bound (ms) of a bucket. */
export function histogramBounds(index: number): [number, number] {
  return [HISTOGRAM_FLOOR_MS * HISTOGRAM_RATIO ** index, HISTOGRAM_FLOOR_MS * HISTOGRAM_RATIO ** (index + 1)];
}

/** A histogram as stored: `[first bucket index, count, count, …]`; `[]` when empty. */
export type Histogram = number[];

/** Counts RTT samples into a histogram. */
export function histogramOf(samplesMs: readonly number[]): Histogram {
  if (samplesMs.length === 0) return [];
  const indexes = samplesMs.map(histogramIndex);
  const first = Math.min(...indexes);
  const counts = new Array<number>(Math.max(...indexes) - first + 1).fill(0);
  for (const index of indexes) counts[index - first]! += 1;
  return [first, ...counts];
}

export function mergeHistograms(a: readonly number[], b: readonly number[]): Histogram {
  if (a.length < 2) return [...b];
  if (b.length < 2) return [...a];
  const first = Math.min(a[0]!, b[0]!);
  const last = Math.max(a[0]! + a.length - 2, b[0]! + b.length - 2);
  const merged = [first, ...new Array<number>(last - first + 1).fill(0)];
  for (const h of [a, b]) for (let i = 1; i < h.length; i++) merged[h[0]! - first + i]! += h[i]!;
  return merged;
}

/**
 * The p-th percentile (0–100) of the counted samples, interpolated on the log
 * scale inside its bucket and kept within the known extremes. Null when empty.
 */
export function histogramPercentile(
  histogram: readonly number[],
  p: number,
  bounds: { min?: number | null; max?: number | null } = {},
): number | null {
  let total = 0;
  for (let i = 1; i < histogram.length; i++) total += histogram[i]!;
  if (total === 0) return null;
  const first = histogram[0]!;
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * total;
  let seen = 0;
  let value = 0;
  for (let i = 1; i < histogram.length; i++) {
    const count = histogram[i]!;
    if (count === 0) continue;
    const [low, high] = histogramBounds(first + i - 1);
    value = high;
    if (seen + count >= rank) {
      value = low * (high / low) ** (Math.max(0, rank - seen) / count);
      break;
    }
    seen += count;
  }
  if (bounds.min != null) value = Math.max(value, bounds.min);
  if (bounds.max != null) value = Math.min(value, bounds.max);
  return value;
}

/** What one run contributes, and what a bucket holds: sums and counts that merge exactly. */
export interface RollupFigures {
  runs: number;
  packetsSent: number;
  packetsRecv: number;
  /** RTT samples counted (replies from the destination). */
  rttCount: number;
  /** Sum of those RTTs in ms; the bucket's mean RTT is rttSum / rttCount. */
  rttSum: number;
  rttMin: number | null;
  rttMax: number | null;
  /** The worst single run's loss in percent. */
  lossMax: number;
  histogram: number[];
}

export interface RollupRow extends RollupFigures {
  monitorId: number;
  resolution: number;
  bucketStart: Date;
}

/** One run's figures: its packet counts, loss and the destination's RTT samples. */
export function runFigures(run: {
  packetsSent: number;
  packetsRecv: number;
  packetLoss: number;
  rttSamplesMs: readonly number[];
}): RollupFigures {
  let sum = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const rtt of run.rttSamplesMs) {
    sum += rtt;
    min = min === null ? rtt : Math.min(min, rtt);
    max = max === null ? rtt : Math.max(max, rtt);
  }
  return {
    runs: 1,
    packetsSent: run.packetsSent,
    packetsRecv: run.packetsRecv,
    rttCount: run.rttSamplesMs.length,
    rttSum: sum,
    rttMin: min,
    rttMax: max,
    lossMax: run.packetLoss,
    histogram: histogramOf(run.rttSamplesMs),
  };
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

export function mergeFigures(a: RollupFigures, b: RollupFigures): RollupFigures {
  return {
    runs: a.runs + b.runs,
    packetsSent: a.packetsSent + b.packetsSent,
    packetsRecv: a.packetsRecv + b.packetsRecv,
    rttCount: a.rttCount + b.rttCount,
    rttSum: a.rttSum + b.rttSum,
    rttMin: minOf(a.rttMin, b.rttMin),
    rttMax: maxOf(a.rttMax, b.rttMax),
    lossMax: Math.max(a.lossMax, b.lossMax),
    histogram: mergeHistograms(a.histogram, b.histogram),
  };
}

/** The start (UTC, ms) of the bucket of `stepSeconds` that holds `at`. */
export function bucketStart(at: number, stepSeconds: number): number {
  const step = stepSeconds * 1000;
  return Math.floor(at / step) * step;
}

/**
 * The rollup rows after adding one run at `at`: for each resolution, the
 * existing bucket (if any) merged with the run's figures.
 */
export function rollupsAfterRun(
  monitorId: number,
  at: Date,
  run: RollupFigures,
  existing: readonly RollupRow[],
): RollupRow[] {
  return RESOLUTIONS.map((resolution) => {
    const start = bucketStart(at.getTime(), resolution);
    const current = existing.find((r) => r.resolution === resolution && r.bucketStart.getTime() === start);
    return { monitorId, resolution, bucketStart: new Date(start), ...(current ? mergeFigures(current, run) : run) };
  });
}

/** Packet loss in percent from summed counts; null without probes. A bucket whose runs all failed before probing counts as 100 %. */
export function lossPercent(f: Pick<RollupFigures, "runs" | "packetsSent" | "packetsRecv">): number | null {
  if (f.packetsSent > 0) return ((f.packetsSent - f.packetsRecv) / f.packetsSent) * 100;
  return f.runs > 0 ? 100 : null;
}
