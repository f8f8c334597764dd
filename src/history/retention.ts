/**
 * How long history is kept, as a table of data ([retention] in the config),
 * pruned by an hourly housekeeping job on the shared scheduler. Raw results
 * (with hop data) go first; their rollups stay, so charts keep their history
 * after the raw rows are gone.
 */
import type { Config } from "../config/schema";
import type { Logger } from "../core/log";
import { JOB_INTERVALS, parseInterval } from "../scheduler/interval";
import type { Scheduler } from "../scheduler/scheduler";
import type { HistoryRepository } from "./history.repository";

export interface RetentionRule {
  readonly what: string;
  /** Days kept; 0 keeps forever. */
  readonly days: number;
  /** Deletes what is older than `before`; returns how many rows went. */
  prune(before: Date, signal: AbortSignal): Promise<number>;
}

const DAY_MS = 86_400_000;
/** Rows per delete statement, so a first run after a long outage never holds a lock for long. */
export const DELETE_BATCH = 5000;
/** Batches per rule and run; whatever is left waits for the next hour. */
const MAX_BATCHES = 200;
export const RETENTION_JOB_ID = "housekeeping:retention";

/** Repeats a batch delete until a batch comes back short (or MAX_BATCHES ran); returns the rows deleted. */
export async function inBatches(deleteBatch: () => Promise<number>, signal: AbortSignal): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES && !signal.aborted; i++) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < DELETE_BATCH) break;
  }
  return total;
}

export function retentionRules(
  cfg: Config["retention"],
  repo: HistoryRepository,
  notifications: { pruneHistory(before: Date, batch: number): Promise<number> },
): RetentionRule[] {
  return [
    {
      what: "packet-loss results",
      days: cfg.raw_days,
      prune: (before, signal) => inBatches(() => repo.pruneResults(before, DELETE_BATCH), signal),
    },
    { what: "1-minute packet-loss rollups", days: cfg.minute_days, prune: (before) => repo.pruneRollups(60, before) },
    { what: "hourly packet-loss rollups", days: cfg.hour_days, prune: (before) => repo.pruneRollups(3600, before) },
    {
      what: "speed-test results",
      days: cfg.speedtest_days,
      prune: (before, signal) => inBatches(() => repo.pruneSpeedTests(before, DELETE_BATCH), signal),
    },
    {
      what: "notification history",
      days: cfg.notification_days,
      prune: (before, signal) => inBatches(() => notifications.pruneHistory(before, DELETE_BATCH), signal),
    },
  ];
}

export interface PruneReport {
  what: string;
  deleted: number;
}

/** Applies every rule that has a limit, as of `now`. */
export async function pruneHistory(
  rules: readonly RetentionRule[],
  now: number,
  signal: AbortSignal = new AbortController().signal,
): Promise<PruneReport[]> {
  const report: PruneReport[] = [];
  for (const rule of rules) {
    if (rule.days === 0 || signal.aborted) continue;
    report.push({ what: rule.what, deleted: await rule.prune(new Date(now - rule.days * DAY_MS), signal) });
  }
  return report;
}

/** Registers the hourly pruning job. */
export function scheduleRetention(scheduler: Scheduler, rules: readonly RetentionRule[], log: Logger): void {
  scheduler.add({
    id: RETENTION_JOB_ID,
    interval: parseInterval("1h", JOB_INTERVALS),
    timeoutMs: 10 * 60_000,
    run: async (signal) => {
      const report = await pruneHistory(rules, Date.now(), signal);
      const deleted = report.filter((r) => r.deleted > 0);
      if (deleted.length) log.info("old history pruned", Object.fromEntries(deleted.map((r) => [r.what, r.deleted])));
    },
  });
}
