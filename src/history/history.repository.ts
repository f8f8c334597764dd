/** Reads of packet-loss rollups for charts, and the deletes of the retention job. Both dialects. */
import { type AnyColumn, and, asc, eq, gte, inArray, lt, lte, type SQL, sql } from "drizzle-orm";
import type { DbHandle, Dialect } from "../db";
import type { BucketHistogram, ChartRow } from "./chart";
import type { Resolution } from "./rollups";

/**
 * The start of the chart step a bucket falls in, as epoch ms: the one expression the dialects spell differently.
 * The step is a trusted integer, inlined so that SELECT and GROUP BY read as the same expression.
 */
export function chartStepStart(column: AnyColumn, stepSeconds: number, dialect: Dialect): SQL {
  const step = sql.raw(String(Math.round(stepSeconds * 1000)));
  return dialect === "sqlite"
    ? sql`(${column} / ${step}) * ${step}`
    : sql`floor(extract(epoch from ${column}) * 1000 / ${step}) * ${step}`;
}

export function createHistoryRepository({ db, t, dialect }: DbHandle) {
  const r = t.packetLossRollups;
  const inRange = (monitorId: number, resolution: Resolution, from: Date, to: Date) =>
    and(eq(r.monitorId, monitorId), eq(r.resolution, resolution), gte(r.bucketStart, from), lte(r.bucketStart, to));
  const stepStart = (stepSeconds: number): SQL => chartStepStart(r.bucketStart, stepSeconds, dialect);
  const asNumber = (value: unknown) => Number(value);
  /** Deletes up to `batch` rows of `table` created before `before`, oldest ids first; returns how many went. */
  const pruneOldest = async (table: typeof t.packetLossResults | typeof t.speedTests, before: Date, batch: number) => {
    const ids = db.select({ id: table.id }).from(table).where(lt(table.createdAt, before)).limit(batch);
    const deleted = await db.delete(table).where(inArray(table.id, ids)).returning({ id: table.id });
    return deleted.length;
  };
  return {
    /**
     * The rollups of one resolution in [from, to] merged into chart steps by
     * the database (sums and counts add, extremes take the extreme), oldest
     * first, without histograms: one row per step that has data.
     */
    async chartRows(
      monitorId: number,
      resolution: Resolution,
      from: Date,
      to: Date,
      stepSeconds: number,
    ): Promise<ChartRow[]> {
      const start = stepStart(stepSeconds);
      return db
        .select({
          bucketStart: sql<Date>`${start}`.mapWith((v) => new Date(Number(v))),
          runs: sql<number>`sum(${r.runs})`.mapWith(asNumber),
          packetsSent: sql<number>`sum(${r.packetsSent})`.mapWith(asNumber),
          packetsRecv: sql<number>`sum(${r.packetsRecv})`.mapWith(asNumber),
          rttCount: sql<number>`sum(${r.rttCount})`.mapWith(asNumber),
          rttSum: sql<number>`sum(${r.rttSum})`.mapWith(asNumber),
          rttMin: sql<number | null>`min(${r.rttMin})`.mapWith(asNumber),
          rttMax: sql<number | null>`max(${r.rttMax})`.mapWith(asNumber),
          lossMax: sql<number>`max(${r.lossMax})`.mapWith(asNumber),
        })
        .from(r)
        .where(inRange(monitorId, resolution, from, to))
        .groupBy(start)
        .orderBy(start);
    },

    /** The same rows' histograms with their buckets, for percentiles over the range and per chart step. */
    async histograms(monitorId: number, resolution: Resolution, from: Date, to: Date): Promise<BucketHistogram[]> {
      return db
        .select({ bucketStart: r.bucketStart, histogram: r.histogram })
        .from(r)
        .where(inRange(monitorId, resolution, from, to))
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
    pruneResults(before: Date, batch: number): Promise<number> {
      return pruneOldest(t.packetLossResults, before, batch);
    },

    async pruneRollups(resolution: Resolution, before: Date): Promise<number> {
      const deleted = await db
        .delete(r)
        .where(and(eq(r.resolution, resolution), lt(r.bucketStart, before)))
        .returning({ monitorId: r.monitorId });
      return deleted.length;
    },

    /** Deletes up to `batch` speed-test results older than `before`; returns how many went. */
    pruneSpeedTests(before: Date, batch: number): Promise<number> {
      return pruneOldest(t.speedTests, before, batch);
    },
  };
}

export type HistoryRepository = ReturnType<typeof createHistoryRepository>;
