/**
 * Packet-loss monitors, their results and state events. A result is stored
 * together with its rollups, the monitor's new state and any transition in
 * one transaction. Both dialects.
 */
import { and, asc, count, desc, eq, getTableName, inArray, max, or, type Placeholder, sql } from "drizzle-orm";
import type { AppDb, DbHandle } from "../../db";
import { atomic, prepareOnWriter, type TxQuery, withValues } from "../../history/atomic";
import { RESOLUTIONS, type RollupFigures, type RollupRow, rollupsAfterRun } from "../../history/rollups";
import type { MonitorState, Transition } from "./state";

export type MonitorRow = DbHandle["t"]["packetLossMonitors"]["$inferSelect"];
export type NewMonitor = DbHandle["t"]["packetLossMonitors"]["$inferInsert"];
export type ResultRow = DbHandle["t"]["packetLossResults"]["$inferSelect"];
export type NewResult = DbHandle["t"]["packetLossResults"]["$inferInsert"];
/** A result without its hop data: what lists carry. */
export type ResultSummary = Omit<ResultRow, "hops">;
export type EventRow = DbHandle["t"]["monitorEvents"]["$inferSelect"];

/** The columns a run writes into a result, and into each rollup bucket. */
const RESULT_FIELDS = [
  "monitorId",
  "packetLoss",
  "packetsSent",
  "packetsRecv",
  "minRtt",
  "avgRtt",
  "maxRtt",
  "stdDevRtt",
  "method",
  "privilegedMode",
  "hopCount",
  "error",
  "fallbackReason",
  "createdAt",
] as const satisfies readonly (keyof NewResult)[];
const ROLLUP_FIELDS = [
  "monitorId",
  "resolution",
  "bucketStart",
  "runs",
  "packetsSent",
  "packetsRecv",
  "rttCount",
  "rttSum",
  "rttMin",
  "rttMax",
  "lossMax",
  "histogram",
] as const satisfies readonly (keyof RollupRow)[];

export interface RecordedRun {
  result: ResultSummary;
  monitor: MonitorRow;
}

export function createMonitorsRepository(h: DbHandle) {
  const { db, t } = h;
  const m = t.packetLossMonitors;
  const r = t.packetLossResults;
  const rollups = t.packetLossRollups;
  const summaryColumns = {
    id: r.id,
    monitorId: r.monitorId,
    packetLoss: r.packetLoss,
    packetsSent: r.packetsSent,
    packetsRecv: r.packetsRecv,
    minRtt: r.minRtt,
    avgRtt: r.avgRtt,
    maxRtt: r.maxRtt,
    stdDevRtt: r.stdDevRtt,
    method: r.method,
    privilegedMode: r.privilegedMode,
    hopCount: r.hopCount,
    error: r.error,
    fallbackReason: r.fallbackReason,
    createdAt: r.createdAt,
  };
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  /** By monitor, the rollup rows its last recorded run left behind. */
  const lastBuckets = new Map<number, RollupRow[]>();
  const bucketOf = (row: RollupRow) =>
    and(eq(rollups.resolution, row.resolution), eq(rollups.bucketStart, row.bucketStart));

  /**
   * Writes merged rollup rows. With `addedRuns`, a stored bucket is replaced
   * only while it holds the runs the merge started from (the row's runs minus
   * the runs added); the rows written come back, so a stale merge shows as a
   * missing row.
   */
  function upsertRollups(tx: AppDb, rows: RollupRow[], addedRuns?: number | Placeholder) {
    const stored = sql.raw(`${getTableName(rollups)}.runs`);
    return tx
      .insert(rollups)
      .values(rows)
      .onConflictDoUpdate({
        target: [rollups.monitorId, rollups.resolution, rollups.bucketStart],
        set: {
          runs: excluded("runs"),
          packetsSent: excluded("packets_sent"),
          packetsRecv: excluded("packets_recv"),
          rttCount: excluded("rtt_count"),
          rttSum: excluded("rtt_sum"),
          rttMin: excluded("rtt_min"),
          rttMax: excluded("rtt_max"),
          lossMax: excluded("loss_max"),
          histogram: excluded("histogram"),
        },
        ...(addedRuns === undefined ? {} : { setWhere: sql`${stored} = ${excluded("runs")} - ${addedRuns}` }),
      })
      .returning({ resolution: rollups.resolution });
  }

  // The statements of a run, prepared once on the writer connection: a run binds its values and builds no SQL
  // (history/atomic.ts). The rarer steps (a state transition's event, re-reading a bucket) use the query builder.
  const slot = (name: string) => sql.placeholder(name);
  const slots = <K extends string>(fields: readonly K[], suffix = "") =>
    Object.fromEntries(fields.map((field) => [field, slot(`${field}${suffix}`)])) as unknown as Record<K, never>;
  const recordStatements = {
    // Hop data has a statement of its own: a placeholder left empty would store JSON null rather than no value.
    resultWithHops: prepareOnWriter(
      h.writer
        .insert(r)
        .values(slots([...RESULT_FIELDS, "hops"]))
        .returning(summaryColumns),
      "record_result_hops",
    ),
    result: prepareOnWriter(h.writer.insert(r).values(slots(RESULT_FIELDS)).returning(summaryColumns), "record_result"),
    state: prepareOnWriter(
      h.writer
        .update(m)
        .set(slots(["lastState"]))
        .where(eq(m.id, slot("monitorId")))
        .returning(),
      "record_state",
    ),
    stateChange: prepareOnWriter(
      h.writer
        .update(m)
        .set(slots(["lastState", "lastStateChange"]))
        .where(eq(m.id, slot("monitorId")))
        .returning(),
      "record_state_change",
    ),
    rollups: prepareOnWriter(
      upsertRollups(
        h.writer,
        RESOLUTIONS.map((_, i) => slots(ROLLUP_FIELDS, String(i))),
        slot("addedRuns"),
      ),
      "record_rollups",
    ),
  };
  const rollupValues = (rows: RollupRow[]) =>
    Object.fromEntries(rows.flatMap((row, i) => ROLLUP_FIELDS.map((field) => [`${field}${i}`, row[field]])));

  return {
    async list(): Promise<MonitorRow[]> {
      return db.select().from(m).orderBy(asc(m.id));
    },

    async find(id: number): Promise<MonitorRow | undefined> {
      const [row] = await db.select().from(m).where(eq(m.id, id)).limit(1);
      return row;
    },

    async insert(row: NewMonitor): Promise<MonitorRow> {
      const [saved] = await db.insert(m).values(row).returning();
      return saved!;
    },

    async update(id: number, patch: Partial<NewMonitor>): Promise<MonitorRow | undefined> {
      const [saved] = await db
        .update(m)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(m.id, id))
        .returning();
      return saved;
    },

    /** Run bookkeeping (last_run, next_run) that is not an edit: updated_at stays. */
    async touch(id: number, patch: Pick<Partial<NewMonitor>, "lastRun" | "nextRun">): Promise<void> {
      await db.update(m).set(patch).where(eq(m.id, id));
    },

    async remove(id: number): Promise<boolean> {
      const deleted = await db.delete(m).where(eq(m.id, id)).returning({ id: m.id });
      lastBuckets.delete(id);
      return deleted.length > 0;
    },

    /** Newest first, without hop data. */
    async history(monitorId: number, limit: number, offset: number): Promise<{ rows: ResultSummary[]; total: number }> {
      const [rows, [totalRow]] = await Promise.all([
        db
          .select(summaryColumns)
          .from(r)
          .where(eq(r.monitorId, monitorId))
          .orderBy(desc(r.createdAt), desc(r.id))
          .limit(limit)
          .offset(offset),
        db.select({ n: count() }).from(r).where(eq(r.monitorId, monitorId)),
      ]);
      return { rows, total: Number(totalRow?.n ?? 0) };
    },

    /** Every monitor's newest result, in one query (ids grow with time, so the newest has the largest id). */
    async latestOfEach(): Promise<ResultSummary[]> {
      const newest = db
        .select({ id: max(r.id) })
        .from(r)
        .groupBy(r.monitorId);
      return db.select(summaryColumns).from(r).where(inArray(r.id, newest));
    },

    async latest(monitorId: number): Promise<ResultSummary | undefined> {
      const [row] = await db
        .select(summaryColumns)
        .from(r)
        .where(eq(r.monitorId, monitorId))
        .orderBy(desc(r.createdAt), desc(r.id))
        .limit(1);
      return row;
    },

    /** One result with its hops. */
    async findResult(monitorId: number, resultId: number): Promise<ResultRow | undefined> {
      const [row] = await db
        .select()
        .from(r)
        .where(and(eq(r.monitorId, monitorId), eq(r.id, resultId)))
        .limit(1);
      return row;
    },

    async events(monitorId: number, limit: number): Promise<EventRow[]> {
      return db
        .select()
        .from(t.monitorEvents)
        .where(eq(t.monitorEvents.monitorId, monitorId))
        .orderBy(desc(t.monitorEvents.createdAt), desc(t.monitorEvents.id))
        .limit(limit);
    },

    /**
     * Stores a run in one transaction: the result, its rollup buckets, the
     * monitor's state, and the transition if the state changed.
     *
     * A bucket is written as its merged figures, and merging needs the bucket
     * as stored. This repository remembers the buckets it last wrote for each
     * monitor and upserts the merge with them at once, on condition that the
     * stored bucket still holds exactly the runs remembered; a bucket that
     * fails the condition (the first run after a start, or a write by another repository instance) is
     * read and merged inside the same transaction. A monitor's runs never
     * overlap, so once its buckets are remembered a run costs no read.
     */
    async recordRun(run: {
      result: NewResult & { createdAt: Date };
      figures: RollupFigures;
      state: MonitorState;
      transition: Transition | null;
    }): Promise<RecordedRun> {
      const monitorId = run.result.monitorId;
      const at = run.result.createdAt;
      const statePatch = run.transition ? { lastState: run.state, lastStateChange: at } : { lastState: run.state };
      const merged = rollupsAfterRun(monitorId, at, run.figures, lastBuckets.get(monitorId) ?? []);
      const recorded = await atomic(
        h,
        function* (tx) {
          const values = {
            ...Object.fromEntries(RESULT_FIELDS.map((field) => [field, run.result[field] ?? null])),
            privilegedMode: run.result.privilegedMode ?? false,
          };
          const batch: TxQuery[] = [
            // The hop data just written is not read back.
            run.result.hops
              ? withValues(recordStatements.resultWithHops, { ...values, hops: run.result.hops })
              : withValues(recordStatements.result, values),
            withValues(run.transition ? recordStatements.stateChange : recordStatements.state, {
              monitorId,
              ...statePatch,
            }),
            withValues(recordStatements.rollups, { ...rollupValues(merged), addedRuns: run.figures.runs }),
          ];
          if (run.transition)
            batch.push(
              tx.insert(t.monitorEvents).values({
                monitorId,
                fromState: run.transition.from,
                toState: run.transition.to,
                packetLoss: run.transition.packetLoss,
                createdAt: at,
              }),
            );
          const [[result], [monitor], written] = (yield batch) as [
            ResultSummary[],
            MonitorRow[],
            Pick<RollupRow, "resolution">[],
          ];
          const missed = merged.filter((row) => !written.some((w) => w.resolution === row.resolution));
          if (missed.length === 0) return { result: result!, monitor: monitor!, buckets: merged };
          const [stored] = (yield [
            tx
              .select()
              .from(rollups)
              .where(and(eq(rollups.monitorId, monitorId), or(...missed.map(bucketOf)))),
          ]) as [RollupRow[]];
          const repaired = rollupsAfterRun(monitorId, at, run.figures, stored).filter((row) =>
            missed.some((miss) => miss.resolution === row.resolution),
          );
          yield [upsertRollups(tx, repaired)];
          const buckets = merged.map((row) => repaired.find((fix) => fix.resolution === row.resolution) ?? row);
          return { result: result!, monitor: monitor!, buckets };
        },
        { relaxedDurability: true },
      );
      lastBuckets.set(monitorId, recorded.buckets);
      return { result: recorded.result, monitor: recorded.monitor };
    },
  };
}

export type MonitorsRepository = ReturnType<typeof createMonitorsRepository>;
