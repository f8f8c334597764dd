/** Speed-test results, schedules and saved iperf3 servers. One query per operation, both dialects. */
import { and, asc, count, desc, eq, gte, isNull, type SQL } from "drizzle-orm";
import type { DbHandle } from "../db";
import type { TestType } from "./speedtest.schema";

export type SpeedTestRow = DbHandle["t"]["speedTests"]["$inferSelect"];
export type NewSpeedTest = DbHandle["t"]["speedTests"]["$inferInsert"];
export type ScheduleRow = DbHandle["t"]["schedules"]["$inferSelect"];
export type NewSchedule = DbHandle["t"]["schedules"]["$inferInsert"];
export type IperfServerRow = DbHandle["t"]["savedIperfServers"]["$inferSelect"];

export interface HistoryFilter {
  since?: Date;
  testType?: TestType;
  serverId?: string;
}

export function createSpeedtestRepository({ db, t }: DbHandle) {
  const where = (f: HistoryFilter): SQL | undefined =>
    and(
      f.since ? gte(t.speedTests.createdAt, f.since) : undefined,
      f.testType ? eq(t.speedTests.testType, f.testType) : undefined,
      f.serverId ? eq(t.speedTests.serverId, f.serverId) : undefined,
    );

  return {
    async insertResult(row: NewSpeedTest): Promise<SpeedTestRow> {
      const [saved] = await db.insert(t.speedTests).values(row).returning();
      return saved!;
    },

    /** Newest first. */
    async history(
      filter: HistoryFilter,
      limit: number,
      offset: number,
    ): Promise<{ rows: SpeedTestRow[]; total: number }> {
      const condition = where(filter);
      const [rows, [totalRow]] = await Promise.all([
        db
          .select()
          .from(t.speedTests)
          .where(condition)
          .orderBy(desc(t.speedTests.createdAt), desc(t.speedTests.id))
          .limit(limit)
          .offset(offset),
        db.select({ n: count() }).from(t.speedTests).where(condition),
      ]);
      return { rows, total: Number(totalRow?.n ?? 0) };
    },

    /** The newest successful results, newest first (the dashboard compares the latest with the one before). */
    async latestSuccessful(n: number): Promise<SpeedTestRow[]> {
      return db
        .select()
        .from(t.speedTests)
        .where(isNull(t.speedTests.error))
        .orderBy(desc(t.speedTests.createdAt), desc(t.speedTests.id))
        .limit(n);
    },

    /** Oldest first, in pages, for charts and exports. */
    async chronological(filter: HistoryFilter, limit: number, afterId = 0): Promise<SpeedTestRow[]> {
      return db
        .select()
        .from(t.speedTests)
        .where(and(where(filter), gte(t.speedTests.id, afterId + 1)))
        .orderBy(asc(t.speedTests.id))
        .limit(limit);
    },

    /** The servers that appear in the history, for the chart's server filter. */
    async distinctServers(): Promise<{ serverId: string; serverName: string; testType: TestType }[]> {
      return db
        .selectDistinct({
          serverId: t.speedTests.serverId,
          serverName: t.speedTests.serverName,
          testType: t.speedTests.testType,
        })
        .from(t.speedTests)
        .orderBy(asc(t.speedTests.serverName));
    },

    // ---- schedules
    async listSchedules(): Promise<ScheduleRow[]> {
      return db.select().from(t.schedules).orderBy(asc(t.schedules.id));
    },

    async findSchedule(id: number): Promise<ScheduleRow | undefined> {
      const [row] = await db.select().from(t.schedules).where(eq(t.schedules.id, id)).limit(1);
      return row;
    },

    async insertSchedule(row: NewSchedule): Promise<ScheduleRow> {
      const [saved] = await db.insert(t.schedules).values(row).returning();
      return saved!;
    },

    async updateSchedule(id: number, patch: Partial<NewSchedule>): Promise<ScheduleRow | undefined> {
      const [saved] = await db
        .update(t.schedules)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(t.schedules.id, id))
        .returning();
      return saved;
    },

    async deleteSchedule(id: number): Promise<boolean> {
      const deleted = await db.delete(t.schedules).where(eq(t.schedules.id, id)).returning({ id: t.schedules.id });
      return deleted.length > 0;
    },

    // ---- saved iperf3 servers
    async listIperfServers(): Promise<IperfServerRow[]> {
      return db.select().from(t.savedIperfServers).orderBy(asc(t.savedIperfServers.name));
    },

    async findIperfServer(id: number): Promise<IperfServerRow | undefined> {
      const [row] = await db.select().from(t.savedIperfServers).where(eq(t.savedIperfServers.id, id)).limit(1);
      return row;
    },

    async insertIperfServer(row: { name: string; host: string; port: number }): Promise<IperfServerRow> {
      const [saved] = await db.insert(t.savedIperfServers).values(row).returning();
      return saved!;
    },

    async deleteIperfServer(id: number): Promise<boolean> {
      const deleted = await db
        .delete(t.savedIperfServers)
        .where(eq(t.savedIperfServers.id, id))
        .returning({ id: t.savedIperfServers.id });
      return deleted.length > 0;
    },
  };
}

export type SpeedtestRepository = ReturnType<typeof createSpeedtestRepository>;
