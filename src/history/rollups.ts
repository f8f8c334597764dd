/**
 * Rollups of packet-loss results: per monitor, 1-minute and 1-hour buckets of
 * sums, counts, extremes and an RTT histogram, written with every result.
 * Sums and counts merge exactly across buckets (averages of averages would
 * not), so any chart step is built from them without touching raw rows.
 *
 * The histogram counts RTT samples in fixed log-scale buckets: bucket i holds
 * [HISTOGRAM_FLOOR_MS × HISTOGRAM_RATIO^i, … × HISTOGRAM_RATIO^(i+1)). Counts
 * merge by addition, and a percentile read from them is off by at most one
 * bucket's width (about 9 %).
 */

/** Rollup resolutions in seconds, finest first. */
export const RESOLUTIONS = [60, 3600] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** RTTs below this land in bucket 0 (loopback answers in a few µs). */
export const HISTOGRAM_FLOOR_MS = 0.01;
/** Eight buckets per doubling. */
export const HISTOGRAM_RATIO = 2 ** (1 / 8);
/** Enough buckets to reach about 2 minutes; slower answers share the last one. */
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

/** Counts RTT samples; the array ends at the last non-empty bucket, so stored rows stay short. */
export function histogramOf(samplesMs: readonly number[]): number[] {
  const counts: number[] = [];
  for (const rtt of samplesMs) {
    const index = histogramIndex(rtt);
    while (counts.length <= index) counts.push(0);
    counts[index]! += 1;
  }
  return counts;
}

export function mergeHistograms(a: readonly number[], b: readonly number[]): number[] {
  const merged = a.length >= b.length ? [...a] : [...b];
  const shorter = a.length >= b.length ? b : a;
  for (let i = 0; i < shorter.length; i++) merged[i]! += shorter[i]!;
  return merged;
}

/** Adds `b` into `into` in place (for merging many rows without an allocation each). */
export function addHistogram(into: number[], b: readonly number[]): void {
  while (into.length < b.length) into.push(0);
  for (let i = 0; i < b.length; i++) into[i]! += b[i]!;
}

/**
 * The p-th percentile (0–100) of the counted samples, interpolated on the log
 * scale inside its bucket and kept within the known extremes. Null when empty.
 */
export function histogramPercentile(
  counts: readonly number[],
  p: number,
  bounds: { min?: number | null; max?: number | null } = {},
): number | null {
  const total = counts.reduce((s, c) => s + c, 0);
  if (total === 0) return null;
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count === 0) continue;
    if (seen + count >= rank) {
      const [low, high] = histogramBounds(i);
      const within = Math.max(0, rank - seen) / count;
      let value = low * (high / low) ** within;
      if (bounds.min != null) value = Math.max(value, bounds.min);
      if (bounds.max != null) value = Math.min(value, bounds.max);
      return value;
    }
    seen += count;
  }
  return bounds.max ?? histogramBounds(counts.length - 1)[1];
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
