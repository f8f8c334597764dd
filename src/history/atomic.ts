/**
 * One transaction for both dialects, written once. bun:sqlite's drizzle
 * transactions are synchronous (an async callback would commit at its first
 * await), PostgreSQL's are asynchronous, so the work is a generator that
 * yields batches of queries and receives their rows: SQLite's driver runs them
 * one by one inside a synchronous transaction; on PostgreSQL each batch is
 * sent at once on the writer connection (pipelined, as prepared statements)
 * and awaited, and BEGIN travels with the first batch, so a transaction of one
 * batch costs two round trips (db/pg-writer.ts holds the transaction itself:
 * turns, COMMIT, lost connections). Queries in one batch must not depend on each
 * other. Anything slow (a probe, DNS) happens before; only database reads and
 * writes belong inside.
 *
 * Queries are built on the transaction's query builder, or prepared once on
 * `h.writer` and bound to this run's values with `withValues` (no SQL is built
 * per run).
 *
 * Writes that need nothing read first go through `atomicBatch`: on PostgreSQL
 * BEGIN, the batch and COMMIT then travel together, one round trip.
 */
import { fillPlaceholders } from "drizzle-orm";
import type { AppDb, DbHandle } from "../db";
import type { RawStatement } from "../db/pg-writer";

/** A query the drivers run; its rows come back (an empty array for writes without RETURNING). */
export interface TxQuery {
  /** SQLite: runs the query. */
  all(): unknown;
}

/** A statement prepared with placeholders, as each dialect's driver runs it. */
interface PreparedStatement {
  /** SQLite */
  all(values: Record<string, unknown>): unknown;
  /** PostgreSQL */
  execute(values: Record<string, unknown>): PromiseLike<unknown[]>;
  /** PostgreSQL: its text and parameters, placeholders still unfilled. */
  getQuery(): RawStatement;
}

/** A statement prepared on `h.writer`, bound to the values of one run. */
class BoundStatement implements TxQuery {
  constructor(
    private readonly statement: PreparedStatement,
    private readonly values: Record<string, unknown>,
  ) {}
  all(): unknown {
    return this.statement.all(this.values);
  }
  execute(): PromiseLike<unknown[]> {
    return this.statement.execute(this.values);
  }
  toSQL(): RawStatement {
    const { sql, params } = this.statement.getQuery();
    return { sql, params: fillPlaceholders(params, this.values) };
  }
}

/**
 * Prepares a query built on `h.writer` with `sql.placeholder`s, once. The name keeps it prepared on PostgreSQL's
 * writer connection; SQLite's driver takes none.
 */
export function prepareOnWriter(query: unknown, name: string): unknown {
  return (query as { prepare(name: string): unknown }).prepare(name);
}

/** Binds a statement from `prepareOnWriter` to this run's values. */
export function withValues(prepared: unknown, values: Record<string, unknown>): TxQuery {
  return new BoundStatement(prepared as PreparedStatement, values);
}

/** Yields batches of queries; receives each batch's rows, in order. */
export type TxWork<T> = (tx: AppDb) => Generator<TxQuery[], T, unknown[][]>;

export interface AtomicOptions {
  /**
   * Commit without waiting for the disk flush, as SQLite does in WAL mode with
   * synchronous=NORMAL: a power cut may lose the last moments' commits, never
   * consistency. Right for measurements arriving every few seconds.
   */
  relaxedDurability?: boolean;
}

export async function atomic<T>(h: DbHandle, work: TxWork<T>, options: AtomicOptions = {}): Promise<T> {
  if (h.dialect === "sqlite") {
    return h.db.transaction((tx) => {
      const steps = work(tx as unknown as AppDb);
      let step = steps.next();
      while (!step.done) step = steps.next(step.value.map((query) => query.all() as unknown[]));
      return step.value;
    });
  }
  // Named, so postgres-js keeps each statement prepared on the connection: without it every query waits an extra
  // round trip for the server to describe its parameters, and a batch of them no longer pipelines.
  const run = (query: TxQuery) =>
    query instanceof BoundStatement
      ? query.execute()
      : (query as unknown as { prepare(name: string): { execute(): PromiseLike<unknown[]> } })
          .prepare("atomic")
          .execute();
  if (!h.transaction) throw new Error(`atomic(): the ${h.dialect} handle has no writer connection`);
  return h.transaction(async (opening) => {
    const steps = work(h.writer);
    let step = steps.next();
    let pending = [opening];
    while (!step.done) {
      const [rows] = await Promise.all([Promise.all(step.value.map(run)), ...pending]);
      pending = [];
      step = steps.next(rows);
    }
    return step.value;
  }, options);
}

export interface BatchOptions extends AtomicOptions {
  /**
   * Running the batch twice leaves what running it once does, or fails and rolls back (it inserts a row under a
   * unique key). On PostgreSQL a batch whose connection failed before any answer may have been committed, so it is
   * sent again, on a new connection, only when this holds.
   */
  idempotent?: boolean;
}

/**
 * Writes that need no rows read first, in one transaction; resolves with each query's rows, in order, as its driver
 * returns them (on PostgreSQL not mapped by drizzle). On PostgreSQL BEGIN, the queries and COMMIT go out together on
 * the writer connection: one round trip.
 */
export async function atomicBatch(
  h: DbHandle,
  build: (tx: AppDb) => TxQuery[],
  options: BatchOptions = {},
): Promise<unknown[][]> {
  if (h.dialect === "sqlite")
    return h.db.transaction((tx) => build(tx as unknown as AppDb).map((query) => query.all() as unknown[]));
  if (!h.transaction) throw new Error(`atomicBatch(): the ${h.dialect} handle has no writer connection`);
  // SQL text and parameters are ready before the transaction's turn comes; then they are only sent.
  const statements = build(h.writer).map((query) => (query as unknown as { toSQL(): RawStatement }).toSQL());
  return h.transaction((_opening, send) => Promise.all(statements.map(send)), { ...options, oneBatch: true });
}
