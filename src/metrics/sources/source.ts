/** A metric source: one file per area (build, speed tests, monitors, agents), listed once in sources/index.ts. */
import type { MetricFamily, Sample } from "../exposition";

export type MetricSource = () => Promise<MetricFamily[]> | MetricFamily[];

/** A gauge family; samples whose value is null or undefined are left out (nothing measured, nothing exported). */
export function gauge(
  name: string,
  help: string,
  samples: readonly { labels?: Sample["labels"]; value: number | null | undefined }[],
): MetricFamily {
  return {
    name,
    help,
    type: "gauge",
    samples: samples.flatMap((s) =>
      s.value === null || s.value === undefined ? [] : [{ labels: s.labels, value: s.value }],
    ),
  };
}

export const seconds = (date: Date | null | undefined) => (date ? date.getTime() / 1000 : null);
