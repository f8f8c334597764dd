import { describe, expect, test } from "bun:test";
import { createLogger } from "../../../src/core/log";
import {
  type Interval,
  JOB_INTERVALS,
  MONITOR_INTERVALS,
  parseInterval,
  SPEED_TEST_INTERVALS,
} from "../../../src/scheduler/interval";
import {
  type Clock,
  type JobDefinition,
  MAX_TIMER_DELAY_MS,
  type RunEnd,
  RunTimedOut,
  Scheduler,
  type SchedulerOptions,
} from "../../../src/scheduler/scheduler";
import { Semaphore } from "../../../src/scheduler/semaphore";

/** Lets every promise chain that does not wait for a timer settle. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock that only moves when told to, firing due timers in order (ties in the order they were set). */
class FakeClock implements Clock {
  private time: number;
  private sequence = 0;
  private timers: { at: number; sequence: number; callback: () => void }[] = [];

  constructor(start: Date) {
    this.time = start.getTime();
  }

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): () => void {
    if (delayMs > MAX_TIMER_DELAY_MS) throw new Error(`delay ${delayMs} ms is beyond setTimeout's limit`);
    const timer = { at: this.time + delayMs, sequence: this.sequence++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.sequence - b.sequence)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
    await settle();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, ms));
  }
}

const START = new Date("2025-06-02T10:00:00Z");
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const monitor = (text: string) => parseInterval(text, MONITOR_INTERVALS);
const speedTest = (text: string) => parseInterval(text, SPEED_TEST_INTERVALS);
const housekeeping = (text: string) => parseInterval(text, JOB_INTERVALS);

function waitForAbort(signal: AbortSignal): Promise<void> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}

function setup(options: Partial<SchedulerOptions> = {}, start = START) {
  const clock = new FakeClock(start);
  const logLines: string[] = [];
  const log = createLogger("info", "scheduler", (line) => logLines.push(line));
  const scheduler = new Scheduler({ timezone: "UTC", log, clock, random: () => 0, ...options });
  /** Seconds since the start, for readable expectations. */
  const elapsed = () => (clock.now() - start.getTime()) / SECOND;
  /** Adds a job that records when each run starts and ends (in seconds since the start) and takes `durationMs`. */
  const addRecorded = (id: string, interval: Interval, durationMs = 0, extra: Partial<JobDefinition> = {}) => {
    const starts: number[] = [];
    const ends: RunEnd[] = [];
    scheduler.add({
      id,
      interval,
      run: async () => {
        starts.push(elapsed());
        if (durationMs > 0) await clock.sleep(durationMs);
      },
      onRunEnd: (end) => ends.push(end),
      ...extra,
    });
    return { starts, ends };
  };
  return { clock, scheduler, logLines, elapsed, addRecorded };
}

describe("Scheduler timing", () => {
  test("a 10-second monitor runs every 10 seconds for a simulated minute", async () => {
    const { clock, addRecorded } = setup();
    const { starts } = addRecorded("monitor:1", monitor("10s"));
    await clock.advance(MINUTE);
    expect(starts).toEqual([10, 20, 30, 40, 50, 60]);
  });

  test("the cadence does not drift by the time each run takes", async () => {
    const { clock, addRecorded } = setup();
    const { starts } = addRecorded("monitor:1", monitor("10s"), 3 * SECOND);
    await clock.advance(MINUTE);
    expect(starts).toEqual([10, 20, 30, 40, 50, 60]);
  });

  test("nextRun is exposed and moves on after each slot", async () => {
    const { clock, scheduler } = setup();
    const info = scheduler.add({ id: "monitor:1", interval: monitor("30s"), run: () => {} });
    expect(info.nextRun).toEqual(new Date(START.getTime() + 30 * SECOND));
    expect(info.state).toBe("idle");
    await clock.advance(31 * SECOND);
    expect(scheduler.get("monitor:1")?.nextRun).toEqual(new Date(START.getTime() + 60 * SECOND));
    expect(scheduler.list().map((job) => job.id)).toEqual(["monitor:1"]);
  });

  test("jitter delays each run after its slot without shifting the slots", async () => {
    // 0.5 of the 1–300 s range: 151 s after every hourly slot.
    const { clock, addRecorded } = setup({ random: () => 0.5 });
    const { starts } = addRecorded("schedule:1", speedTest("1h"), 0, { jitter: true });
    await clock.advance(3 * HOUR);
    expect(starts).toEqual([3600 + 151, 7200 + 151]);
  });

  test("an exact time runs at its local time plus 1–60 s of jitter, then the next day", async () => {
    const { clock, scheduler, addRecorded } = setup({ timezone: "Europe/Berlin" });
    // 10:00 UTC is 12:00 in Berlin: 14:00 Berlin is 12:00 UTC, plus the smallest jitter of 1 s.
    const { starts } = addRecorded("schedule:1", speedTest("exact:14:00"), 0, { jitter: true });
    expect(scheduler.get("schedule:1")?.nextRun).toEqual(new Date("2025-06-02T12:00:01Z"));
    await clock.advance(2 * DAY);
    expect(starts).toEqual([2 * 3600 + 1, 26 * 3600 + 1]);
  });

  test("an exact time runs once on a fall-back day", async () => {
    const start = new Date("2025-11-01T12:00:00Z");
    const { clock, addRecorded } = setup({ timezone: "America/New_York" }, start);
    const { starts } = addRecorded("schedule:1", speedTest("exact:01:30"), 5 * SECOND);
    await clock.advance(3 * DAY);
    const runTimes = starts.map((seconds) => new Date(start.getTime() + seconds * SECOND).toISOString());
    expect(runTimes).toEqual(["2025-11-02T05:30:00.000Z", "2025-11-03T06:30:00.000Z", "2025-11-04T06:30:00.000Z"]);
  });

  test("a cron job follows its expression in the scheduler's timezone", async () => {
    const { clock, addRecorded } = setup({ timezone: "Europe/Berlin" });
    // Monday 12:00 in Berlin; the job runs at 03:00 Berlin (01:00 UTC) every day.
    const { starts } = addRecorded("prune", housekeeping("0 3 * * *"));
    await clock.advance(2 * DAY);
    expect(starts).toEqual([15 * 3600, 39 * 3600]);
  });

  test("delays beyond setTimeout's 24.8-day limit are chained", async () => {
    const { clock, addRecorded } = setup();
    const { starts } = addRecorded("schedule:1", speedTest("4w"));
    await clock.advance(27 * DAY);
    expect(starts).toEqual([]);
    await clock.advance(DAY);
    expect(starts).toEqual([28 * 86400]);
  });
});

describe("Scheduler after downtime", () => {
  test("missed runs are not caught up: the first run is the next slot after now", async () => {
    const { clock, addRecorded } = setup();
    const { starts } = addRecorded("schedule:1", speedTest("1h"), 0, {
      persistedNextRun: new Date(START.getTime() - 3 * HOUR),
    });
    await clock.advance(59 * MINUTE);
    expect(starts).toEqual([]);
    await clock.advance(MINUTE);
    expect(starts).toEqual([3600]);
  });

  test("an exact time missed earlier today waits for tomorrow", async () => {
    const { clock, scheduler, addRecorded } = setup();
    const { starts } = addRecorded("schedule:1", speedTest("exact:08:00"), 0, {
      persistedNextRun: new Date("2025-06-02T08:00:00Z"),
    });
    expect(scheduler.get("schedule:1")?.nextRun).toEqual(new Date("2025-06-03T08:00:00Z"));
    await clock.advance(DAY);
    expect(starts).toEqual([22 * 3600]);
  });

  test("a persisted next run still ahead is kept, so restarts do not postpone a long interval", async () => {
    const { clock, addRecorded } = setup();
    const { starts } = addRecorded("schedule:1", speedTest("24h"), 0, {
      persistedNextRun: new Date(START.getTime() + 2 * HOUR),
    });
    await clock.advance(2 * DAY);
    expect(starts).toEqual([2 * 3600, 26 * 3600]);
  });

  test("a persisted next run later than the interval allows is ignored", () => {
    const { scheduler } = setup();
    const info = scheduler.add({
      id: "schedule:1",
      interval: speedTest("24h"),
      run: () => {},
      persistedNextRun: new Date(START.getTime() + 3 * DAY),
    });
    expect(info.nextRun).toEqual(new Date(START.getTime() + DAY));
  });
});

describe("Scheduler failures and overlap", () => {
  test("a failed run moves on to the next slot, with no retries", async () => {
    const { clock, scheduler, elapsed, logLines } = setup();
    const starts: number[] = [];
    const ends: RunEnd[] = [];
    scheduler.add({
      id: "monitor:1",
      interval: monitor("1m"),
      run: () => {
        starts.push(elapsed());
        throw new Error("ping: unknown host");
      },
      onRunEnd: (end) => ends.push(end),
    });
    await clock.advance(3 * MINUTE + 59 * SECOND);
    expect(starts).toEqual([60, 120, 180]);
    expect(ends.map((end) => [end.ok, (end.error as Error).message])).toEqual([
      [false, "ping: unknown host"],
      [false, "ping: unknown host"],
      [false, "ping: unknown host"],
    ]);
    expect(logLines.some((line) => line.includes("run failed") && line.includes("monitor:1"))).toBe(true);
  });

  test("a job never overlaps itself: slots that come while it runs are skipped", async () => {
    const { clock, scheduler, addRecorded, logLines } = setup();
    const { starts, ends } = addRecorded("monitor:1", monitor("10s"), 25 * SECOND);
    await clock.advance(15 * SECOND);
    expect(scheduler.get("monitor:1")?.state).toBe("running");
    // While it runs, the next slot is already known.
    expect(scheduler.get("monitor:1")?.nextRun).toEqual(new Date(START.getTime() + 20 * SECOND));
    await clock.advance(60 * SECOND);
    // 10–35 s, then 20 and 30 are skipped; 40–65 s, then 50 and 60 are skipped; 70 starts.
    expect(starts).toEqual([10, 40, 70]);
    expect(ends.map((end) => end.endedAt.getTime() - end.startedAt.getTime())).toEqual([25 * SECOND, 25 * SECOND]);
    expect(logLines.filter((line) => line.includes("slot skipped"))).toHaveLength(4);
  });

  test("a run that outlives its timeout is aborted", async () => {
    const { clock, scheduler } = setup();
    const ends: RunEnd[] = [];
    scheduler.add({
      id: "schedule:1",
      interval: speedTest("5m"),
      timeoutMs: 30 * SECOND,
      run: waitForAbort,
      onRunEnd: (end) => ends.push(end),
    });
    await clock.advance(5 * MINUTE + 31 * SECOND);
    expect(ends).toHaveLength(1);
    expect(ends[0]?.ok).toBe(false);
    expect(ends[0]?.error).toBeInstanceOf(RunTimedOut);
    expect(ends[0]?.endedAt.getTime()).toBe(START.getTime() + 5 * MINUTE + 30 * SECOND);
    expect(scheduler.get("schedule:1")?.state).toBe("idle");
  });
});

describe("Scheduler job management", () => {
  test("runNow runs at once and leaves the schedule as it was", async () => {
    const { clock, scheduler, addRecorded } = setup();
    const { starts, ends } = addRecorded("monitor:1", monitor("10s"));
    await clock.advance(3 * SECOND);
    expect(scheduler.runNow("monitor:1")).toBe(true);
    await clock.advance(17 * SECOND);
    expect(starts).toEqual([3, 10, 20]);
    expect(ends.map((end) => end.trigger)).toEqual(["manual", "schedule", "schedule"]);
  });

  test("a manual run still going at a slot makes that slot skip; runNow refuses to overlap", async () => {
    const { clock, scheduler, addRecorded } = setup();
    const { starts } = addRecorded("monitor:1", monitor("10s"), 8 * SECOND);
    await clock.advance(3 * SECOND);
    expect(scheduler.runNow("monitor:1")).toBe(true);
    await settle();
    expect(scheduler.runNow("monitor:1")).toBe(false);
    await clock.advance(17 * SECOND);
    expect(starts).toEqual([3, 20]);
    expect(scheduler.runNow("unknown")).toBe(false);
  });

  test("a new job can start monitoring immediately", async () => {
    const { clock, scheduler, addRecorded } = setup();
    const { starts } = addRecorded("monitor:1", monitor("10s"));
    scheduler.runNow("monitor:1");
    await clock.advance(10 * SECOND);
    expect(starts).toEqual([0, 10]);
  });

  test("update with a new interval replans from now; other changes keep the plan", async () => {
    const { clock, scheduler, addRecorded } = setup();
    const changes: string[] = [];
    const { starts } = addRecorded("monitor:1", monitor("10s"), 0, {
      onChange: (job) => changes.push(`${job.interval.text} ${(job.nextRun.getTime() - START.getTime()) / SECOND}`),
    });
    await clock.advance(5 * SECOND);
    expect(scheduler.update("monitor:1", { interval: monitor("10s"), timeoutMs: 5000 })?.nextRun).toEqual(
      new Date(START.getTime() + 10 * SECOND),
    );
    const updated = scheduler.update("monitor:1", { interval: monitor("1m") });
    expect(updated?.nextRun).toEqual(new Date(START.getTime() + 65 * SECOND));
    await clock.advance(2 * MINUTE);
    expect(starts).toEqual([65, 125]);
    expect(changes).toEqual(["10s 10", "1m 65", "1m 125", "1m 185"]);
    expect(scheduler.update("unknown", { interval: monitor("1m") })).toBeUndefined();
  });

  test("removal cancels the timer, and a second add of the same id is refused while it exists", async () => {
    const { clock, scheduler, addRecorded } = setup();
    const { starts } = addRecorded("monitor:1", monitor("10s"));
    expect(() => scheduler.add({ id: "monitor:1", interval: monitor("10s"), run: () => {} })).toThrow(
      'job "monitor:1" already exists',
    );
    await clock.advance(10 * SECOND);
    expect(scheduler.remove("monitor:1")).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(MINUTE);
    expect(starts).toEqual([10]);
    expect(scheduler.get("monitor:1")).toBeUndefined();
    expect(scheduler.remove("monitor:1")).toBe(false);
  });

  test("removal aborts a running run", async () => {
    const { clock, scheduler } = setup();
    const ends: RunEnd[] = [];
    scheduler.add({ id: "monitor:1", interval: monitor("10s"), run: waitForAbort, onRunEnd: (end) => ends.push(end) });
    await clock.advance(12 * SECOND);
    scheduler.remove("monitor:1");
    await settle();
    expect(ends.map((end) => [end.ok, (end.error as Error).message])).toEqual([[false, 'job "monitor:1" was removed']]);
  });

  test("stop aborts every run, waits for them and leaves no timers", async () => {
    const { clock, scheduler } = setup();
    let aborted = 0;
    for (const id of ["a", "b"]) {
      scheduler.add({
        id,
        interval: monitor("10s"),
        run: (signal) => waitForAbort(signal).finally(() => aborted++),
      });
    }
    await clock.advance(10 * SECOND);
    await scheduler.stop();
    expect(aborted).toBe(2);
    expect(clock.pendingTimers).toBe(0);
    expect(scheduler.list()).toEqual([]);
  });

  test("hooks report runs, and a throwing hook does not break the schedule", async () => {
    const { clock, scheduler, logLines } = setup();
    const events: string[] = [];
    scheduler.add({
      id: "monitor:1",
      interval: monitor("10s"),
      run: () => clock.sleep(2 * SECOND),
      onChange: () => {
        throw new Error("database is locked");
      },
      onRunStart: (run) => events.push(`start ${run.trigger} ${(run.startedAt.getTime() - START.getTime()) / SECOND}`),
      onRunEnd: (run) => events.push(`end ${run.ok} ${(run.endedAt.getTime() - START.getTime()) / SECOND}`),
    });
    await clock.advance(20 * SECOND);
    expect(events).toEqual(["start schedule 10", "end true 12", "start schedule 20"]);
    expect(logLines.some((line) => line.includes("scheduler hook failed") && line.includes("database is locked"))).toBe(
      true,
    );
  });

  test("a timeout beyond the timer limit is refused", () => {
    const { scheduler } = setup();
    const definition = { id: "a", interval: monitor("10s"), run: () => {}, timeoutMs: MAX_TIMER_DELAY_MS + 1 };
    expect(() => scheduler.add(definition)).toThrow(RangeError);
    scheduler.add({ ...definition, timeoutMs: 1000 });
    expect(() => scheduler.update("a", { timeoutMs: 0 })).toThrow(RangeError);
  });

  test("an unknown timezone is refused at construction", () => {
    expect(() => setup({ timezone: "Mars/Olympus" })).toThrow(RangeError);
  });
});

describe("Scheduler concurrency groups", () => {
  test("cap 1: jobs due together run one after another, in the order they came due", async () => {
    const { clock, scheduler, addRecorded } = setup();
    const speedTests = new Semaphore(1);
    const a = addRecorded("schedule:a", speedTest("1m"), 5 * SECOND, { group: speedTests });
    const b = addRecorded("schedule:b", speedTest("1m"), 5 * SECOND, { group: speedTests });
    const c = addRecorded("schedule:c", speedTest("1m"), 5 * SECOND, { group: speedTests });
    await clock.advance(61 * SECOND);
    expect(scheduler.get("schedule:a")?.state).toBe("running");
    expect(scheduler.get("schedule:b")?.state).toBe("queued");
    expect(speedTests.queued).toBe(2);
    await clock.advance(14 * SECOND);
    expect([a.starts, b.starts, c.starts]).toEqual([[60], [65], [70]]);
  });

  test("a manual test holding the shared lock makes a scheduled test wait its turn", async () => {
    const { clock, addRecorded } = setup();
    const speedTests = new Semaphore(1);
    const release = await speedTests.acquire();
    const { starts } = addRecorded("schedule:1", speedTest("1m"), 0, { group: speedTests });
    await clock.advance(90 * SECOND);
    expect(starts).toEqual([]);
    release();
    await settle();
    expect(starts).toEqual([90]);
  });

  test("monitors run up to max_concurrent_monitors at once; the rest wait in the queue", async () => {
    const { clock, addRecorded } = setup();
    const monitors = new Semaphore(2);
    const runs = ["m1", "m2", "m3"].map((id) => addRecorded(id, monitor("10s"), 3 * SECOND, { group: monitors }));
    await clock.advance(11 * SECOND);
    expect(monitors.active).toBe(2);
    expect(monitors.queued).toBe(1);
    await clock.advance(9 * SECOND);
    expect(runs.map((run) => run.starts)).toEqual([[10, 20], [10, 20], [13]]);
  });

  test("a job removed while queued leaves the queue and never runs", async () => {
    const { clock, scheduler, addRecorded } = setup();
    const speedTests = new Semaphore(1);
    const release = await speedTests.acquire();
    const { starts, ends } = addRecorded("schedule:1", speedTest("1m"), 0, { group: speedTests });
    await clock.advance(61 * SECOND);
    expect(speedTests.queued).toBe(1);
    scheduler.remove("schedule:1");
    await settle();
    expect(speedTests.queued).toBe(0);
    release();
    await settle();
    expect(starts).toEqual([]);
    expect(ends).toEqual([]);
  });
});

describe("Semaphore", () => {
  test("grants slots in FIFO order and passes a released slot to the next waiter", async () => {
    const semaphore = new Semaphore(1);
    const order: string[] = [];
    const first = await semaphore.acquire();
    const waiting = ["b", "c"].map(async (name) => {
      const release = await semaphore.acquire();
      order.push(name);
      return release;
    });
    expect(semaphore.tryAcquire()).toBeNull();
    first();
    const releaseB = await waiting[0]!;
    // The slot went straight to b, so nobody can jump the queue in between.
    expect(semaphore.tryAcquire()).toBeNull();
    releaseB();
    (await waiting[1]!)();
    expect(order).toEqual(["b", "c"]);
    expect(semaphore.active).toBe(0);
  });

  test("releasing twice frees one slot only", async () => {
    const semaphore = new Semaphore(2);
    const release = await semaphore.acquire();
    await semaphore.acquire();
    release();
    release();
    expect(semaphore.active).toBe(1);
  });

  test("an abort while waiting leaves the queue and rejects with the reason", async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    expect(semaphore.queued).toBe(1);
    controller.abort(new Error("client went away"));
    await expect(waiting).rejects.toThrow("client went away");
    expect(semaphore.queued).toBe(0);
    held();
    expect(semaphore.active).toBe(0);
    await expect(semaphore.acquire(controller.signal)).rejects.toThrow("client went away");
  });

  test("run releases the slot when the task throws", async () => {
    const semaphore = new Semaphore(1);
    await expect(
      semaphore.run(() => {
        throw new Error("iperf3: server busy");
      }),
    ).rejects.toThrow("iperf3: server busy");
    await settle();
    expect(semaphore.active).toBe(0);
    expect(await semaphore.run(() => 42)).toBe(42);
  });

  test("a capacity given as a function is read at every acquire and release: it may shrink and grow", async () => {
    let allowed = 3;
    const semaphore = new Semaphore(() => allowed);
    const held = [await semaphore.acquire(), await semaphore.acquire()];
    allowed = 1;
    expect(semaphore.tryAcquire()).toBeNull();
    const waiting = [semaphore.acquire(), semaphore.acquire(), semaphore.acquire()];
    held[0]!();
    await settle();
    // Two were held with room for one now: the release is kept, nobody else starts.
    expect([semaphore.active, semaphore.queued]).toEqual([1, 3]);
    allowed = 3;
    held[1]!();
    await settle();
    // Room for three: the next release lets three waiters in at once.
    expect([semaphore.active, semaphore.queued]).toEqual([3, 0]);
    for (const release of await Promise.all(waiting)) release();
    expect(semaphore.active).toBe(0);
    // Nonsense from the function counts as one.
    allowed = Number.NaN;
    expect(semaphore.capacity).toBe(1);
  });

  test.each([0, -1, 1.5])("refuses capacity %p", (capacity) => {
    expect(() => new Semaphore(capacity)).toThrow(RangeError);
  });
});
