/**
 * Reads of an agent's history for charts, and the deletes of the retention job: raw samples after
 * [retention] agent_raw_days, 1-minute rollups after agent_minute_days, hourly ones after agent_hour_days.
 * Both dialects.
 */
import { and, asc, eq, gte, inArray, lt, lte, sql } from "drizzle-orm";
import type { DbHandle } from "../db";
import { chartStepStart } from "../history/history.repository";
import type { Resolution } from "../history/rollups";
import type { Metric } from "./agent-metrics";

export interface SeriesRow {
  metric: Metric;
  label: string;
  /** Start of the chart step, UTC ms. */
  t: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function createAgentHistoryRepository({ db, t, dialect }: DbHandle) {
  const r = t.agentRollups;
  const s = t.agentSamples;
  const asNumber = (value: unknown) => Number(value);
  return {
    /** Rollups of one resolution in [from, to] for the given metrics, merged into chart steps by the database. */
    async chartRows(
      agentId: number,
      metrics: readonly Metric[],
      resolution: Resolution,
      from: Date,
      to: Date,
      stepSeconds: number,
    ): Promise<SeriesRow[]> {
      if (metrics.length === 0) return [];
      const start = chartStepStart(r.bucketStart, stepSeconds, dialect);
      const rows = await db
        .select({
          metric: r.metric,
          label: r.label,
          t: sql<number>`${start}`.mapWith(asNumber),
          count: sql<number>`sum(${r.count})`.mapWith(asNumber),
          sum: sql<number>`sum(${r.sum})`.mapWith(asNumber),
          min: sql<number>`min(${r.min})`.mapWith(asNumber),
          max: sql<number>`max(${r.max})`.mapWith(asNumber),
        })
        .from(r)
        .where(
          and(
            eq(r.agentId, agentId),
            eq(r.resolution, resolution),
            inArray(r.metric, [...metrics]),
            gte(r.bucketStart, from),
            lte(r.bucketStart, to),
          ),
        )
        .groupBy(r.metric, r.label, start)
        .orderBy(r.metric, r.label, start);
      return rows as SeriesRow[];
    },

    /** The oldest hourly bucket of an agent (the start of "all"), or null. */
    async firstBucket(agentId: number): Promise<Date | null> {
      const [row] = await db
        .select({ bucketStart: r.bucketStart })
        .from(r)
        .where(and(eq(r.agentId, agentId), eq(r.resolution, 3600)))
        .orderBy(asc(r.bucketStart))
        .limit(1);
      return row?.bucketStart ?? null;
    },

    /** Raw samples of one agent since `since`, oldest first (the last hours at full resolution). */
    async samples(agentId: number, metrics: readonly Metric[], since: Date) {
      return db
        .select({ metric: s.metric, label: s.label, createdAt: s.createdAt, value: s.value })
        .from(s)
        .where(and(eq(s.agentId, agentId), inArray(s.metric, [...metrics]), gte(s.createdAt, since)))
        .orderBy(asc(s.createdAt));
    },

    /** Deletes up to `batch` raw samples older than `before`; returns how many went. */
    async pruneSamples(before: Date, batch: number): Promise<number> {
      // No id column: the oldest timestamps mark the batch.
      const cutoff = db
        .select({ at: s.createdAt })
        .from(s)
        .where(lt(s.createdAt, before))
        .orderBy(asc(s.createdAt))
        .limit(batch);
      const deleted = await db.delete(s).where(inArray(s.createdAt, cutoff)).returning({ agentId: s.agentId });
      return deleted.length;
    },

    async pruneRollups(resolution: Resolution, before: Date): Promise<number> {
      const deleted = await db
        .delete(r)
        .where(and(eq(r.resolution, resolution), lt(r.bucketStart, before)))
        .returning({ agentId: r.agentId });
      return deleted.length;
    },
  };
}

export type AgentHistoryRepository = ReturnType<typeof createAgentHistoryRepository>;
