/**
 * How a rule decides, as pure functions: does a check breach, is the condition met (N of the last M checks), may
 * it speak now (cooldown since the last real send, quiet hours). The service feeds it checks and stored state.
 */
import { compare, type Operator } from "./catalogue";

export interface RuleCondition {
  minBreaches: number;
  windowSize: number;
  cooldownMinutes: number;
  quietStart: string | null;
  quietEnd: string | null;
  notifyRecovery: boolean;
}

export interface AlertState {
  /** The last checks, oldest first: "1" breached, "0" did not. At most the rule's window long. */
  recent: string;
  /** An alert was sent and the condition has not cleared since. */
  firing: boolean;
  /** When an alert for this rule and subject was last delivered. */
  lastSentAt: Date | null;
}

export const EMPTY_STATE: AlertState = { recent: "", firing: false, lastSentAt: null };

export type Decision =
  | { action: "alert"; state: AlertState }
  | { action: "recover"; state: AlertState }
  | { action: "none"; state: AlertState; reason?: "cooldown" | "quiet" | "firing" | "not-yet" };

export function breaches(value: number, operator: Operator, threshold: number): boolean {
  return compare(value, operator, threshold);
}

/** Minutes since midnight of "HH:MM", or null. */
export function minutesOf(hhmm: string | null): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm ?? "");
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** The wall-clock minute of the day at `now` in `timezone` (empty: the system's). */
export function minuteOfDay(now: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone || undefined,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get("hour") * 60 + get("minute");
}

/** Whether `now` falls in the quiet hours [start, end) in `timezone`; a window may span midnight. */
export function inQuietHours(
  rule: Pick<RuleCondition, "quietStart" | "quietEnd">,
  now: Date,
  timezone: string,
): boolean {
  const start = minutesOf(rule.quietStart);
  const end = minutesOf(rule.quietEnd);
  if (start === null || end === null || start === end) return false;
  const m = minuteOfDay(now, timezone);
  return start < end ? m >= start && m < end : m >= start || m < end;
}

const breachCount = (recent: string) => recent.split("").filter((c) => c === "1").length;

/**
 * A condition event (a threshold, a failure, an outage) after one more check. An alert goes out when at least N of
 * the last M checks breach and nothing was sent for it yet, unless the last send is within the cooldown or it is
 * quiet time; state changes to firing only once a send succeeds (see `sent`). When the condition clears, a firing
 * alert recovers.
 */
export function decideCondition(
  rule: RuleCondition,
  state: AlertState,
  breached: boolean,
  now: Date,
  timezone: string,
): Decision {
  const window = Math.max(1, rule.windowSize);
  const recent = `${state.recent}${breached ? "1" : "0"}`.slice(-window);
  const next: AlertState = { ...state, recent };
  const met = breachCount(recent) >= Math.max(1, Math.min(rule.minBreaches, window));
  if (!met) {
    if (!state.firing) return { action: "none", state: next, reason: "not-yet" };
    const cleared = { ...next, firing: false };
    if (!rule.notifyRecovery || inQuietHours(rule, now, timezone))
      return { action: "none", state: cleared, reason: "quiet" };
    return { action: "recover", state: cleared };
  }
  if (state.firing) return { action: "none", state: next, reason: "firing" };
  return mayAlert(rule, next, now, timezone);
}

/** An instant event (a finished test, a recovery, an agent back online): each occurrence may notify. */
export function decideInstant(rule: RuleCondition, state: AlertState, now: Date, timezone: string): Decision {
  return mayAlert(rule, state, now, timezone);
}

function mayAlert(rule: RuleCondition, state: AlertState, now: Date, timezone: string): Decision {
  if (state.lastSentAt && now.getTime() - state.lastSentAt.getTime() < rule.cooldownMinutes * 60_000)
    return { action: "none", state, reason: "cooldown" };
  if (inQuietHours(rule, now, timezone)) return { action: "none", state, reason: "quiet" };
  return { action: "alert", state };
}

/** The state after an alert was delivered: the cooldown starts now, and a condition alert is firing. */
export function sent(state: AlertState, at: Date, condition: boolean): AlertState {
  return { ...state, lastSentAt: at, firing: condition ? true : state.firing };
}
