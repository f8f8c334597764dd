// Numbers, units and times as every page shows them. One implementation for both sides: the server's views import
// this module, and pages load it first (as a module), so a table row and a live gauge never disagree. Text is in the
// page's language (English) and times in the configured [server] timezone, whatever the browser's own settings.

/** The pages' language (layout.ts: <html lang="en">): every formatter speaks it, whatever the browser's own. */
const LANG = "en";

const fixedFormats = new Map();
/** `value` with exactly `digits` decimals and thousands separators: 1,250.5 */
function fixed(value, digits) {
  let format = fixedFormats.get(digits);
  if (!format) {
    format = new Intl.NumberFormat(LANG, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    fixedFormats.set(digits, format);
  }
  return format.format(value);
}

const known = (v) => typeof v === "number" && Number.isFinite(v);

/** Three significant digits or more: 0.85, 12.4, 941, 1,250; zero is "0". */
function threeDigits(value) {
  const abs = Math.abs(value);
  return fixed(value, abs >= 100 || abs === 0 ? 0 : abs >= 10 ? 1 : 2);
}

/** A rate in Mbit/s as number and unit, switching to Gbit/s from 1000 Mbit/s: { value: "2.35", unit: "Gbit/s" }. */
export function rateParts(mbps) {
  if (!known(mbps)) return { value: "–", unit: "Mbit/s" };
  // Rounding may carry 999.6 up to "1,000": that is 1.00 Gbit/s.
  if (Math.abs(mbps) >= 999.5) return { value: threeDigits(mbps / 1000), unit: "Gbit/s" };
  return { value: threeDigits(mbps), unit: "Mbit/s" };
}

/** "941 Mbit/s", "2.35 Gbit/s", "–". */
export function rate(mbps) {
  const p = rateParts(mbps);
  return known(mbps) ? `${p.value} ${p.unit}` : "–";
}

/** The unit an axis or gauge with this largest value uses, and the divisor for its values. */
export function rateScale(maxMbps) {
  return known(maxMbps) && maxMbps >= 1000 ? { unit: "Gbit/s", divisor: 1000 } : { unit: "Mbit/s", divisor: 1 };
}

/** Latency, jitter and other times in ms: 0.042, 3.18, 24.6, 182. Sub-millisecond values keep three decimals. */
export function ms(value) {
  if (!known(value)) return "–";
  const abs = Math.abs(value);
  if (abs === 0) return "0";
  if (abs < 1) return fixed(value, 3);
  return abs < 10 ? fixed(value, 2) : abs < 100 ? fixed(value, 1) : fixed(value, 0);
}

/** A percentage: 0 %, 0.25 %, 3.5 %, 100 %. */
export function percent(value) {
  if (!known(value)) return "–";
  if (value === 0 || value === 100) return `${fixed(value, 0)}%`;
  return `${fixed(value, Math.abs(value) < 1 ? 2 : 1)}%`;
}

/**
 * Tick labels for a chart axis: as many decimals as the step between ticks needs, so that 0.05, 0.10, 0.15 ms do
 * not all read "0.1", and 0.5, 1.0, 1.5 Gbit/s all carry one.
 */
export function tick(value, step) {
  if (!known(value)) return "";
  const decimals = known(step) && step > 0 ? Math.min(3, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9))) : 2;
  return fixed(value, decimals);
}

/**
 * Noise floors below which a change from the previous result is shown as "about the same": a jitter that moves
 * from 0.01 to 0.03 ms has not tripled in any way that matters.
 */
const CHANGE_FLOOR = { rate: { absolute: 1, relative: 2 }, time: { absolute: 0.5, relative: 5 } };

/**
 * The change from `before` to `now` in percent, or null when either is unknown or the change is within the noise
 * floor of its kind ("rate" for throughput, "time" for latency and jitter).
 */
export function change(now, before, kind) {
  if (!known(now) || !known(before) || before === 0) return null;
  const floor = CHANGE_FLOOR[kind];
  const pct = ((now - before) / Math.abs(before)) * 100;
  if (Math.abs(now - before) < floor.absolute || Math.abs(pct) < floor.relative) return 0;
  return pct;
}

const dateFormats = new Map();
function dateFormat(timezone, style) {
  const key = `${timezone}|${style}`;
  let format = dateFormats.get(key);
  if (!format) {
    const time = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: timezone || undefined };
    const options =
      style === "time"
        ? { ...time, second: "2-digit" }
        : style === "date"
          ? { year: "numeric", month: "short", day: "numeric", timeZone: timezone || undefined }
          : style === "short"
            ? { month: "short", day: "numeric", ...time }
            : { year: "numeric", month: "short", day: "numeric", ...time, second: "2-digit" };
    format = new Intl.DateTimeFormat(LANG, options);
    dateFormats.set(key, format);
  }
  return format;
}

/**
 * A moment (Date or ms) in `timezone`: "datetime" Dec 3, 2026, 14:05:09 · "short" Dec 3, 14:05 · "time" 14:05:09 ·
 * "date" Dec 3, 2026.
 */
export function dateTime(moment, timezone, style = "datetime") {
  const date = moment instanceof Date ? moment : new Date(moment);
  if (Number.isNaN(date.getTime())) return "–";
  return dateFormat(timezone, style).format(date);
}

const relativeFormat = new Intl.RelativeTimeFormat(LANG, { numeric: "always", style: "long" });
/** "8 seconds ago", "in 2 minutes", "just now" for under a second. */
export function relative(moment, now = Date.now()) {
  const date = moment instanceof Date ? moment : new Date(moment);
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 1) return "just now";
  if (abs < 60) return relativeFormat.format(seconds, "second");
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relativeFormat.format(Math.round(seconds / 3600), "hour");
  return relativeFormat.format(Math.round(seconds / 86400), "day");
}

// The pages' classic scripts reach these through window.netronome.units (app.js).
if (typeof window !== "undefined")
  window.netronomeUnits = {
    rate,
    rateParts,
    rateScale,
    ms,
    percent,
    tick,
    change,
    dateTime,
    relative,
  };
