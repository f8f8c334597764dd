/**
 * The series of an agent's history: which figures of a poll are kept, under which metric and label. One row per
 * metric (and mount or sensor), not a JSON blob, so a chart reads exactly the series it draws.
 */
import { type GaugeFigures, gaugeOf } from "../history/gauges";
import type { HardwareStats } from "../protocol/agent";
import type { AgentMetrics } from "./agents.events";

export const METRICS = {
  cpu: { name: "CPU", unit: "%" },
  memory: { name: "Memory", unit: "%" },
  swap: { name: "Swap", unit: "%" },
  load: { name: "Load (1 min)", unit: "" },
  disk: { name: "Disk used", unit: "%" },
  temperature: { name: "Temperature", unit: "°C" },
  rx: { name: "Download", unit: "B/s" },
  tx: { name: "Upload", unit: "B/s" },
} as const;

export type Metric = keyof typeof METRICS;
export const METRIC_IDS = Object.keys(METRICS) as Metric[];

export interface SeriesSample {
  metric: Metric;
  /** The mount path or sensor key; "" for single-valued metrics. */
  label: string;
  figures: GaugeFigures;
}

/** The series one hardware reading adds to the history. */
export function hardwareSamples(hw: HardwareStats): SeriesSample[] {
  const out: SeriesSample[] = [
    { metric: "cpu", label: "", figures: gaugeOf(hw.cpu.usage_percent) },
    { metric: "memory", label: "", figures: gaugeOf(hw.memory.used_percent) },
    { metric: "load", label: "", figures: gaugeOf(hw.cpu.load_avg[0]) },
  ];
  if (hw.memory.swap_total > 0) out.push({ metric: "swap", label: "", figures: gaugeOf(hw.memory.swap_percent) });
  const seen = new Set<string>();
  for (const disk of hw.disks) {
    if (seen.has(`d${disk.path}`)) continue;
    seen.add(`d${disk.path}`);
    out.push({ metric: "disk", label: disk.path, figures: gaugeOf(disk.used_percent) });
  }
  for (const sensor of hw.temperature) {
    if (seen.has(`t${sensor.sensor_key}`) || sensor.temperature <= -273) continue;
    seen.add(`t${sensor.sensor_key}`);
    out.push({ metric: "temperature", label: sensor.sensor_key, figures: gaugeOf(sensor.temperature) });
  }
  return out;
}

/** The snapshot notifications get: the fullest disk and the hottest sensor stand for their groups. */
export function metricsOf(hw: HardwareStats): AgentMetrics {
  const fullest = hw.disks.reduce<number | null>(
    (max, d) => (max === null ? d.used_percent : Math.max(max, d.used_percent)),
    null,
  );
  const hottest = hw.temperature.reduce<HardwareStats["temperature"][number] | null>(
    (max, s) => (max === null || s.temperature > max.temperature ? s : max),
    null,
  );
  return {
    cpuPercent: hw.cpu.usage_percent,
    memoryPercent: hw.memory.used_percent,
    diskUsedPercentMax: fullest,
    temperatureMaxC: hottest?.temperature ?? null,
    temperatureSensor: hottest ? hottest.label || hottest.sensor_key : null,
  };
}
