/**
 * The interval grammar shared by speed-test schedules, packet-loss monitors and
 * housekeeping jobs:
 *
 * - durations: `30s`, `5m`, `1h30m`, `24h` (Go style: integer parts in h, m, s),
 *   or `7d` / `1w` when the day or week count is the whole string;
 * - daily exact times: `exact:HH:MM[,HH:MM…]`, read in the configured IANA timezone;
 * - cron: 5 fields, or 6 with seconds first (croner), also read in that timezone.
 *
 * Exact times and cron patterns without wildcards or steps in their time fields
 * run once on daylight-saving days: a time that falls into the spring-forward gap
 * runs at the first valid time after the gap (02:30 → 03:00), and a time that
 * occurs twice on fall-back day runs at its first occurrence only. Cron patterns
 * with a wildcard or a step in a time field (every 30 minutes, every hour) follow
 * real elapsed time instead: they skip the missing hour and run in both repeated ones.
 */
import { Cron, CronPattern } from "croner";
import { BadInput } from "../core/errors";

export interface TimeOfDay {
  readonly hour: number;
  readonly minute: number;
}

/** A validated interval. `text` is its canonical form, for storage and for comparing two intervals. */
export type Interval =
  | { readonly kind: "duration"; readonly text: string; readonly seconds: number }
  | { readonly kind: "exact"; readonly text: string; readonly times: readonly TimeOfDay[] }
  | { readonly kind: "cron"; readonly text: string; readonly expression: string };

/** What one kind of consumer accepts. Bounds apply to durations; exact times are always accepted. */
export interface IntervalRules {
  /** Who the rules are for, as shown in messages ("packet-loss monitors"). */
  readonly subject: string;
  /** Shortest duration, written as a duration ("10s"). */
  readonly min: string;
  /** Longest duration, written as a duration ("24h"). */
  readonly max: string;
  readonly cron: boolean;
}

/** Speed tests move real traffic: at most one a minute, also for cron patterns. */
export const SPEED_TEST_INTERVALS: IntervalRules = {
  subject: "speed-test schedules",
  min: "1m",
  max: "30d",
  cron: true,
};
export const MONITOR_INTERVALS: IntervalRules = {
  subject: "packet-loss monitors",
  min: "10s",
  max: "24h",
  cron: false,
};
/** Internal jobs (pruning, rollups), defined in code. */
export const JOB_INTERVALS: IntervalRules = { subject: "jobs", min: "1s", max: "366d", cron: true };

const FIELD = "interval";
const EXACT_PREFIX = "exact:";
const DURATION_PART = /(\d+)([hms])/g;
const COMPOUND_DURATION = /^(?:\d+[hms])+$/;
const DAYS_OR_WEEKS = /^(\d+)([dw])$/;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** Jitter ceilings from the seed README: durations 1–300 s, exact times (and cron) 1–60 s. */
const MAX_DURATION_JITTER_SECONDS = 300;
const MAX_CLOCK_JITTER_SECONDS = 60;
/** Wildcard-free lists such as `30 2,14 * * *` count as fixed times, like a list of exact times. */
const CRON_OPTIONS = { mode: "5-or-6-parts", fixedTimeRule: "no-wildcard" } as const;

function durationSeconds(text: string): number | null {
  const whole = DAYS_OR_WEEKS.exec(text);
  if (whole) return Number(whole[1]) * UNIT_SECONDS[whole[2]!]!;
  if (!COMPOUND_DURATION.test(text)) return null;
  let total = 0;
  for (const [, count, unit] of text.matchAll(DURATION_PART)) total += Number(count) * UNIT_SECONDS[unit!]!;
  return total;
}

function boundSeconds(rules: IntervalRules, bound: "min" | "max"): number {
  const seconds = durationSeconds(rules[bound]);
  if (seconds === null)
    throw new Error(`interval rules for ${rules.subject}: ${bound} "${rules[bound]}" is no duration`);
  return seconds;
}

const DURATION_EXAMPLES = ["10s", "30s", "5m", "1h30m", "24h", "7d", "1w"];

/** Examples within the rules' bounds, so a message never suggests a value it would refuse. */
function durationExamples(rules: IntervalRules): string {
  const min = boundSeconds(rules, "min");
  const max = boundSeconds(rules, "max");
  const fitting = DURATION_EXAMPLES.filter((e) => {
    const seconds = durationSeconds(e)!;
    return seconds >= min && seconds <= max;
  }).map((e) => `"${e}"`);
  return fitting.length > 1
    ? `${fitting.slice(0, -1).join(", ")} or ${fitting.at(-1)}`
    : (fitting[0] ?? `"${rules.min}"`);
}

/** The accepted forms, spelled out for error messages and form hints. */
export function acceptedForms(rules: IntervalRules): string {
  const forms = [
    `a duration from ${rules.min} to ${rules.max} such as ${durationExamples(rules)}`,
    `daily times such as "exact:14:00" or "exact:00:00,12:00" (HH:MM, 00:00 to 23:59)`,
  ];
  if (rules.cron) forms.push(`a cron expression such as "0 */6 * * *" (5 fields, or 6 with seconds first)`);
  return forms.join("; ");
}

function reject(problem: string, rules: IntervalRules): never {
  throw new BadInput(`${FIELD}: ${problem}. Accepted for ${rules.subject}: ${acceptedForms(rules)}`, FIELD);
}

function parseExact(body: string, rules: IntervalRules): Interval {
  const entries = body.split(",").map((entry) => entry.trim());
  if (entries.every((entry) => entry === "")) reject(`"${EXACT_PREFIX}" needs at least one time`, rules);
  const minutesOfDay = new Set<number>();
  for (const entry of entries) {
    const match = TIME_OF_DAY.exec(entry);
    const hour = Number(match?.[1]);
    const minute = Number(match?.[2]);
    if (!match || hour > 23 || minute > 59) reject(`"${entry}" is not a valid time of day`, rules);
    minutesOfDay.add(hour * 60 + minute);
  }
  const times = [...minutesOfDay]
    .sort((a, b) => a - b)
    .map((total) => ({ hour: Math.floor(total / 60), minute: total % 60 }));
  return { kind: "exact", text: EXACT_PREFIX + times.map(formatTimeOfDay).join(","), times };
}

const CRON_FIELD_RANGES: Record<string, string> = {
  second: "0–59",
  minute: "0–59",
  hour: "0–23",
  day: "1–31",
  month: "1–12",
  weekday: "0–7 (Sunday is 0 or 7)",
};

/** What is wrong with a cron expression croner refused, in the words of someone writing one (not croner's). */
function cronProblem(expression: string, croner: string): string {
  const fields = expression.split(" ").length;
  if (/space separated parts|exactly 5 or 6 parts/.test(croner))
    return `it has ${fields} field${fields === 1 ? "" : "s"}; a cron expression has 5 (minute hour day month weekday), or 6 with seconds first`;
  const value = /Invalid value for (\w+): (\S+)/i.exec(croner);
  if (value) {
    const field = value[1]!.toLowerCase().replace("dayofmonth", "day").replace("dayofweek", "weekday");
    const range = CRON_FIELD_RANGES[field];
    return `${value[2]} is not a valid ${field}${range ? ` (${range})` : ""}`;
  }
  const illegal = /entry (\d+) \((.*)\) contains illegal characters/i.exec(croner);
  if (illegal) return `"${illegal[2]}" (field ${illegal[1]}) is not a number, range (1-5), list (1,3) or step (*/5)`;
  if (/stepping/i.test(croner)) return "a step must be a whole number of at least 1 (*/5)";
  return 'use 5 fields (minute hour day month weekday), or 6 with seconds first, such as "0 */6 * * *"';
}

function parseCron(raw: string, rules: IntervalRules): Interval {
  const expression = raw.split(/\s+/).join(" ");
  if (!rules.cron) reject(`cron expressions are not accepted for ${rules.subject}`, rules);
  let pattern: CronPattern;
  try {
    pattern = new CronPattern(expression, undefined, CRON_OPTIONS);
  } catch (error) {
    // The user meant cron: one sentence about the expression, not the list of every accepted form.
    const problem = cronProblem(expression, error instanceof Error ? error.message : String(error));
    throw new BadInput(`${FIELD}: "${expression}" is not a valid cron expression: ${problem}.`, FIELD);
  }
  if (new Cron(expression, CRON_OPTIONS).nextRun() == null) reject(`"${expression}" never matches a date`, rules);
  const runsPerMinute = pattern.second.filter(Boolean).length;
  if (runsPerMinute > 1 && boundSeconds(rules, "min") >= 60) {
    reject(`"${expression}" runs more than once a minute, more often than ${rules.min}`, rules);
  }
  return { kind: "cron", text: expression, expression };
}

/**
 * Parses and validates an interval for one kind of consumer. Throws BadInput
 * (field "interval", HTTP 400) whose message lists the accepted forms.
 */
export function parseInterval(raw: string, rules: IntervalRules): Interval {
  const text = raw.trim();
  if (text === "") reject("is empty", rules);
  if (text.startsWith(EXACT_PREFIX)) return parseExact(text.slice(EXACT_PREFIX.length), rules);
  if (/\s/.test(text) || text.startsWith("@")) return parseCron(text, rules);
  const seconds = durationSeconds(text);
  if (seconds === null) reject(`"${text}" is not a valid interval`, rules);
  if (seconds < boundSeconds(rules, "min")) reject(`"${text}" is shorter than ${rules.min}`, rules);
  if (seconds > boundSeconds(rules, "max")) reject(`"${text}" is longer than ${rules.max}`, rules);
  return { kind: "duration", text, seconds };
}

function cronNextAfter(expression: string, after: Date, timezone: string): Date {
  const next = new Cron(expression, { ...CRON_OPTIONS, timezone }).nextRun(after);
  // Unreachable for parsed intervals: parseCron rejects patterns that never match, and there is no year field.
  if (next == null) throw new Error(`cron expression "${expression}" has no run after ${after.toISOString()}`);
  return next;
}

/**
 * The first slot strictly after `after`, without jitter. With an `anchor` (a
 * previous slot), a duration keeps its cadence: the result is anchor + k × interval,
 * so runs do not drift by the time each run takes. Without one it is after + interval.
 */
export function nextSlot(interval: Interval, after: Date, timezone: string, anchor?: Date): Date {
  switch (interval.kind) {
    case "duration": {
      const stepMs = interval.seconds * 1000;
      if (!anchor) return new Date(after.getTime() + stepMs);
      const steps = Math.floor((after.getTime() - anchor.getTime()) / stepMs) + 1;
      return new Date(anchor.getTime() + steps * stepMs);
    }
    case "exact": {
      // Each time is a fixed-time cron pattern, so DST gaps and repeats are handled the same way as cron.
      const candidates = interval.times.map((time) =>
        cronNextAfter(`0 ${time.minute} ${time.hour} * * *`, after, timezone).getTime(),
      );
      return new Date(Math.min(...candidates));
    }
    case "cron":
      return cronNextAfter(interval.expression, after, timezone);
  }
}

/** The largest jitter an interval can get, in milliseconds. */
export function maxJitterMs(interval: Interval): number {
  return (interval.kind === "duration" ? MAX_DURATION_JITTER_SECONDS : MAX_CLOCK_JITTER_SECONDS) * 1000;
}

/** A random delay of whole seconds: 1–300 s for durations, 1–60 s for exact times and cron. */
export function jitterMs(interval: Interval, random: () => number = Math.random): number {
  const maxSeconds = maxJitterMs(interval) / 1000;
  return (1 + Math.min(Math.floor(random() * maxSeconds), maxSeconds - 1)) * 1000;
}

/** The next run: nextSlot plus jitter. */
export function nextRun(interval: Interval, after: Date, timezone: string, random: () => number = Math.random): Date {
  return new Date(nextSlot(interval, after, timezone).getTime() + jitterMs(interval, random));
}

function formatTimeOfDay(time: TimeOfDay): string {
  return `${String(time.hour).padStart(2, "0")}:${String(time.minute).padStart(2, "0")}`;
}

function joinWithAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

const DESCRIBED_UNITS = [
  ["week", 604800],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
] as const;

function describeSeconds(totalSeconds: number): string {
  const parts: string[] = [];
  let rest = totalSeconds;
  for (const [unit, size] of DESCRIBED_UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? "" : "s"}`);
  }
  if (parts.length === 1 && parts[0]!.startsWith("1 ")) return `every ${parts[0]!.slice(2)}`;
  return `every ${parts.join(" ")}`;
}

/** The description of a stored interval; the stored text itself if it no longer parses under `rules`. */
export function describeStoredInterval(text: string, rules: IntervalRules, timezone: string): string {
  try {
    return describeInterval(parseInterval(text, rules), timezone);
  } catch {
    return text;
  }
}

/** A short description for the UI: "every 5 minutes", "daily at 14:00 and 20:00 (Europe/Berlin)". */
export function describeInterval(interval: Interval, timezone: string): string {
  switch (interval.kind) {
    case "duration":
      return describeSeconds(interval.seconds);
    case "exact":
      return `daily at ${joinWithAnd(interval.times.map(formatTimeOfDay))} (${timezone})`;
    case "cron":
      return `cron "${interval.expression}" (${timezone})`;
  }
}
