/**
 * Opens the configured database (bun:sqlite by default, PostgreSQL through
 * postgres-js) and applies the embedded migrations. Repositories receive a
 * DbHandle and write one query for both dialects.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { type SQL, sql } from "drizzle-orm";
import { type BunSQLiteDatabase, drizzle as drizzleSqlite } from "drizzle-orm/bun-sqlite";
import { migrate as migrateSqlite } from "drizzle-orm/bun-sqlite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/postgres-js";
import { migrate as migratePg } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Config } from "../config/schema";
import { createPgWriter, type WriterTransactionOptions, type WriterWork } from "./pg-writer";
import * as pgSchema from "./schema.pg";
import * as sqliteSchema from "./schema.sqlite";

export type Tables = typeof sqliteSchema;
/** Queries are typed against the SQLite flavour; the PostgreSQL tables have the same shapes (schema-parity.ts). */
export type AppDb = BunSQLiteDatabase<Tables>;
export type Dialect = "sqlite" | "postgres";

export interface DbHandle {
  readonly db: AppDb;
  readonly t: Tables;
  readonly dialect: Dialect;
  /** Runs one portable SQL statement and returns its rows (for statements the query builder cannot express). */
  rows<T>(query: SQL): Promise<T[]>;
  /** A round trip to the database; throws when it is unreachable. */
  ping(): Promise<void>;
  /**
   * The connection write transactions run on (history/atomic.ts), as a query builder: statements prepared on it
   * once run inside those transactions. SQLite has one connection; PostgreSQL keeps one for writes beside the pool.
   * Only for statements run inside atomic(): on PostgreSQL anything else would join whichever transaction is open.
   */
  readonly writer: AppDb;
  /** PostgreSQL only: one transaction on the writer connection (see pg-writer.ts), for history/atomic.ts. */
  transaction?<T>(work: WriterWork<T>, options: WriterTransactionOptions): Promise<T>;
  close(): Promise<void>;
}

export type DbOptions = Config["database"];

function migrationsFolder(dialect: "sqlite" | "pg"): string {
  // Compiled binaries carry drizzle/ as an embedded asset at the bundle root; from source it sits at the repository root.
  const candidates = [join(import.meta.dir, "drizzle", dialect), join(import.meta.dir, "..", "..", "drizzle", dialect)];
  const found = candidates.find((d) => existsSync(join(d, "meta", "_journal.json")));
  if (!found) throw new Error(`embedded ${dialect} migrations not found (looked in ${candidates.join(", ")})`);
  return found;
}

export async function openDatabase(options: DbOptions): Promise<DbHandle> {
  return options.type === "postgres" ? openPostgres(options) : openSqlite(options.path);
}

function openSqlite(path: string): DbHandle {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const client = new Database(path, { create: true, strict: true });
  client.run("PRAGMA journal_mode = WAL");
  client.run("PRAGMA busy_timeout = 5000");
  client.run("PRAGMA foreign_keys = ON");
  client.run("PRAGMA synchronous = NORMAL");
  const db = drizzleSqlite({ client, schema: sqliteSchema });
  migrateSqlite(db, { migrationsFolder: migrationsFolder("sqlite") });
  return {
    db,
    t: sqliteSchema,
    dialect: "sqlite",
    writer: db,
    rows: async <T>(query: SQL) => db.all<T>(query),
    ping: async () => {
      client.query("SELECT 1").get();
    },
    close: async () => {
      client.close(false);
    },
  };
}

const SSL: Record<DbOptions["sslmode"], false | "allow" | "prefer" | "require" | "verify-full"> = {
  disable: false,
  allow: "allow",
  prefer: "prefer",
  require: "require",
  "verify-ca": "verify-full",
  "verify-full": "verify-full",
};

/** A write transaction may take this long in any statement or pause before the server ends it. */
const WRITER_TIMEOUT_MS = 30_000;

async function openPostgres(o: DbOptions): Promise<DbHandle> {
  const connect = (extra: Partial<postgres.Options<Record<string, never>>>) =>
    postgres({
      host: o.host,
      port: o.port,
      user: o.user,
      password: o.password,
      database: o.dbname,
      ssl: SSL[o.sslmode],
      connect_timeout: 10,
      onnotice: () => {},
      ...extra,
    });
  const client = connect({ max: 10, connection: { application_name: "netronome" } });
  // The writer's transactions span several sends, so postgres-js must never retire its connection on a timer (it
  // would do so between two sends, and the rest of the transaction would run outside it); the server ends a stuck
  // statement or transaction, and the writer gives up on one that outlives that.
  const writer = createPgWriter(
    () =>
      connect({
        max: 1,
        max_lifetime: null,
        connection: {
          application_name: "netronome writer",
          statement_timeout: WRITER_TIMEOUT_MS,
          idle_in_transaction_session_timeout: WRITER_TIMEOUT_MS,
        },
      }),
    WRITER_TIMEOUT_MS + 5_000,
  );
  const db = drizzlePg({ client });
  try {
    await migratePg(db, { migrationsFolder: migrationsFolder("pg") });
  } catch (e) {
    await Promise.all([client.end({ timeout: 1 }), writer.end(1)]);
    const cause = (e as { cause?: Error }).cause ?? (e as Error);
    throw new Error(`PostgreSQL at ${o.host}:${o.port}/${o.dbname}: ${cause.message}`);
  }
  return {
    db: db as unknown as AppDb,
    t: pgSchema as unknown as Tables,
    dialect: "postgres",
    rows: async <T>(query: SQL) => (await db.execute(query)) as unknown as T[],
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    writer: writer.db as unknown as AppDb,
    transaction: (work, options) => writer.transaction(work, options),
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), writer.end(5)]);
    },
  };
}
