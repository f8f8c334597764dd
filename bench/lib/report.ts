/** What a `bench/*.bench.ts` file exports and returns, and how its figures are judged against targets. */

export interface Measurement {
  readonly name: string;
  readonly value: string;
  /** Absent for figures recorded for context only. */
  readonly target?: string;
  /** "met", or how far the figure missed its target. */
  readonly verdict?: string;
}

export interface BenchReport {
  readonly measurements: readonly Measurement[];
  /** How the figures were obtained, one sentence each. */
  readonly notes: readonly string[];
}

/** The default export of a bench file. Each file owns the `## title` section of bench/RESULTS.md. */
export interface Benchmark {
  readonly title: string;
  run(): Promise<BenchReport>;
}

export function info(name: string, value: string): Measurement {
  return { name, value };
}

export type Limit = { readonly atMost: number } | { readonly atLeast: number };

export interface JudgeOptions {
  /** Shown after the figure, e.g. its spread. */
  readonly detail?: string;
  /** Renders the size of a miss when `format` would mislead (a difference of percentages is in points). */
  readonly formatGap?: (n: number) => string;
}

/** A measurement with a target; `format` renders the figure and the target. */
export function judge(
  name: string,
  value: number,
  limit: Limit,
  format: (n: number) => string,
  { detail, formatGap = format }: JudgeOptions = {},
): Measurement {
  const [bound, gap, sign] =
    "atMost" in limit ? [limit.atMost, value - limit.atMost, "≤"] : [limit.atLeast, limit.atLeast - value, "≥"];
  return {
    name,
    value: detail ? `${format(value)} ${detail}` : format(value),
    target: `${sign} ${format(bound)}`,
    verdict: gap <= 0 ? "met" : `missed by ${formatGap(gap)}`,
  };
}

/** Progress goes to stderr so that stdout carries only the result tables. */
export function progress(message: string): void {
  console.error(`  … ${message}`);
}

export const formatMs = (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
/** Decimal megabytes (10^6 bytes), the unit the targets are written in. */
export const formatMB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
export const formatMiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
export const formatPercent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
export const formatPoints = (ratio: number) => `${(ratio * 100).toFixed(1)} points`;
export const formatRate = (perSecond: number) => `${Math.round(perSecond).toLocaleString("en-US")} req/s`;
