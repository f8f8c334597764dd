/**
 * PostgreSQL's writer connection (DbHandle.writer and .transaction): one connection beside the pool whose
 * transactions take turns, so that history/atomic.ts can pipeline BEGIN, prepared statements and COMMIT on it.
 *
 * A connection the server resets or the network cuts can leave postgres-js (on Bun) waiting forever on it, and every
 * later write would wait behind. So a transaction that fails for any reason but an error reported by the server, or
 * that outlives its deadline, retires the connection, and the next transaction opens a new one. Statements prepared
 * on the writer keep working across that: they reach whichever connection is current through a forwarding client.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";

/** BEGIN and ROLLBACK are answered at once by a live server; a connection silent this long is taken for dead. */
const BEGIN_TIMEOUT_MS = 5_000;

export interface WriterTransactionOptions {
  /** Commit without waiting for the WAL flush (SET LOCAL synchronous_commit = off). */
  relaxedDurability?: boolean;
  /**
   * The body sends all its statements through `send` before it awaits anything: COMMIT goes out right behind them,
   * and the transaction costs one round trip instead of two. A statement the server refuses still rolls it all back.
   */
  oneBatch?: boolean;
  /**
   * Running the body twice leaves what running it once does, or fails and rolls back (a row it inserts under a
   * unique key). A one-batch transaction whose connection failed before any answer may have been committed all
   * the same, so it runs once more on a new connection only when it is idempotent.
   */
  idempotent?: boolean;
}

/** A statement as SQL text and its parameters, ready for the driver (drizzle's `toSQL()` or `getQuery()`). */
export interface RawStatement {
  sql: string;
  params: unknown[];
}

/**
 * Sends a statement on the transaction's own connection at once (prepared there, by its text) and resolves with its
 * rows. Statements prepared on `PgWriter.db` go out when drizzle gets to them, a microtask or more later.
 */
export type SendStatement = (statement: RawStatement) => Promise<unknown[]>;

/**
 * The body of a transaction. `opening` settles once BEGIN (and any SET LOCAL) is answered: the body awaits it
 * together with its first batch of statements, which go out right behind BEGIN.
 */
export type WriterWork<T> = (opening: Promise<unknown>, send: SendStatement) => Promise<T>;

export interface PgWriter {
  /** drizzle on the current writer connection; statements prepared on it run inside `transaction`. */
  readonly db: ReturnType<typeof drizzle>;
  transaction<T>(work: WriterWork<T>, options: WriterTransactionOptions): Promise<T>;
  end(timeoutSeconds: number): Promise<void>;
}

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** An error the server reported for a statement (drizzle wraps it, keeping it as the cause). */
function refusedByServer(error: unknown): boolean {
  return (
    error instanceof postgres.PostgresError || (error as Error | undefined)?.cause instanceof postgres.PostgresError
  );
}

export function createPgWriter(open: () => postgres.Sql, deadlineMs: number): PgWriter {
  // drizzle installs its type parsers and serialisers on the client it wraps; every new connection needs them.
  const connect = () => {
    const client = open();
    drizzle({ client });
    return client;
  };
  let current = connect();
  const forwarding = new Proxy(current, { get: (_, property) => Reflect.get(current, property) });
  let turn: Promise<unknown> = Promise.resolve();

  const retire = (connection: postgres.Sql) => {
    if (connection !== current) return;
    current = connect();
    connection.end({ timeout: 0 }).catch(() => {});
  };

  /** One try on the current connection; `begun` tells whether the server answered its BEGIN. */
  const attempt = <T>(work: WriterWork<T>, options: WriterTransactionOptions) => {
    let begun = false;
    const run = turn.then(async () => {
      // Bound to this transaction's connection, so nothing sent late can reach the next transaction's.
      const connection = current;
      // postgres-js sends a query when it is first awaited; execute() sends it now, ahead of later ones.
      // Statements without parameters go as one simple query each, several in one string, answered together.
      const send = (statement: string) => connection.unsafe(statement).execute();
      const begin = send(options.relaxedDurability ? "begin; set local synchronous_commit = off" : "begin").then(() => {
        begun = true;
      });
      const opening = within(
        begin,
        BEGIN_TIMEOUT_MS,
        `the database did not answer BEGIN within ${BEGIN_TIMEOUT_MS} ms`,
      );
      opening.catch(() => {});
      // SAVEPOINT fails outside a transaction (and then COMMIT in the same string does not run): had the connection
      // been lost and replaced since BEGIN, COMMIT would only warn, and the transaction's loss would go unnoticed.
      const commit = () => send("savepoint writer_end; commit");
      const committed = async () => {
        const statement: SendStatement = (q) =>
          connection.unsafe(q.sql, q.params as postgres.ParameterOrJSON<never>[], { prepare: true }).execute();
        if (options.oneBatch) {
          const done = work(opening, statement);
          const ended = commit();
          // Once BEGIN is answered, every answer is awaited: the first failure in sending order is the cause (a
          // refused statement, not the SAVEPOINT that then fails in the aborted transaction).
          const [, outcomes] = await Promise.all([opening, Promise.allSettled([done, ended])]);
          for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
          return done;
        }
        const value = await work(opening, statement);
        await Promise.all([opening, commit()]);
        return value;
      };
      try {
        return await within(committed(), deadlineMs, `a write transaction took longer than ${deadlineMs} ms`);
      } catch (error) {
        // A statement the server refused aborted the transaction, and ROLLBACK ends it; anything else (a lost or
        // silent connection, the deadline) retires the connection, which ends the transaction on the server.
        if (refusedByServer(error))
          await within(send("rollback"), BEGIN_TIMEOUT_MS, "ROLLBACK unanswered").catch(() => retire(connection));
        else retire(connection);
        throw error;
      }
    });
    turn = run.catch(() => {});
    return { run, begun: () => begun };
  };

  return {
    db: drizzle({ client: forwarding }),
    async transaction<T>(work: WriterWork<T>, options: WriterTransactionOptions): Promise<T> {
      const first = attempt(work, options);
      try {
        return await first.run;
      } catch (error) {
        // Unanswered BEGIN: the connection was dead before anything ran. COMMIT is sent only after every answer,
        // so nothing was committed, unless it went out with the work: then only idempotent work is safe to repeat.
        if (first.begun() || (options.oneBatch && !options.idempotent)) throw error;
        return attempt(work, options).run;
      }
    },
    end: (timeoutSeconds) => current.end({ timeout: timeoutSeconds }),
  };
}
