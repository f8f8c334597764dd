/**
 * The one scheduler for speed-test schedules, packet-loss monitors and
 * housekeeping jobs. One timer per job, to the second (no minute ticker).
 *
 * - Startup: the first slot is the next one after now, so runs missed during
 *   downtime are never caught up. A persisted next run that is still ahead is kept.
 * - Slots: the next slot is planned when a slot comes due, before the run starts,
 *   so neither a failing nor a slow run moves it (no retry storm). Durations keep
 *   their cadence: slots are previous slot + interval, not end of run + interval.
 * - Jitter (opt-in per job) delays each run after its slot; it never shifts the slots.
 * - No overlap: if a job's previous run (scheduled or manual) is still queued or
 *   running when a slot comes due, that slot is skipped.
 * - Concurrency: jobs that share a Semaphore queue for it in FIFO order.
 */
import type { LogFields, Logger } from "../core/log";
import { type Interval, jitterMs, maxJitterMs, nextSlot } from "./interval";
import type { Release, Semaphore } from "./semaphore";

/** Time and timers, injected so tests can drive them. */
export interface Clock {
  now(): number;
  /** Calls `callback` after `delayMs` (never more than MAX_TIMER_DELAY_MS); returns a function that cancels it. */
  setTimer(callback: () => void, delayMs: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    return () => clearTimeout(timer);
  },
};

/** setTimeout's limit (about 24.8 days); the scheduler chains timers for later runs. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export type RunTrigger = "schedule" | "manual";
export type JobState = "idle" | "queued" | "running";

export interface JobInfo {
  readonly id: string;
  readonly interval: Interval;
  /** When the next scheduled run starts (its slot plus jitter). */
  readonly nextRun: Date;
  /** "queued" while waiting for the job's concurrency group. */
  readonly state: JobState;
}

export interface RunStart {
  readonly id: string;
  readonly trigger: RunTrigger;
  readonly startedAt: Date;
}

export interface RunEnd extends RunStart {
  readonly endedAt: Date;
  readonly ok: boolean;
  /** What the run threw (for an aborted run, the signal's reason). */
  readonly error?: unknown;
}

export class RunTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super(`run timed out after ${timeoutMs} ms`);
  }
}

export interface JobDefinition {
  readonly id: string;
  interval: Interval;
  /** The work. `signal` aborts when the job is removed, the scheduler stops or timeoutMs passes. */
  run: (signal: AbortSignal) => Promise<void> | void;
  /** Delay each run by the README's random jitter (speed-test schedules). Off by default (monitors, housekeeping). */
  jitter?: boolean;
  /** The concurrency group: every job and on-demand task sharing this semaphore shares its cap. */
  group?: Semaphore;
  /** Abort a run that takes longer than this (at most MAX_TIMER_DELAY_MS). */
  timeoutMs?: number;
  /**
   * The next run persisted before a restart. Kept if it is still ahead and no later than
   * a fresh plan could be, so frequent restarts do not keep postponing a long interval.
   */
  persistedNextRun?: Date | null;
  /** Called whenever nextRun changes, to persist next_run. */
  onChange?: (job: JobInfo) => void;
  /** Called when a run starts, after any wait for the concurrency group. */
  onRunStart?: (run: RunStart) => void;
  /** Called when a run ends, whether it succeeded, failed or was aborted. */
  onRunEnd?: (run: RunEnd) => void;
}

/** Fields to change; undefined fields stay as they are. A new interval or jitter setting replans from now. */
export type JobChanges = Partial<Omit<JobDefinition, "id" | "persistedNextRun">>;

export interface SchedulerOptions {
  /** IANA timezone for exact times and cron (`[server] timezone`). */
  timezone: string;
  log: Logger;
  clock?: Clock;
  /** Source of jitter, in [0, 1). */
  random?: () => number;
}

/**
 * The hooks of a job whose database row keeps its next and last run: each
 * change is saved (a failed save is logged, never fatal to the schedule), and
 * a failed run is logged as `failure` with `fields` naming the job's row.
 */
export function rowBookkeeping(o: {
  save: (times: { nextRun?: Date; lastRun?: Date }) => Promise<unknown>;
  log: Logger;
  failure: string;
  fields: LogFields;
}): Pick<JobDefinition, "onChange" | "onRunStart" | "onRunEnd"> {
  const { save, log } = o;
  return {
    onChange: (job) => {
      save({ nextRun: job.nextRun }).catch((e) => log.warn("saving next run failed", { error: e }));
    },
    onRunStart: (run) => {
      save({ lastRun: run.startedAt }).catch((e) => log.warn("saving last run failed", { error: e }));
    },
    onRunEnd: (run) => {
      if (!run.ok) log.warn(o.failure, { ...o.fields, error: run.error });
    },
  };
}

function checkTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs === undefined || (timeoutMs > 0 && timeoutMs <= MAX_TIMER_DELAY_MS)) return;
  throw new RangeError(`scheduler: timeoutMs must be between 1 and ${MAX_TIMER_DELAY_MS}`);
}

interface ActiveRun {
  readonly controller: AbortController;
  state: "queued" | "running";
}

interface Job {
  readonly definition: Omit<JobDefinition, "persistedNextRun">;
  /** The slot the next run belongs to, without jitter: the anchor that keeps durations on their cadence. */
  slot: number;
  nextRun: number;
  cancelTimer?: () => void;
  activeRun?: ActiveRun;
}

export class Scheduler {
  private readonly timezone: string;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly jobs = new Map<string, Job>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: SchedulerOptions) {
    // Fail at startup rather than at the first exact-time job.
    new Intl.DateTimeFormat("en", { timeZone: options.timezone });
    this.timezone = options.timezone;
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /** Schedules a new job; its first run is the next slot after now (or its still-valid persisted next run). */
  add(definition: JobDefinition): JobInfo {
    if (this.jobs.has(definition.id)) throw new Error(`scheduler: job "${definition.id}" already exists`);
    checkTimeout(definition.timeoutMs);
    const { persistedNextRun, ...rest } = definition;
    const job: Job = { definition: { ...rest }, slot: 0, nextRun: 0 };
    this.jobs.set(job.definition.id, job);
    if (!persistedNextRun || !this.resume(job, persistedNextRun.getTime())) this.plan(job);
    return this.info(job);
  }

  /** Changes a job. A run in progress finishes under its old settings. Returns undefined for an unknown id. */
  update(id: string, changes: JobChanges): JobInfo | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    checkTimeout(changes.timeoutMs);
    const { interval, jitter } = job.definition;
    Object.assign(job.definition, Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)));
    const replan =
      job.definition.interval.text !== interval.text || (job.definition.jitter ?? false) !== (jitter ?? false);
    if (replan) this.plan(job);
    return this.info(job);
  }

  /** Removes a job: cancels its timer and aborts its queued or running run. */
  remove(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    this.discard(job, new Error(`job "${id}" was removed`));
    return true;
  }

  /**
   * Runs a job now, outside its schedule, which stays as it is. Returns false if the
   * job is unknown or already queued or running.
   */
  runNow(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.activeRun) return false;
    this.start(job, "manual");
    return true;
  }

  get(id: string): JobInfo | undefined {
    const job = this.jobs.get(id);
    return job && this.info(job);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((job) => this.info(job));
  }

  /** Removes every job, aborting their runs, and waits until those runs have ended. */
  async stop(): Promise<void> {
    for (const job of this.jobs.values()) this.discard(job, new Error("scheduler stopped"));
    await Promise.allSettled([...this.inFlight]);
  }

  private info(job: Job): JobInfo {
    return {
      id: job.definition.id,
      interval: job.definition.interval,
      nextRun: new Date(job.nextRun),
      state: job.activeRun?.state ?? "idle",
    };
  }

  private discard(job: Job, reason: Error): void {
    this.jobs.delete(job.definition.id);
    job.cancelTimer?.();
    job.cancelTimer = undefined;
    job.activeRun?.controller.abort(reason);
  }

  private plan(job: Job, anchor?: number): void {
    const { interval, jitter } = job.definition;
    const after = new Date(this.clock.now());
    const slot = nextSlot(interval, after, this.timezone, anchor === undefined ? undefined : new Date(anchor));
    this.setNextRun(job, slot.getTime(), slot.getTime() + (jitter ? jitterMs(interval, this.random) : 0));
  }

  private resume(job: Job, persisted: number): boolean {
    const { interval, jitter } = job.definition;
    const now = this.clock.now();
    const latest = nextSlot(interval, new Date(now), this.timezone).getTime() + (jitter ? maxJitterMs(interval) : 0);
    if (persisted <= now || persisted > latest) return false;
    this.setNextRun(job, persisted, persisted);
    return true;
  }

  private setNextRun(job: Job, slot: number, at: number): void {
    job.slot = slot;
    job.nextRun = at;
    this.arm(job, at);
    this.callHook(job.definition.onChange, this.info(job));
  }

  private arm(job: Job, at: number): void {
    job.cancelTimer?.();
    const delay = Math.min(Math.max(at - this.clock.now(), 0), MAX_TIMER_DELAY_MS);
    job.cancelTimer = this.clock.setTimer(() => {
      job.cancelTimer = undefined;
      // A chained long delay (or a timer that fired early) waits for the rest.
      if (this.clock.now() < at) this.arm(job, at);
      else this.due(job);
    }, delay);
  }

  private due(job: Job): void {
    const slot = job.slot;
    this.plan(job, slot);
    if (job.activeRun) {
      this.log.info("slot skipped: the previous run is still going", {
        job: job.definition.id,
        slot: new Date(slot).toISOString(),
      });
      return;
    }
    this.start(job, "schedule");
  }

  private start(job: Job, trigger: RunTrigger): void {
    const run: ActiveRun = { controller: new AbortController(), state: job.definition.group ? "queued" : "running" };
    job.activeRun = run;
    const done = this.execute(job, run, trigger).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private async execute(job: Job, run: ActiveRun, trigger: RunTrigger): Promise<void> {
    const { id, group, timeoutMs, onRunStart, onRunEnd } = job.definition;
    const signal = run.controller.signal;
    let release: Release | undefined;
    if (group) {
      try {
        release = await group.acquire(signal);
      } catch {
        // Removed or stopped while waiting: the run never started.
        job.activeRun = undefined;
        return;
      }
      run.state = "running";
    }
    const startedAt = new Date(this.clock.now());
    this.callHook(onRunStart, { id, trigger, startedAt });
    const cancelTimeout =
      timeoutMs === undefined
        ? undefined
        : this.clock.setTimer(() => run.controller.abort(new RunTimedOut(timeoutMs)), timeoutMs);
    let failure: { error: unknown } | undefined;
    try {
      await job.definition.run(signal);
    } catch (error) {
      failure = { error };
    } finally {
      cancelTimeout?.();
      release?.();
      job.activeRun = undefined;
    }
    const endedAt = new Date(this.clock.now());
    if (failure) {
      this.log.warn("run failed", { job: id, trigger, error: failure.error });
      this.callHook(onRunEnd, { id, trigger, startedAt, endedAt, ok: false, error: failure.error });
    } else {
      this.callHook(onRunEnd, { id, trigger, startedAt, endedAt, ok: true });
    }
  }

  /** A throwing hook is logged, never allowed to break the schedule. */
  private callHook<T>(hook: ((value: T) => void) | undefined, value: T): void {
    if (!hook) return;
    try {
      hook(value);
    } catch (error) {
      this.log.error("scheduler hook failed", { error });
    }
  }
}
