/** The hourly housekeeping job that deletes expired sessions (revoked ones are deleted when revoked). */
import { JOB_INTERVALS, parseInterval } from "../scheduler/interval";
import type { Scheduler } from "../scheduler/scheduler";
import type { SessionsService } from "./sessions.service";

export const SESSION_PRUNING_JOB_ID = "housekeeping:sessions";

/** Registers the job; a failed run is logged by the scheduler and the next hour tries again. */
export function scheduleSessionPruning(scheduler: Scheduler, sessions: SessionsService): void {
  scheduler.add({
    id: SESSION_PRUNING_JOB_ID,
    interval: parseInterval("1h", JOB_INTERVALS),
    timeoutMs: 60_000,
    run: async () => {
      await sessions.prune();
    },
  });
}
