import { describe, expect, test } from "bun:test";
import { type ChartRow, chartPlan, chartPoints, rangeSummary } from "../../src/history/chart";
import {
  bucketStart,
  HISTOGRAM_RATIO,
  histogramBounds,
  histogramIndex,
  histogramOf,
  histogramPercentile,
  lossPercent,
  mergeFigures,
  mergeHistograms,
  type RollupFigures,
  rollupsAfterRun,
  runFigures,
} from "../../src/history/rollups";

/** A small deterministic generator (mulberry32), so the statistical checks see the same samples every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal RTTs around `medianMs`, like real latency with a long tail. */
function rtts(n: number, medianMs: number, rand: () => number): number[] {
  return Array.from({ length: n }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return medianMs * Math.exp(0.5 * normal);
  });
}

function exactPercentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const T0 = Date.UTC(2026, 10, 26, 12, 34, 56, 789);

describe("bucket math", () => {
  test("buckets start on whole UTC minutes and hours", () => {
    expect(new Date(bucketStart(T0, 60)).toISOString()).toBe("2026-11-26T12:34:00.000Z");
    expect(new Date(bucketStart(T0, 3600)).toISOString()).toBe("2026-11-26T12:00:00.000Z");
    expect(new Date(bucketStart(T0, 86_400)).toISOString()).toBe("2026-11-26T00:00:00.000Z");
    expect(bucketStart(Date.UTC(2026, 0, 1), 3600)).toBe(Date.UTC(2026, 0, 1));
  });

  test("a run lands in one 1-minute and one 1-hour bucket, merged into what is there", () => {
    const run = runFigures({ packetsSent: 10, packetsRecv: 9, packetLoss: 10, rttSamplesMs: [1, 2, 3] });
    const first = rollupsAfterRun(7, new Date(T0), run, []);
    expect(first.map((r) => [r.resolution, r.bucketStart.toISOString(), r.runs])).toEqual([
      [60, "2026-11-26T12:34:00.000Z", 1],
      [3600, "2026-11-26T12:00:00.000Z", 1],
    ]);
    // One minute later: a new minute bucket, the same hour bucket.
    const next = rollupsAfterRun(7, new Date(T0 + 60_000), run, first);
    expect(next[0]).toMatchObject({ runs: 1, packetsSent: 10 });
    expect(next[1]).toMatchObject({ runs: 2, packetsSent: 20, packetsRecv: 18, rttCount: 6, rttSum: 12 });
  });
});

describe("exact merging", () => {
  const rand = random(42);
  const runs = Array.from({ length: 60 }, (_, i) => {
    const sent = 10 + (i % 7);
    const recv = sent - (i % 4 === 0 ? 3 : i % 5 === 0 ? 1 : 0);
    const samples = rtts(recv, 20 + (i % 10), rand);
    return {
      sent,
      recv,
      samples,
      figures: runFigures({
        packetsSent: sent,
        packetsRecv: recv,
        packetLoss: ((sent - recv) / sent) * 100,
        rttSamplesMs: samples,
      }),
    };
  });
  const all = runs.flatMap((r) => r.samples);
  const sum = (xs: readonly RollupFigures[]) => xs.reduce((a, b) => mergeFigures(a, b));

  test("sums and counts merge exactly, in any grouping", () => {
    const byTens = Array.from({ length: 6 }, (_, g) => sum(runs.slice(g * 10, g * 10 + 10).map((r) => r.figures)));
    const byThirties = [sum(runs.slice(0, 30).map((r) => r.figures)), sum(runs.slice(30).map((r) => r.figures))];
    const a = sum(byTens);
    const b = sum(byThirties);
    expect(a.runs).toBe(60);
    expect([a.packetsSent, a.packetsRecv, a.rttCount]).toEqual([b.packetsSent, b.packetsRecv, b.rttCount]);
    expect(a.packetsSent).toBe(runs.reduce((s, r) => s + r.sent, 0));
    expect(a.histogram).toEqual(b.histogram);
    expect(a.histogram.slice(1).reduce((s, c) => s + c, 0)).toBe(all.length);
    expect(a.rttMin).toBe(Math.min(...all));
    expect(a.rttMax).toBe(Math.max(...all));
    expect(a.rttSum / a.rttCount).toBeCloseTo(all.reduce((s, x) => s + x, 0) / all.length, 9);
  });

  test("loss and mean from merged counts equal the raw figures; averaging averages would not", () => {
    const merged = sum(runs.map((r) => r.figures));
    const sent = runs.reduce((s, r) => s + r.sent, 0);
    const recv = runs.reduce((s, r) => s + r.recv, 0);
    expect(lossPercent(merged)).toBeCloseTo(((sent - recv) / sent) * 100, 12);
    const meanOfRunLosses = runs.reduce((s, r) => s + ((r.sent - r.recv) / r.sent) * 100, 0) / runs.length;
    expect(Math.abs(meanOfRunLosses - lossPercent(merged)!)).toBeGreaterThan(0.01);
  });

  test("a bucket whose runs never got to probe counts as 100 % loss; no runs is no figure", () => {
    expect(lossPercent({ runs: 2, packetsSent: 0, packetsRecv: 0 })).toBe(100);
    expect(lossPercent({ runs: 0, packetsSent: 0, packetsRecv: 0 })).toBeNull();
  });

  test("histograms are stored from their first non-empty bucket and add bucket by bucket", () => {
    const a = histogramOf([20, 20, 21]);
    expect(a[0]).toBe(histogramIndex(20));
    expect(a.slice(1).reduce((s, c) => s + c, 0)).toBe(3);
    expect(mergeHistograms([3, 1, 2], [5, 4])).toEqual([3, 1, 2, 4]);
    expect(mergeHistograms([7, 1], [2, 1])).toEqual([2, 1, 0, 0, 0, 0, 1]);
    expect(mergeHistograms([], [4, 2])).toEqual([4, 2]);
    expect(mergeHistograms([4, 2], [])).toEqual([4, 2]);
    expect(histogramOf([])).toEqual([]);
  });
});

describe("histogram percentiles", () => {
  test("every RTT falls inside its bucket's bounds", () => {
    for (const rtt of [0.011, 0.042, 0.5, 1, 3.3, 20, 180, 999.9, 30_000]) {
      const [low, high] = histogramBounds(histogramIndex(rtt));
      expect(rtt).toBeGreaterThanOrEqual(low * (1 - 1e-12));
      expect(rtt).toBeLessThan(high);
    }
    expect(histogramIndex(0)).toBe(0);
    expect(histogramIndex(0.001)).toBe(0);
  });

  test("estimates stay within one bucket's width of the exact percentile", () => {
    const rand = random(7);
    for (const median of [0.05, 4, 35, 250]) {
      const samples = rtts(5000, median, rand);
      const counts = histogramOf(samples);
      const bounds = { min: Math.min(...samples), max: Math.max(...samples) };
      for (const p of [50, 90, 95, 99]) {
        const estimate = histogramPercentile(counts, p, bounds)!;
        const exact = exactPercentile(samples, p);
        expect(Math.abs(estimate / exact - 1)).toBeLessThanOrEqual(HISTOGRAM_RATIO - 1);
      }
    }
  });

  test("percentiles of merged hourly histograms match those of all the samples", () => {
    const rand = random(99);
    const hours = Array.from({ length: 24 }, (_, h) => rtts(360, 10 + h, rand));
    const merged = hours.map(histogramOf).reduce(mergeHistograms);
    const all = hours.flat();
    const estimate = histogramPercentile(merged, 95, { min: Math.min(...all), max: Math.max(...all) })!;
    expect(Math.abs(estimate / exactPercentile(all, 95) - 1)).toBeLessThanOrEqual(HISTOGRAM_RATIO - 1);
  });

  test("no samples, no percentile; one sample is itself", () => {
    expect(histogramPercentile([], 50)).toBeNull();
    expect(histogramPercentile(histogramOf([12.5]), 99, { min: 12.5, max: 12.5 })).toBe(12.5);
  });
});

describe("charts from rollups", () => {
  const now = Date.UTC(2026, 10, 26, 12, 0, 30);
  const base = { now, runSpacingSeconds: 10, minuteRetentionDays: 30, firstBucket: null };

  test("each range reads one resolution at its own step", () => {
    const plans = (["1d", "3d", "1w", "1m"] as const).map((range) => chartPlan({ ...base, range }));
    expect(plans.map((p) => [p.range, p.source, p.stepSeconds])).toEqual([
      ["1d", 60, 60],
      ["3d", 60, 300],
      ["1w", 3600, 3600],
      ["1m", 3600, 3600],
    ]);
    const year = chartPlan({ ...base, range: "all", firstBucket: now - 365 * 86_400_000 });
    expect([year.source, year.stepSeconds]).toEqual([3600, 86_400]);
    const fortnight = chartPlan({ ...base, range: "all", firstBucket: now - 14 * 86_400_000 });
    expect([fortnight.source, fortnight.stepSeconds]).toEqual([3600, 3600]);
  });

  test("a monitor that runs hourly gets hourly points, and ranges past the minute retention read hours", () => {
    expect(chartPlan({ ...base, range: "1d", runSpacingSeconds: 3600 })).toMatchObject({
      source: 3600,
      stepSeconds: 3600,
    });
    expect(chartPlan({ ...base, range: "1d", runSpacingSeconds: 300 })).toMatchObject({ source: 60, stepSeconds: 300 });
    expect(chartPlan({ ...base, range: "3d", minuteRetentionDays: 1 })).toMatchObject({
      source: 3600,
      stepSeconds: 3600,
    });
  });

  test("steps without runs are null points (gaps), and steps merge their buckets exactly", () => {
    const plan = chartPlan({ ...base, range: "1d", runSpacingSeconds: 300 });
    const row = (at: number, sent: number, recv: number, rtt: number): ChartRow => ({
      bucketStart: new Date(bucketStart(at, 60)),
      runs: 1,
      packetsSent: sent,
      packetsRecv: recv,
      rttCount: recv,
      rttSum: rtt * recv,
      rttMin: rtt - 1,
      rttMax: rtt + 1,
      lossMax: ((sent - recv) / sent) * 100,
    });
    const last = bucketStart(now, 300);
    // Two minutes of the newest 5-minute step, then nothing for an hour, then one older step.
    const rows = [row(last - 3_600_000, 10, 10, 20), row(last, 10, 8, 30), row(last + 60_000, 10, 10, 40)];
    const points = chartPoints(plan, rows);
    expect(points.length).toBe(289);
    expect(points.at(-1)).toEqual({
      t: last,
      runs: 2,
      loss: 10,
      lossMax: 20,
      min: 29,
      avg: (30 * 8 + 40 * 10) / 18,
      max: 41,
      p50: null,
      p95: null,
    });
    const gap = points.slice(-12, -1);
    expect(gap.every((p) => p.runs === 0 && p.loss === null && p.avg === null && p.min === null)).toBe(true);
    expect(points.at(-13)).toMatchObject({ t: last - 3_600_000, runs: 1, loss: 0, avg: 20 });
    expect(points.filter((p) => p.loss !== null).length).toBe(2);

    const summary = rangeSummary(rows, [{ histogram: histogramOf([20, 20, 30]) }, { histogram: histogramOf([40]) }]);
    expect(summary).toMatchObject({ runs: 3, packetsSent: 30, packetsRecv: 28, min: 19, max: 41 });
    expect(summary.loss).toBeCloseTo((2 / 30) * 100, 12);
    expect(summary.avg).toBeCloseTo((200 + 240 + 400) / 28, 12);
  });

  test("each step's RTT percentiles come from the histograms of its own buckets", () => {
    const plan = chartPlan({ ...base, range: "1h", runSpacingSeconds: 10 });
    expect(plan.stepSeconds).toBe(60);
    const last = bucketStart(now, 60);
    const row = (at: number, rtts: number[]): ChartRow => ({
      bucketStart: new Date(at),
      runs: 1,
      packetsSent: rtts.length,
      packetsRecv: rtts.length,
      rttCount: rtts.length,
      rttSum: rtts.reduce((a, b) => a + b, 0),
      rttMin: Math.min(...rtts),
      rttMax: Math.max(...rtts),
      lossMax: 0,
    });
    const fast = Array.from({ length: 100 }, (_, i) => 1 + i / 100);
    const slow = Array.from({ length: 100 }, (_, i) => 50 + i);
    const rows = [row(last - 60_000, fast), row(last, slow)];
    const histograms = [
      { bucketStart: new Date(last - 60_000), histogram: histogramOf(fast) },
      { bucketStart: new Date(last), histogram: histogramOf(slow) },
    ];
    const points = chartPoints(plan, rows, histograms);
    expect(points.length).toBe(61);
    const [before, newest] = points.slice(-2);
    // Within a histogram bucket's width (2^(1/8), 9 %) of the exact percentiles, and never mixing the two steps.
    expect(before!.p50!).toBeGreaterThan(1.5 / 1.1);
    expect(before!.p50!).toBeLessThan(1.5 * 1.1);
    expect(before!.p95!).toBeLessThanOrEqual(1.99);
    expect(newest!.p50!).toBeGreaterThan(100 / 1.1);
    expect(newest!.p50!).toBeLessThan(100 * 1.1);
    expect(newest!.p95!).toBeGreaterThan(145 / 1.1);
    expect(newest!.p95!).toBeLessThanOrEqual(149);
    expect(points.slice(0, -2).every((p) => p.p50 === null && p.p95 === null)).toBe(true);
  });
});
