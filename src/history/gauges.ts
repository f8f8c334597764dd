/**
 * Rollups of gauges (a CPU percentage, a temperature, a transfer rate): per series and time bucket the count, sum
 * and extremes of the samples, in the same 1-minute and 1-hour buckets as packet-loss rollups (rollups.ts).
 * Counts and sums add and extremes take the extreme, so buckets merge exactly, in SQL as well (no average of
 * averages), and a chart step's mean is sum / count.
 */
import { bucketStart, RESOLUTIONS } from "./rollups";

export interface GaugeFigures {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function gaugeOf(value: number): GaugeFigures {
  return { count: 1, sum: value, min: value, max: value };
}

export function mergeGauges(a: GaugeFigures | null, b: GaugeFigures): GaugeFigures {
  if (!a) return { ...b };
  return { count: a.count + b.count, sum: a.sum + b.sum, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

export function gaugeMean(g: GaugeFigures): number {
  return g.sum / g.count;
}

export interface GaugeRollup extends GaugeFigures {
  resolution: number;
  bucketStart: Date;
}

/** The figures added to each resolution's bucket for samples taken at `at`. */
export function gaugeRollups(at: number, figures: GaugeFigures): GaugeRollup[] {
  return RESOLUTIONS.map((resolution) => ({
    resolution,
    bucketStart: new Date(bucketStart(at, resolution)),
    ...figures,
  }));
}
