/** Reads of packet-loss rollups for charts, and the deletes of the retention job. Both dialects. */
import { and, asc, count, eq, gte, inArray, lt, lte } from "drizzle-orm";
import type { DbHandle } from "../db";
import type { ChartRow } from "./chart";
import type { Resolution } from "./rollups";

export type ChartRowWithHistogram = ChartRow & { histogram: number[] };

export function createHistoryRepository({ db, t }: DbHandle) {
  const r = t.packetLossRollups;
  return {
    /** Rollup rows of one resolution in [from, to], oldest first. */
    async chartRows(monitorId: number, resolution: Resolution, from: Date, to: Date): Promise<ChartRowWithHistogram[]> {
      return db
        .select({
          bucketStart: r.bucketStart,
          runs: r.runs,
          packetsSent: r.packetsSent,
          packetsRecv: r.packetsRecv,
          rttCount: r.rttCount,
          rttSum: r.rttSum,
          rttMin: r.rttMin,
          rttMax: r.rttMax,
          lossMax: r.lossMax,
          histogram: r.histogram,
        })
        .from(r)
        .where(
          and(
            eq(r.monitorId, monitorId),
            eq(r.resolution, resolution),
            gte(r.bucketStart, from),
            lte(r.bucketStart, to),
          ),
        )
        .orderBy(asc(r.bucketStart));
    },

    /** The oldest hourly bucket of a monitor (the start of "all"), or null. */
    async firstBucket(monitorId: number): Promise<Date | null> {
      const [row] = await db
        .select({ bucketStart: r.bucketStart })
        .from(r)
        .where(and(eq(r.monitorId, monitorId), eq(r.resolution, 3600)))
        .orderBy(asc(r.bucketStart))
        .limit(1);
      return row?.bucketStart ?? null;
    },

    /** Deletes up to `batch` raw results older than `before`; returns how many went. Their rollups stay. */
    async pruneResults(before: Date, batch: number): Promise<number> {
      const ids = db
        .select({ id: t.packetLossResults.id })
        .from(t.packetLossResults)
        .where(lt(t.packetLossResults.createdAt, before))
        .limit(batch);
      const deleted = await db
        .delete(t.packetLossResults)
        .where(inArray(t.packetLossResults.id, ids))
        .returning({ id: t.packetLossResults.id });
      return deleted.length;
    },

    async pruneRollups(resolution: Resolution, before: Date): Promise<number> {
      const deleted = await db
        .delete(r)
        .where(and(eq(r.resolution, resolution), lt(r.bucketStart, before)))
        .returning({ monitorId: r.monitorId });
      return deleted.length;
    },

    async pruneSpeedTests(before: Date, batch: number): Promise<number> {
      const ids = db
        .select({ id: t.speedTests.id })
        .from(t.speedTests)
        .where(lt(t.speedTests.createdAt, before))
        .limit(batch);
      const deleted = await db
        .delete(t.speedTests)
        .where(inArray(t.speedTests.id, ids))
        .returning({ id: t.speedTests.id });
      return deleted.length;
    },

    /** Rows per resolution, for the retention log line and tests. */
    async rollupCounts(): Promise<Record<number, number>> {
      const rows = await db.select({ resolution: r.resolution, n: count() }).from(r).groupBy(r.resolution);
      return Object.fromEntries(rows.map((row) => [row.resolution, Number(row.n)]));
    },
  };
}

export type HistoryRepository = ReturnType<typeof createHistoryRepository>;
