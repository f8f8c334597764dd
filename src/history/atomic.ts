/**
 * One transaction for both dialects, written once. bun:sqlite's drizzle
 * transactions are synchronous (an async callback would commit at its first
 * await), PostgreSQL's are asynchronous, so the work is a generator that
 * yields each query and receives its rows: SQLite's driver runs them inside a
 * synchronous transaction, PostgreSQL's awaits them. Anything slow (a probe,
 * DNS) must happen before; only database reads and writes belong inside.
 */
import type { AppDb, DbHandle } from "../db";

/** A query the driver runs; the generator receives its rows (an empty array for writes without RETURNING). */
export interface TxQuery {
  all(): unknown;
}

export type TxWork<T> = (tx: AppDb) => Generator<TxQuery, T, unknown[]>;

export async function atomic<T>(h: DbHandle, work: TxWork<T>): Promise<T> {
  if (h.dialect === "sqlite") {
    return h.db.transaction((tx) => {
      const steps = work(tx as unknown as AppDb);
      let step = steps.next();
      while (!step.done) step = steps.next(step.value.all() as unknown[]);
      return step.value;
    });
  }
  return h.db.transaction(async (tx) => {
    const steps = work(tx as unknown as AppDb);
    let step = steps.next();
    while (!step.done) step = steps.next((await (step.value as unknown as PromiseLike<unknown[]>)) ?? []);
    return step.value;
  }) as Promise<T>;
}
