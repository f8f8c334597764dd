/** Chart series for the history chart: chronological points, averaged into at most MAX_POINTS buckets. */
import type { SpeedTestRow } from "./speedtest.repository";

export const MAX_CHART_POINTS = 1500;

export interface ChartPoint {
  t: number;
  download: number | null;
  upload: number | null;
  latency: number | null;
  jitter: number | null;
}

function mean(values: (number | null)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values)
    if (v !== null) {
      sum += v;
      n++;
    }
  return n ? Number((sum / n).toFixed(3)) : null;
}

/**
 * Failed runs are left out: a chart of throughput must not drop to zero because a server was down. UDP runs keep
 * their latency only: their rates are what arrived at a fixed send rate (not capacity) and their jitter is iperf3's
 * own, so neither belongs on a line with the other tests'.
 */
export function chartPoints(rows: SpeedTestRow[], maxPoints = MAX_CHART_POINTS): ChartPoint[] {
  const ok = rows.filter((r) => !r.error);
  const size = Math.max(1, Math.ceil(ok.length / maxPoints));
  const points: ChartPoint[] = [];
  for (let i = 0; i < ok.length; i += size) {
    const bucket = ok.slice(i, i + size);
    points.push({
      t: Math.round(bucket.reduce((s, r) => s + r.createdAt.getTime(), 0) / bucket.length),
      download: mean(bucket.map((r) => (r.udp ? null : r.downloadMbps))),
      upload: mean(bucket.map((r) => (r.udp ? null : r.uploadMbps))),
      latency: mean(bucket.map((r) => r.latencyMs)),
      jitter: mean(bucket.map((r) => (r.udp ? null : r.jitterMs))),
    });
  }
  return points;
}
