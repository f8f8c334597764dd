import { describe, expect, test } from "bun:test";
import { BadInput } from "../../../src/core/errors";
import {
  describeInterval,
  type Interval,
  JOB_INTERVALS,
  jitterMs,
  MONITOR_INTERVALS,
  nextRun,
  nextSlot,
  parseInterval,
  SPEED_TEST_INTERVALS,
} from "../../../src/scheduler/interval";

const at = (iso: string) => new Date(iso);
const speedTest = (text: string) => parseInterval(text, SPEED_TEST_INTERVALS);
const monitor = (text: string) => parseInterval(text, MONITOR_INTERVALS);
const job = (text: string) => parseInterval(text, JOB_INTERVALS);
/** Random sources at both ends of [0, 1): the smallest and the largest jitter. */
const lowest = () => 0;
const highest = () => 0.999999;

function problemOf(raw: string, rules = SPEED_TEST_INTERVALS): BadInput {
  try {
    parseInterval(raw, rules);
  } catch (error) {
    if (error instanceof BadInput) return error;
    throw error;
  }
  throw new Error(`"${raw}" was accepted`);
}

describe("parsing durations", () => {
  test.each([
    ["30s", 30],
    ["5m", 300],
    ["1h", 3600],
    ["24h", 86400],
    ["1h30m", 5400],
    ["2h15m30s", 8130],
    ["90m", 5400],
    ["7d", 604800],
    ["1w", 604800],
    [" 15m ", 900],
  ])("%p is %d seconds", (text, seconds) => {
    expect(job(text)).toEqual({ kind: "duration", text: text.trim(), seconds });
  });

  test.each(["5x", "1d2h", "1h1d", "-5m", "1.5h", "10ms", "5", "m", "1H", "exact", "every 5 minutes"])(
    "rejects %p",
    (text) => {
      expect(() => job(text)).toThrow(BadInput);
    },
  );
});

describe("parsing exact times", () => {
  test("sorts, deduplicates and normalises the times", () => {
    expect(speedTest("exact:20:00, 9:05,20:00")).toEqual({
      kind: "exact",
      text: "exact:09:05,20:00",
      times: [
        { hour: 9, minute: 5 },
        { hour: 20, minute: 0 },
      ],
    });
  });

  test.each(["exact:00:00", "exact:23:59", "exact:00:00,12:00"])("accepts %p", (text) => {
    expect(monitor(text).kind).toBe("exact");
  });

  test.each([
    ["exact:25:00", '"25:00" is not a valid time of day'],
    ["exact:24:00", '"24:00" is not a valid time of day'],
    ["exact:12:60", '"12:60" is not a valid time of day'],
    ["exact:12", '"12" is not a valid time of day'],
    ["exact:12:00,", '"" is not a valid time of day'],
    ["exact:", '"exact:" needs at least one time'],
  ])("rejects %p", (text, problem) => {
    expect(problemOf(text).message).toContain(problem);
  });
});

describe("parsing cron expressions", () => {
  test("accepts 5 fields, and 6 with seconds, normalising whitespace", () => {
    expect(speedTest(" 0  */6 * * * ")).toEqual({ kind: "cron", text: "0 */6 * * *", expression: "0 */6 * * *" });
    expect(speedTest("30 0 3 * * *").kind).toBe("cron");
    expect(job("*/10 * * * * *").kind).toBe("cron");
    expect(speedTest("@daily").kind).toBe("cron");
  });

  test.each([
    ["61 * * * *", "is not a valid cron expression"],
    ["* * * *", "is not a valid cron expression"],
    ["* * * * * * *", "is not a valid cron expression"],
    ["0 0 31 2 *", "never matches a date"],
  ])("rejects %p", (text, problem) => {
    expect(problemOf(text).message).toContain(problem);
  });

  test.each([
    ["* * *", 'interval: "* * *" is not a valid cron expression: it has 3 fields; a cron expression has 5'],
    ["* * * * * * *", "it has 7 fields; a cron expression has 5 (minute hour day month weekday), or 6 with seconds"],
    ["61 * * * *", "61 is not a valid minute (0–59)."],
    ["0 25 * * *", "25 is not a valid hour (0–23)."],
    ["abc def ghi jkl mno", '"abc" (field 1) is not a number, range (1-5), list (1,3) or step (*/5).'],
    ["*/0 * * * *", "a step must be a whole number of at least 1 (*/5)."],
  ])("a refused cron expression %p gets one plain sentence about it", (text, problem) => {
    const message = problemOf(text).message;
    expect(message).toContain(problem);
    // Nothing of croner's own wording, and not the list of every other accepted form.
    expect(message).not.toMatch(/CronPattern|configuration|space separated|seven|Accepted for/);
    expect(message.split(". ").length).toBe(1);
  });

  test("speed tests may not run more than once a minute", () => {
    expect(problemOf("*/10 * * * * *").message).toContain("runs more than once a minute");
  });

  test("monitors take no cron expressions", () => {
    expect(problemOf("0 * * * *", MONITOR_INTERVALS).message).toContain(
      "cron expressions are not accepted for packet-loss monitors",
    );
  });
});

describe("bounds per consumer", () => {
  test.each(["10s", "30s", "1h", "24h"])("monitors accept %p", (text) => {
    expect(monitor(text).kind).toBe("duration");
  });

  test.each([
    ["9s", '"9s" is shorter than 10s'],
    ["0s", '"0s" is shorter than 10s'],
    ["25h", '"25h" is longer than 24h'],
    ["7d", '"7d" is longer than 24h'],
  ])("monitors reject %p", (text, problem) => {
    expect(problemOf(text, MONITOR_INTERVALS).message).toContain(problem);
  });

  test.each(["1m", "5m", "7d", "1w", "4w", "30d"])("speed tests accept %p", (text) => {
    expect(speedTest(text).kind).toBe("duration");
  });

  test.each([
    ["30s", '"30s" is shorter than 1m'],
    ["31d", '"31d" is longer than 30d'],
    ["99999999999999999999h", "is longer than 30d"],
  ])("speed tests reject %p", (text, problem) => {
    expect(problemOf(text).message).toContain(problem);
  });

  test("housekeeping jobs accept anything from a second", () => {
    expect(job("1s").kind).toBe("duration");
    expect(job("52w").kind).toBe("duration");
  });
});

describe("validation messages", () => {
  test.each([
    ["5x", 'interval: "5x" is not a valid interval.'],
    ["exact:25:00", 'interval: "25:00" is not a valid time of day.'],
    ["", "interval: is empty."],
    ["   ", "interval: is empty."],
  ])("%p is a 400 on the interval field that lists the accepted forms", (text, start) => {
    const error = problemOf(text);
    expect(error.status).toBe(400);
    expect(error.field).toBe("interval");
    expect(error.message.startsWith(start)).toBe(true);
    expect(error.message).toContain(
      'Accepted for speed-test schedules: a duration from 1m to 30d such as "5m", "1h30m", "24h", "7d" or "1w"; ' +
        'daily times such as "exact:14:00" or "exact:00:00,12:00" (HH:MM, 00:00 to 23:59); ' +
        'a cron expression such as "0 */6 * * *" (5 fields, or 6 with seconds first)',
    );
  });

  test("monitor messages list the monitor forms, without cron", () => {
    const message = problemOf("5x", MONITOR_INTERVALS).message;
    expect(message).toContain(
      'Accepted for packet-loss monitors: a duration from 10s to 24h such as "10s", "30s", "5m", "1h30m" or "24h";',
    );
    expect(message).not.toContain("cron");
  });
});

describe("the README's next-run examples", () => {
  const fourteen = speedTest("exact:14:00");

  test("exact:14:00 at 10:00 runs today at 14:00 plus 1–60 s", () => {
    const from = at("2025-06-02T10:00:00Z");
    expect(nextSlot(fourteen, from, "UTC")).toEqual(at("2025-06-02T14:00:00Z"));
    expect(nextRun(fourteen, from, "UTC", lowest)).toEqual(at("2025-06-02T14:00:01Z"));
    expect(nextRun(fourteen, from, "UTC", highest)).toEqual(at("2025-06-02T14:01:00Z"));
  });

  test("exact:14:00 at 15:00 runs tomorrow at 14:00 plus 1–60 s", () => {
    const from = at("2025-06-02T15:00:00Z");
    expect(nextRun(fourteen, from, "UTC", lowest)).toEqual(at("2025-06-03T14:00:01Z"));
    expect(nextRun(fourteen, from, "UTC", highest)).toEqual(at("2025-06-03T14:01:00Z"));
  });

  test("1h runs at now + 1 h plus 1–300 s", () => {
    const from = at("2025-06-02T10:17:42Z");
    expect(nextRun(speedTest("1h"), from, "UTC", lowest)).toEqual(at("2025-06-02T11:17:43Z"));
    expect(nextRun(speedTest("1h"), from, "UTC", highest)).toEqual(at("2025-06-02T11:22:42Z"));
  });

  test("jitter is whole seconds: 1–300 s for durations, 1–60 s for exact times and cron", () => {
    const cases: [Interval, number][] = [
      [speedTest("5m"), 300],
      [speedTest("exact:14:00"), 60],
      [speedTest("0 * * * *"), 60],
    ];
    for (const [interval, maxSeconds] of cases) {
      for (let step = 0; step < 100; step++) {
        const jitter = jitterMs(interval, () => step / 100);
        expect(jitter % 1000).toBe(0);
        expect(jitter).toBeGreaterThanOrEqual(1000);
        expect(jitter).toBeLessThanOrEqual(maxSeconds * 1000);
      }
    }
  });
});

describe("next slots", () => {
  test("the slot is strictly after the reference time", () => {
    expect(nextSlot(speedTest("exact:14:00"), at("2025-06-02T14:00:00Z"), "UTC")).toEqual(at("2025-06-03T14:00:00Z"));
  });

  test("multiple exact times take the nearest one, wrapping to the next day", () => {
    const interval = speedTest("exact:00:00,12:00,18:00");
    expect(nextSlot(interval, at("2025-06-02T13:00:00Z"), "UTC")).toEqual(at("2025-06-02T18:00:00Z"));
    expect(nextSlot(interval, at("2025-06-02T11:59:59Z"), "UTC")).toEqual(at("2025-06-02T12:00:00Z"));
    expect(nextSlot(interval, at("2025-06-02T19:00:00Z"), "UTC")).toEqual(at("2025-06-03T00:00:00Z"));
  });

  test("exact times are read in the configured timezone and keep their local time across DST", () => {
    const interval = speedTest("exact:14:00");
    expect(nextSlot(interval, at("2025-03-29T00:00:00Z"), "Europe/Berlin")).toEqual(at("2025-03-29T13:00:00Z"));
    expect(nextSlot(interval, at("2025-03-31T00:00:00Z"), "Europe/Berlin")).toEqual(at("2025-03-31T12:00:00Z"));
    expect(nextSlot(interval, at("2025-06-02T00:00:00Z"), "America/New_York")).toEqual(at("2025-06-02T18:00:00Z"));
  });

  test("a duration with an anchor keeps the anchor's cadence", () => {
    const interval = monitor("10s");
    const anchor = at("2025-06-02T10:00:00Z");
    expect(nextSlot(interval, at("2025-06-02T10:00:03Z"), "UTC", anchor)).toEqual(at("2025-06-02T10:00:10Z"));
    expect(nextSlot(interval, at("2025-06-02T10:00:10Z"), "UTC", anchor)).toEqual(at("2025-06-02T10:00:20Z"));
    expect(nextSlot(interval, at("2025-06-02T10:00:37Z"), "UTC", anchor)).toEqual(at("2025-06-02T10:00:40Z"));
    expect(nextSlot(interval, at("2025-06-02T10:00:03Z"), "UTC")).toEqual(at("2025-06-02T10:00:13Z"));
  });
});

describe("daylight-saving days run each exact time once", () => {
  const cases = [
    {
      name: "Europe/Berlin spring forward: 02:30 does not exist and runs at 03:00",
      timezone: "Europe/Berlin",
      interval: "exact:02:30",
      from: "2025-03-29T11:00:00Z",
      runs: ["2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"],
    },
    {
      name: "Europe/Berlin fall back: 02:30 happens twice and runs at the first",
      timezone: "Europe/Berlin",
      interval: "exact:02:30",
      from: "2025-10-25T10:00:00Z",
      runs: ["2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"],
    },
    {
      name: "America/New_York spring forward: 02:30 does not exist and runs at 03:00",
      timezone: "America/New_York",
      interval: "exact:02:30",
      from: "2025-03-08T17:00:00Z",
      runs: ["2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"],
    },
    {
      name: "America/New_York fall back: 01:30 happens twice and runs at the first",
      timezone: "America/New_York",
      interval: "exact:01:30",
      from: "2025-11-01T16:00:00Z",
      runs: ["2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"],
    },
    {
      name: "two times in the Berlin gap share the one run at 03:00",
      timezone: "Europe/Berlin",
      interval: "exact:02:15,02:45,14:00",
      from: "2025-03-29T20:00:00Z",
      runs: ["2025-03-30T01:00:00Z", "2025-03-30T12:00:00Z", "2025-03-31T00:15:00Z"],
    },
  ];

  test.each(cases)("$name", ({ timezone, interval, from, runs }) => {
    const parsed = speedTest(interval);
    let cursor = at(from);
    for (const expected of runs) {
      // Each next slot is looked up from just after the previous run started, as the scheduler does.
      cursor = nextSlot(parsed, new Date(cursor.getTime() + 30_000), timezone);
      expect(cursor.toISOString()).toBe(at(expected).toISOString());
    }
  });
});

describe("cron in a timezone", () => {
  test("weekday mornings in Berlin skip the weekend", () => {
    const interval = speedTest("0 9 * * 1-5");
    // Friday 10:00 in Berlin, after that day's 09:00.
    expect(nextSlot(interval, at("2025-06-06T08:00:00Z"), "Europe/Berlin")).toEqual(at("2025-06-09T07:00:00Z"));
  });

  test("a fixed cron time in the spring-forward gap runs once, at the end of the gap", () => {
    const interval = speedTest("30 2 * * *");
    expect(nextSlot(interval, at("2025-03-29T12:00:00Z"), "Europe/Berlin")).toEqual(at("2025-03-30T01:00:00Z"));
    expect(nextSlot(interval, at("2025-03-30T01:00:30Z"), "Europe/Berlin")).toEqual(at("2025-03-31T00:30:00Z"));
  });

  test("a stepped cron keeps real time through fall-back (both 01:xx hours in New York)", () => {
    const interval = speedTest("*/30 * * * *");
    const runs: string[] = [];
    let cursor = at("2025-11-02T04:50:00Z");
    for (let i = 0; i < 5; i++) {
      cursor = nextSlot(interval, cursor, "America/New_York");
      runs.push(cursor.toISOString());
    }
    expect(runs).toEqual([
      "2025-11-02T05:00:00.000Z",
      "2025-11-02T05:30:00.000Z",
      "2025-11-02T06:00:00.000Z",
      "2025-11-02T06:30:00.000Z",
      "2025-11-02T07:00:00.000Z",
    ]);
  });

  test("a cron with seconds runs to the second", () => {
    const interval = job("*/10 * * * * *");
    expect(nextSlot(interval, at("2025-06-02T10:00:03Z"), "UTC")).toEqual(at("2025-06-02T10:00:10Z"));
  });
});

describe("descriptions for the UI", () => {
  test.each([
    ["10s", "every 10 seconds"],
    ["1m", "every minute"],
    ["5m", "every 5 minutes"],
    ["1h", "every hour"],
    ["1h30m", "every 1 hour 30 minutes"],
    ["24h", "every day"],
    ["7d", "every week"],
    ["2w", "every 2 weeks"],
  ])("%p is %p", (text, description) => {
    expect(describeInterval(job(text), "UTC")).toBe(description);
  });

  test("exact times name the timezone", () => {
    expect(describeInterval(job("exact:20:00,14:00"), "Europe/Berlin")).toBe(
      "daily at 14:00 and 20:00 (Europe/Berlin)",
    );
    expect(describeInterval(job("exact:00:00,12:00,18:00"), "UTC")).toBe("daily at 00:00, 12:00 and 18:00 (UTC)");
    expect(describeInterval(job("exact:7:05"), "UTC")).toBe("daily at 07:05 (UTC)");
  });

  test("cron expressions are shown as written, with the timezone", () => {
    expect(describeInterval(job("0 */6 * * *"), "America/New_York")).toBe('cron "0 */6 * * *" (America/New_York)');
  });
});
