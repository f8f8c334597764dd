/** Speed-test results, schedules and saved iperf3 servers. One query per operation, both dialects. */
import { and, asc, count, desc, eq, gte, isNotNull, isNull, max, ne, type SQL } from "drizzle-orm";
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

    /** The newest successful results that measured capacity (not UDP at a fixed rate), newest first. */
    async latestSuccessful(n: number): Promise<SpeedTestRow[]> {
      return db
        .select()
        .from(t.speedTests)
        .where(and(isNull(t.speedTests.error), eq(t.speedTests.udp, false)))
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

    /**
     * The servers the history has results from, for the chart's server filter: one entry per server ID with the
     * name of its newest result; runs that failed (often before any server was chosen) are left out.
     */
    async distinctServers(): Promise<{ serverId: string; serverName: string; testType: TestType }[]> {
      const rows = await db
        .select({
          serverId: t.speedTests.serverId,
          serverName: t.speedTests.serverName,
          testType: t.speedTests.testType,
          newest: max(t.speedTests.createdAt),
        })
        .from(t.speedTests)
        .where(and(isNull(t.speedTests.error), ne(t.speedTests.serverId, "")))
        .groupBy(t.speedTests.serverId, t.speedTests.serverName, t.speedTests.testType);
      const byId = new Map<string, (typeof rows)[number]>();
      for (const row of rows) {
        const seen = byId.get(row.serverId);
        if (!seen || Number(row.newest ?? 0) > Number(seen.newest ?? 0)) byId.set(row.serverId, row);
      }
      return [...byId.values()]
        .map(({ serverId, serverName, testType }) => ({ serverId, serverName, testType }))
        .sort((a, b) => a.serverName.localeCompare(b.serverName));
    },

    /**
     * The newest successful value of one figure on one server and provider, and the one before it for comparison
     * (newest first). A download-only test has no upload, so each figure looks for its own newest value; UDP runs
     * are left out: their rates are what arrived at a fixed send rate, not capacity.
     */
    async latestValues(
      figure: "downloadMbps" | "uploadMbps" | "latencyMs" | "jitterMs",
      server: { serverId: string; testType: TestType },
    ): Promise<{ value: number; createdAt: Date }[]> {
      const s = t.speedTests;
      const column = s[figure];
      const rows = await db
        .select({ value: column, createdAt: s.createdAt })
        .from(s)
        .where(
          and(
            isNull(s.error),
            isNotNull(column),
            eq(s.udp, false),
            eq(s.serverId, server.serverId),
            eq(s.testType, server.testType),
          ),
        )
        .orderBy(desc(s.createdAt), desc(s.id))
        .limit(2);
      return rows.map((r) => ({ value: r.value!, createdAt: r.createdAt }));
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
