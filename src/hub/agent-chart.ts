/**
 * Charts of an agent's history from its rollups, planned like monitor charts (history/chart.ts): each range reads
 * one resolution and draws one point per step, the mean with the step's extremes; steps without samples are null,
 * so a chart shows a gap where the agent was not heard from.
 */
import type { ChartPlan } from "../history/chart";
import type { SeriesRow } from "./agent-history.repository";
import { METRICS, type Metric } from "./agent-metrics";

export interface ChartSeries {
  metric: Metric;
  /** Mount path or sensor key; "" for single-valued metrics. */
  label: string;
  unit: string;
  avg: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
}

export interface AgentChart {
  /** Start of each step, UTC ms; the series' arrays run parallel to it. */
  times: number[];
  series: ChartSeries[];
}

/** Rows sorted by metric, label and step become one series each, with nulls for steps without samples. */
export function chartSeries(plan: ChartPlan, rows: readonly SeriesRow[]): AgentChart {
  const stepMs = plan.stepSeconds * 1000;
  const times: number[] = [];
  for (let t = plan.from; t <= plan.to; t += stepMs) times.push(t);
  const byKey = new Map<string, ChartSeries>();
  for (const row of rows) {
    const key = `${row.metric}\u0000${row.label}`;
    let series = byKey.get(key);
    if (!series) {
      series = {
        metric: row.metric,
        label: row.label,
        unit: METRICS[row.metric]?.unit ?? "",
        avg: times.map(() => null),
        min: times.map(() => null),
        max: times.map(() => null),
      };
      byKey.set(key, series);
    }
    const index = Math.floor((row.t - plan.from) / stepMs);
    if (index < 0 || index >= times.length || row.count <= 0) continue;
    series.avg[index] = row.sum / row.count;
    series.min[index] = row.min;
    series.max[index] = row.max;
  }
  return { times, series: [...byKey.values()] };
}
