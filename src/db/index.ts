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
  /** PostgreSQL only: one pooled connection held for a transaction (see history/atomic.ts). */
  reserve?(): Promise<ReservedConnection>;
  close(): Promise<void>;
}

/** A pooled PostgreSQL connection, held until released; statements sent on it run in order. */
export interface ReservedConnection {
  /** A query builder whose queries run on this connection. */
  readonly db: AppDb;
  /** Sends one statement without parameters (BEGIN, COMMIT, SET LOCAL …) at once, before any sent later. */
  command(statement: string): Promise<unknown>;
  release(): void;
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

async function openPostgres(o: DbOptions): Promise<DbHandle> {
  const client = postgres({
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database: o.dbname,
    ssl: SSL[o.sslmode],
    max: 10,
    connect_timeout: 10,
    onnotice: () => {},
  });
  const db = drizzlePg({ client });
  try {
    await migratePg(db, { migrationsFolder: migrationsFolder("pg") });
  } catch (e) {
    await client.end({ timeout: 1 });
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
    reserve: async () => {
      const connection = await client.reserve();
      // drizzle reads the driver options (type parsers) from its client; a reserved connection shares the pool's.
      const bound = Object.assign(connection, { options: client.options });
      return {
        db: drizzlePg({ client: bound }) as unknown as AppDb,
        // postgres-js sends a query when it is first awaited; this one goes out now, ahead of later ones.
        command: (statement) => connection.unsafe(statement).execute(),
        release: () => connection.release(),
      };
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}
