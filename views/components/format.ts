/**
 * Numbers, units and times for views, from public/units.js (the same code the pages run, so server-rendered and
 * live figures agree). Times are shown in the configured [server] timezone.
 */
import { dateTime, ms, percent, rateParts, relative } from "../../public/units.js";
import { html, type SafeHtml } from "../../src/core/html";

export { ms, percent, rateParts };

/** Round-trip times: the same digits as every other time in ms (0.042, 3.18, 24.6, 182). */
export const rtt = ms;

export function fixed(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return value.toFixed(digits);
}

/** A rate with its unit in the small muted style tables use: 2.35 <small>Gbit/s</small>. */
export function rateCell(mbps: number | null | undefined): SafeHtml {
  if (mbps === null || mbps === undefined || !Number.isFinite(mbps)) return html`–`;
  const p = rateParts(mbps);
  return html`${p.value} <span class="muted small">${p.unit}</span>`;
}

export type TimeStyle = "datetime" | "short" | "time" | "relative";

/**
 * A moment shown in `timezone`, as a <time> element: "relative" ones ("8 seconds ago") are kept current by app.js,
 * and every one carries the full date and time as its tooltip.
 */
export function timeTag(
  timezone: string,
  date: Date | null | undefined,
  style: TimeStyle = "datetime",
  now = Date.now(),
): SafeHtml {
  if (!date) return html`<span class="muted">–</span>`;
  const full = dateTime(date, timezone);
  const text = style === "relative" ? relative(date, now) : dateTime(date, timezone, style);
  return html`<time datetime="${date.toISOString()}"${style === "relative" ? html` data-relative` : ""} title="${full}">${text}</time>`;
}
