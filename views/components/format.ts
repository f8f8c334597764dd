/** Number and time formatting for views. Times render as <time> in UTC and are localised in the browser (app.js). */
import { html, type SafeHtml } from "../../src/core/html";

export function fixed(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return value.toFixed(digits);
}

/** Mbit/s with precision that suits the magnitude: 0.85, 12.4, 941. */
export function mbps(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
}

/** RTTs keep their sub-millisecond digits: 0.042, 3.18, 24.6, 182. */
export function rtt(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value < 1) return value.toFixed(3);
  if (value < 10) return value.toFixed(2);
  return value < 100 ? value.toFixed(1) : value.toFixed(0);
}

/** A timestamp the browser shows in the viewer's timezone; without JavaScript it reads as UTC. */
export function localTime(
  date: Date | null | undefined,
  style: "datetime" | "time" | "relative" = "datetime",
): SafeHtml {
  if (!date) return html`<span class="muted">–</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}" data-local="${style}">${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}
