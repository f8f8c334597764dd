/**
 * An agent's history: the rows a poll writes, reads for charts, and the deletes of the retention job (raw samples
 * after [retention] agent_raw_days, 1-minute rollups after agent_minute_days, hourly ones after agent_hour_days).
 * Both dialects.
 */
import { type AnyColumn, and, asc, eq, getTableName, gte, inArray, lt, lte, sql } from "drizzle-orm";
import type { DbHandle } from "../db";
import { prepareOnWriter, type TxQuery, withValues } from "../history/atomic";
import { gaugeBuckets } from "../history/gauges";
import { chartStepStart } from "../history/history.repository";
import { RESOLUTIONS, type Resolution } from "../history/rollups";
import { slotsOf, typedSlot, valuesTable } from "../history/values-list";
import type { Metric, SeriesSample } from "./agent-metrics";

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

/**
 * The rows of a poll's history: one raw row per series, and both rollup buckets of each series merged in SQL
 * (counts and sums add, extremes take the extreme; CASE is the portable min/max of two). Two statements whatever the
 * number of series, prepared once per number on the writer connection (an agent's count rarely changes), so a poll
 * binds its values and builds no SQL; they read no rows, so they suit atomicBatch.
 */
export function createPollHistoryWriter(h: DbHandle) {
  const s = h.t.agentSamples;
  const r = h.t.agentRollups;
  /** `table.column, …`: columns of a common table expression named after the table's own. */
  const refs = (table: string, ...columns: AnyColumn[]) =>
    sql.raw(columns.map((column) => `${table}.${column.name}`).join(", "));
  const excluded = (column: AnyColumn) => refs("excluded", column);
  const stored = (column: AnyColumn) => refs(getTableName(r), column);
  const raw = { metric: s.metric, label: s.label, value: s.value };
  const figures = { metric: r.metric, label: r.label, count: r.count, sum: r.sum, min: r.min, max: r.max };
  const buckets = { resolution: r.resolution, bucketStart: r.bucketStart };

  const prepared = new Map<number, { samples: unknown; rollups: unknown }>();
  function statementsFor(series: number) {
    let statements = prepared.get(series);
    if (statements) return statements;
    const samples = h.writer.insert(s).select(
      sql`with ${valuesTable("series", raw, series)}
        select ${typedSlot("agentId", s.agentId)}, ${refs("series", s.metric, s.label)},
          ${typedSlot("at", s.createdAt)}, ${refs("series", s.value)}
        from series`,
    );
    // WHERE true: SQLite would read ON CONFLICT as the join's ON otherwise.
    const rollups = h.writer
      .insert(r)
      .select(
        sql`with ${valuesTable("series", figures, series)}, ${valuesTable("buckets", buckets, RESOLUTIONS.length)}
          select ${typedSlot("agentId", r.agentId)}, ${refs("series", r.metric, r.label)},
            ${refs("buckets", r.resolution, r.bucketStart)}, ${refs("series", r.count, r.sum, r.min, r.max)}
          from series cross join buckets where true`,
      )
      .onConflictDoUpdate({
        target: [r.agentId, r.metric, r.label, r.resolution, r.bucketStart],
        set: {
          count: sql`${stored(r.count)} + ${excluded(r.count)}`,
          sum: sql`${stored(r.sum)} + ${excluded(r.sum)}`,
          min: sql`CASE WHEN ${excluded(r.min)} < ${stored(r.min)} THEN ${excluded(r.min)} ELSE ${stored(r.min)} END`,
          max: sql`CASE WHEN ${excluded(r.max)} > ${stored(r.max)} THEN ${excluded(r.max)} ELSE ${stored(r.max)} END`,
        },
      });
    statements = {
      samples: prepareOnWriter(samples, `agent_samples_${series}`),
      rollups: prepareOnWriter(rollups, `agent_rollups_${series}`),
    };
    prepared.set(series, statements);
    return statements;
  }

  /** The statements storing `samples`, taken at `at`; none without samples. */
  return (agentId: number, at: Date, samples: readonly SeriesSample[]): TxQuery[] => {
    if (samples.length === 0) return [];
    const statements = statementsFor(samples.length);
    const rows = samples.map(({ metric, label, figures: f }) => ({ metric, label, ...f }));
    return [
      withValues(
        statements.samples,
        slotsOf(
          rows.map(({ metric, label, sum, count }) => ({ metric, label, value: sum / count })),
          { agentId, at },
        ),
      ),
      withValues(statements.rollups, slotsOf(gaugeBuckets(at.getTime()), slotsOf(rows, { agentId }))),
    ];
  };
}
