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
}

/**
 * The body of a transaction. `opening` settles once BEGIN (and any SET LOCAL) is answered: the body awaits it
 * together with its first batch of statements, which go out right behind BEGIN.
 */
export type WriterWork<T> = (opening: Promise<unknown>) => Promise<T>;

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
      const send = (statement: string) => connection.unsafe(statement).execute();
      const begin = send("begin").then(() => {
        begun = true;
      });
      const opening = Promise.all([
        within(begin, BEGIN_TIMEOUT_MS, `the database did not answer BEGIN within ${BEGIN_TIMEOUT_MS} ms`),
        ...(options.relaxedDurability ? [send("set local synchronous_commit = off")] : []),
      ]);
      opening.catch(() => {});
      const committed = async () => {
        const value = await work(opening);
        // SAVEPOINT fails outside a transaction: had the connection been lost and replaced since BEGIN, COMMIT
        // would only warn, and the transaction's loss would go unnoticed.
        await Promise.all([opening, send("savepoint writer_end"), send("commit")]);
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
        // Unanswered BEGIN: the connection was dead before anything ran, and COMMIT is only ever sent after every
        // answer, so nothing was committed. The work runs once more, on a new connection.
        if (first.begun()) throw error;
        return attempt(work, options).run;
      }
    },
    end: (timeoutSeconds) => current.end({ timeout: timeoutSeconds }),
  };
}
