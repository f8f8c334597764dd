/** How much of a monitor's interval one run may use, and so how many probes fit in it. */
import { maxProbeCount } from "../../measure/probes/plan";
import type { Interval } from "../../scheduler/interval";

/** A run may take this share of the monitor's interval, so the next slot finds it finished. */
const RUN_SHARE = 0.8;

/** The usual time between a monitor's runs: the duration, or the shortest gap between its daily times. */
export function runSpacingSeconds(interval: Interval): number {
  switch (interval.kind) {
    case "duration":
      return interval.seconds;
    case "exact": {
      const minutes = interval.times.map((t) => t.hour * 60 + t.minute);
      // Wrapping past midnight: the last time's gap runs to the first time tomorrow.
      return Math.min(...minutes.map((m, i) => (minutes[i + 1] ?? minutes[0]! + 24 * 60) - m)) * 60;
    }
    case "cron":
      return 60;
  }
}

/** Seconds a run of a monitor with this interval may take. */
export function runBudgetSeconds(interval: Interval): number {
  return runSpacingSeconds(interval) * RUN_SHARE;
}

/** The most probes that fit in one run at the fastest spacing. */
export function maxPacketCount(interval: Interval): number {
  return maxProbeCount(runBudgetSeconds(interval));
}
