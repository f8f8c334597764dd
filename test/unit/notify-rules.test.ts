/** The rule logic on its own: N of the last M checks, cooldown from the last real send, quiet hours, recovery. */
import { describe, expect, test } from "bun:test";
import {
  type AlertState,
  decideCondition,
  decideInstant,
  EMPTY_STATE,
  inQuietHours,
  type RuleCondition,
  sent,
} from "../../src/notify/rules";

const rule = (o: Partial<RuleCondition> = {}): RuleCondition => ({
  minBreaches: 1,
  windowSize: 1,
  cooldownMinutes: 0,
  quietStart: null,
  quietEnd: null,
  notifyRecovery: true,
  ...o,
});
const T0 = new Date("2026-12-03T12:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** Feeds checks through a rule, delivering every alert successfully; returns the actions. */
function run(r: RuleCondition, checks: boolean[], deliver = true, start: AlertState = EMPTY_STATE) {
  let state = start;
  const actions: string[] = [];
  checks.forEach((breached, i) => {
    const d = decideCondition(r, state, breached, at(i), "UTC");
    state = d.state;
    actions.push(d.action);
    if (d.action === "alert" && deliver) state = sent(state, at(i), true);
  });
  return { actions, state };
}

describe("conditions", () => {
  test("2 of the last 3: one breach is not enough, two are; the alert fires once, then recovers once", () => {
    const { actions } = run(rule({ minBreaches: 2, windowSize: 3 }), [
      true,
      false,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(actions).toEqual(["none", "none", "alert", "none", "none", "none", "recover", "none"]);
  });

  test("a breach that scrolls out of the window does not count", () => {
    const { actions } = run(rule({ minBreaches: 2, windowSize: 2 }), [true, false, true, false, true]);
    expect(actions).toEqual(["none", "none", "none", "none", "none"]);
  });

  test("the cooldown starts only after a real send: an undelivered alert is tried again on the next check", () => {
    const undelivered = run(rule({ cooldownMinutes: 60 }), [true, true, true], false);
    expect(undelivered.actions).toEqual(["alert", "alert", "alert"]);
    expect(undelivered.state.lastSentAt).toBeNull();
  });

  test("after a send, a new alert within the cooldown is held back; after it, it goes out", () => {
    const r = rule({ cooldownMinutes: 3 });
    // minute 0 alert, 1 clears (recovery), 2 breaches again (within 3 min: held), 3 still breaching (cooldown over).
    const { actions } = run(r, [true, false, true, true]);
    expect(actions).toEqual(["alert", "recover", "none", "alert"]);
  });

  test("without recovery messages, clearing is silent but re-arms the rule", () => {
    const { actions } = run(rule({ notifyRecovery: false }), [true, false, true]);
    expect(actions).toEqual(["alert", "none", "alert"]);
  });

  test("quiet hours hold alerts back without starting the cooldown; the first check after them alerts", () => {
    const r = rule({ quietStart: "12:00", quietEnd: "12:02", cooldownMinutes: 60 });
    const { actions } = run(r, [true, true, true]);
    expect(actions).toEqual(["none", "none", "alert"]);
  });
});

test("instant events notify each time, except within the cooldown after a send", () => {
  const r = rule({ cooldownMinutes: 2 });
  let state = EMPTY_STATE;
  const actions: string[] = [];
  for (let i = 0; i < 5; i++) {
    const d = decideInstant(r, state, at(i), "UTC");
    actions.push(d.action);
    if (d.action === "alert") state = sent(d.state, at(i), false);
  }
  expect(actions).toEqual(["alert", "none", "alert", "none", "alert"]);
});

describe("quiet hours", () => {
  const q = (start: string, end: string) => ({ quietStart: start, quietEnd: end });
  test("a window across midnight", () => {
    expect(inQuietHours(q("22:00", "07:00"), new Date("2026-12-03T23:30:00Z"), "UTC")).toBe(true);
    expect(inQuietHours(q("22:00", "07:00"), new Date("2026-12-03T06:59:00Z"), "UTC")).toBe(true);
    expect(inQuietHours(q("22:00", "07:00"), new Date("2026-12-03T07:00:00Z"), "UTC")).toBe(false);
    expect(inQuietHours(q("22:00", "07:00"), new Date("2026-12-03T12:00:00Z"), "UTC")).toBe(false);
  });
  test("in the configured timezone, not UTC", () => {
    // 21:30 UTC is 22:30 in Berlin (winter).
    expect(inQuietHours(q("22:00", "07:00"), new Date("2026-12-03T21:30:00Z"), "Europe/Berlin")).toBe(true);
    expect(inQuietHours(q("22:00", "07:00"), new Date("2026-12-03T21:30:00Z"), "UTC")).toBe(false);
  });
  test("no window, or an empty one, is never quiet", () => {
    expect(inQuietHours({ quietStart: null, quietEnd: null }, T0, "UTC")).toBe(false);
    expect(inQuietHours(q("10:00", "10:00"), T0, "UTC")).toBe(false);
  });
});
