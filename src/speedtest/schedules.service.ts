/**
 * Recurring speed tests: stored in the database, run by the shared scheduler.
 * A scheduled test waits for the machine's test slot; it never overlaps itself,
 * missed runs are not caught up, and a failed run moves on to the next slot.
 */
import { NotFound } from "../core/errors";
import type { Logger } from "../core/log";
import { describeStoredInterval, type Interval, parseInterval, SPEED_TEST_INTERVALS } from "../scheduler/interval";
import { rowBookkeeping, type Scheduler } from "../scheduler/scheduler";
import type { ScheduleRow, SpeedtestRepository } from "./speedtest.repository";
import type { TestOptions, TestType } from "./speedtest.schema";
import { type SpeedtestService, testTypeOf } from "./speedtest.service";

export interface ScheduleInput {
  serverIds?: string[];
  interval: string;
  enabled?: boolean;
  options?: TestOptions;
  /** The agent to run from (also accepted inside `options`); null: this server. */
  agentId?: number | null;
}

export interface ScheduleView extends ScheduleRow {
  description: string;
  testType: TestType;
  target: string;
}

/** A scheduled test that runs longer than this is aborted (iperf3 and HTTP tests take well under a minute). */
const RUN_TIMEOUT_MS = 10 * 60_000;
const jobId = (id: number) => `schedule:${id}`;

export function createSchedulesService(deps: {
  repo: SpeedtestRepository;
  scheduler: Scheduler;
  speedtest: SpeedtestService;
  timezone: string;
  log: Logger;
}) {
  const { repo, scheduler, speedtest, timezone, log } = deps;

  const optionsOf = (row: Pick<ScheduleRow, "options" | "serverIds">): TestOptions => ({
    ...(row.options as TestOptions),
    serverIds: row.serverIds,
    isScheduled: true,
  });

  function schedule(row: ScheduleRow, interval: Interval) {
    scheduler.add({
      id: jobId(row.id),
      interval,
      jitter: true,
      timeoutMs: RUN_TIMEOUT_MS,
      persistedNextRun: row.nextRun,
      run: async (signal) => {
        const { done } = await speedtest.start(optionsOf(row), { scheduled: true, scheduleId: row.id, signal });
        const result = await done;
        if (result.error) throw new Error(result.error);
      },
      ...rowBookkeeping({
        save: (times) => repo.updateSchedule(row.id, times),
        log,
        failure: "scheduled speed test failed",
        fields: { schedule: row.id },
      }),
    });
  }

  async function validated(
    input: ScheduleInput,
  ): Promise<{ interval: Interval; options: TestOptions; serverIds: string[] }> {
    const interval = parseInterval(input.interval, SPEED_TEST_INTERVALS);
    const serverIds = (input.serverIds ?? input.options?.serverIds ?? []).filter((id) => id.trim() !== "");
    const agentId = input.agentId === undefined ? (input.options?.agentId ?? null) : input.agentId;
    const options: TestOptions = { enableDownload: true, enableUpload: true, ...input.options, serverIds, agentId };
    await speedtest.check(options);
    return { interval, options, serverIds };
  }

  const view = (row: ScheduleRow): ScheduleView => {
    const options = optionsOf(row);
    const job = scheduler.get(jobId(row.id));
    return {
      ...row,
      nextRun: row.enabled ? (job?.nextRun ?? row.nextRun) : null,
      description: describeStoredInterval(row.interval, SPEED_TEST_INTERVALS, timezone),
      testType: testTypeOf(options),
      target: options.useIperf
        ? (options.serverHost ?? row.serverIds[0] ?? "")
        : (row.serverIds[0] ?? "closest server (auto)"),
    };
  };

  return {
    /** Puts every enabled schedule on the scheduler (start-up). Missed runs are not executed. */
    async restore(): Promise<number> {
      let count = 0;
      for (const row of await repo.listSchedules()) {
        if (!row.enabled) continue;
        try {
          schedule(row, parseInterval(row.interval, SPEED_TEST_INTERVALS));
          count++;
        } catch (e) {
          log.warn("schedule not restored: invalid interval", { schedule: row.id, interval: row.interval, error: e });
        }
      }
      return count;
    },

    async list(): Promise<ScheduleView[]> {
      return (await repo.listSchedules()).map(view);
    },

    async create(input: ScheduleInput): Promise<ScheduleView> {
      const { interval, options, serverIds } = await validated(input);
      const { serverIds: _ids, ...stored } = options;
      const row = await repo.insertSchedule({
        interval: input.interval.trim(),
        serverIds,
        options: stored,
        enabled: input.enabled ?? true,
      });
      if (row.enabled) schedule(row, interval);
      return view((await repo.findSchedule(row.id)) ?? row);
    },

    async update(id: number, input: ScheduleInput): Promise<ScheduleView> {
      const existing = await repo.findSchedule(id);
      if (!existing) throw new NotFound(`schedule ${id} not found`);
      const { interval, options, serverIds } = await validated({
        ...input,
        options: input.options ?? (existing.options as TestOptions),
        serverIds: input.serverIds ?? input.options?.serverIds ?? existing.serverIds,
      });
      const { serverIds: _ids, ...stored } = options;
      const enabled = input.enabled ?? existing.enabled;
      const row = (await repo.updateSchedule(id, {
        interval: input.interval.trim(),
        serverIds,
        options: stored,
        enabled,
        nextRun: null,
      }))!;
      scheduler.remove(jobId(id));
      if (enabled) schedule(row, interval);
      return view((await repo.findSchedule(id)) ?? row);
    },

    async setEnabled(id: number, enabled: boolean): Promise<ScheduleView> {
      const existing = await repo.findSchedule(id);
      if (!existing) throw new NotFound(`schedule ${id} not found`);
      return this.update(id, { interval: existing.interval, enabled });
    },

    async remove(id: number): Promise<void> {
      scheduler.remove(jobId(id));
      if (!(await repo.deleteSchedule(id))) throw new NotFound(`schedule ${id} not found`);
    },
  };
}

export type SchedulesService = ReturnType<typeof createSchedulesService>;
