/** Traffic today, over the last 7 days and this month from an interface's vnstat export, in the agent's own calendar. */
import type { VnstatEntry, VnstatInterface } from "../../src/protocol/agent";

export interface Usage {
  rx: number;
  tx: number;
}

export interface UsageSummary {
  today: Usage | null;
  week: Usage | null;
  month: Usage | null;
}

const sum = (entries: readonly VnstatEntry[]): Usage | null =>
  entries.length ? entries.reduce((u, e) => ({ rx: u.rx + e.rx, tx: u.tx + e.tx }), { rx: 0, tx: 0 }) : null;

/** `now` and `timezoneOffsetSeconds` are the agent's clock and its offset from UTC (the export says both). */
export function usageOf(iface: VnstatInterface, now: Date, timezoneOffsetSeconds: number): UsageSummary {
  const local = new Date(now.getTime() + timezoneOffsetSeconds * 1000);
  const dayNumber = (y: number, m: number, d: number) => Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
  const today = dayNumber(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate());
  const days = (iface.traffic.day ?? []).filter((e) => e.date.month !== undefined && e.date.day !== undefined);
  const dayOf = (e: VnstatEntry) => dayNumber(e.date.year, e.date.month!, e.date.day!);
  const month = (iface.traffic.month ?? []).filter(
    (e) => e.date.year === local.getUTCFullYear() && e.date.month === local.getUTCMonth() + 1,
  );
  return {
    today: sum(days.filter((e) => dayOf(e) === today)),
    week: sum(days.filter((e) => today - dayOf(e) >= 0 && today - dayOf(e) < 7)),
    month: sum(month),
  };
}
