/**
 * History ranges shared by charts and lists: `1h`, `6h`, `1d` (alias `24h`), `3d`, `1w` (`week`), `1m` (`month`),
 * `all`.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SPANS: Record<string, number> = {
  "1h": HOUR,
  "6h": 6 * HOUR,
  "1d": DAY,
  "24h": DAY,
  "3d": 3 * DAY,
  "1w": 7 * DAY,
  week: 7 * DAY,
  "1m": 30 * DAY,
  month: 30 * DAY,
};

/** The start of the range ending at `now`, or undefined for `all`. */
export function rangeStart(range: string, now = Date.now()): Date | undefined {
  const span = SPANS[range];
  return span === undefined ? undefined : new Date(now - span);
}

/** Canonical name of a range alias (`24h` → `1d`). */
export function canonicalRange(range: string): "1h" | "6h" | "1d" | "3d" | "1w" | "1m" | "all" {
  switch (range) {
    case "24h":
      return "1d";
    case "week":
      return "1w";
    case "month":
      return "1m";
    case "1h":
    case "6h":
    case "1d":
    case "3d":
    case "1w":
    case "1m":
      return range;
    default:
      return "all";
  }
}
