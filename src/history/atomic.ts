/**
 * One transaction for both dialects, written once. bun:sqlite's drizzle
 * transactions are synchronous (an async callback would commit at its first
 * await), PostgreSQL's are asynchronous, so the work is a generator that
 * yields batches of queries and receives their rows: SQLite's driver runs them
 * one by one inside a synchronous transaction; on PostgreSQL each batch is
 * sent at once on one reserved connection (pipelined, as prepared statements)
 * and awaited, and BEGIN travels with the first batch, so a transaction of
 * one batch costs two round trips. Queries in one batch must not depend on
 * each other. Anything slow (a probe, DNS) happens before; only database reads
 * and writes belong inside.
 */
import type { AppDb, DbHandle } from "../db";

/** A query the drivers run; its rows come back (an empty array for writes without RETURNING). */
export interface TxQuery {
  all(): unknown;
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
  const connection = await h.reserve!();
  // Named, so postgres-js keeps each statement prepared on the connection: without it every query waits an extra
  // round trip for the server to describe its parameters, and a batch of them no longer pipelines.
  const run = (query: TxQuery) =>
    (query as unknown as { prepare(name: string): { execute(): PromiseLike<unknown[]> } }).prepare("atomic").execute();
  try {
    let opening = [connection.command("begin")];
    if (options.relaxedDurability) opening.push(connection.command("set local synchronous_commit = off"));
    const steps = work(connection.db);
    let step = steps.next();
    while (!step.done) {
      const [rows] = await Promise.all([Promise.all(step.value.map(run)), Promise.all(opening)]);
      opening = [];
      step = steps.next(rows);
    }
    await Promise.all([...opening, connection.command("commit")]);
    return step.value;
  } catch (error) {
    // Statements after a failed one were refused in the aborted transaction; ROLLBACK ends it.
    await connection.command("rollback").catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}
