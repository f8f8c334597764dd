/** Summary statistics for benchmark samples. */

/** Linear interpolation between the two closest ranks (the spreadsheet PERCENTILE.INC rule), so p50 is the median. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no samples");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const lower = sorted[below]!;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return lower + (upper - lower) * (rank - below);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    min: percentile(values, 0),
    median: median(values),
    p95: percentile(values, 95),
    max: percentile(values, 100),
  };
}
