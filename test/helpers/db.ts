/**
 * Runs database tests on both dialects: a fresh SQLite file and a fresh
 * PostgreSQL database (created from TEST_PG_URL, dropped afterwards).
 */

import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { type DbHandle, type DbOptions, openDatabase } from "../../src/db";
import { describeIf } from "./env";

export const PG_URL = process.env.TEST_PG_URL;

export interface TestDatabase {
  options: DbOptions;
  drop(): Promise<void>;
}

const base: DbOptions = {
  type: "sqlite",
  path: ":memory:",
  host: "localhost",
  port: 5432,
  user: "postgres",
  password: "",
  dbname: "netronome",
  sslmode: "disable",
};

export async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "netronome-test-"));
  return {
    options: { ...base, path: join(dir, "test.db") },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  if (!PG_URL) throw new Error("TEST_PG_URL is not set");
  const url = new URL(PG_URL);
  const name = `netronome_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    options: {
      ...base,
      type: "postgres",
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      dbname: name,
    },
    drop: async () => {
      const a = postgres(PG_URL, { max: 1, onnotice: () => {} });
      try {
        // An autovacuum worker runs as the superuser, which the test role may not terminate (42501): it finishes
        // in moments, so the drop is tried again a bounded number of times.
        for (let attempt = 1; ; attempt++) {
          try {
            await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (error) {
            if ((error as { code?: string }).code !== "42501" || attempt >= 50) throw error;
            await Bun.sleep(100);
          }
        }
      } finally {
        await a.end();
      }
    },
  };
}

export const DIALECTS = [
  { name: "sqlite", create: createSqliteDatabase, available: true, reason: "" },
  { name: "postgres", create: createPostgresDatabase, available: Boolean(PG_URL), reason: "TEST_PG_URL is not set" },
] as const;

/** Declares the same tests once per dialect; `create` gives each test file its own empty database. */
export function describeEachDialect(
  title: string,
  body: (dialect: { name: string; create: () => Promise<TestDatabase> }) => void,
): void {
  for (const d of DIALECTS) describeIf(d.available, d.reason, `${title} [${d.name}]`, () => body(d));
}

/**
 * A fresh database of `dialect`, opened for the enclosing describe block: created and opened before its tests,
 * closed and dropped after them. Read `handle` and `database` inside the tests.
 */
export function openForBlock(dialect: { create: () => Promise<TestDatabase> }): {
  readonly database: TestDatabase;
  readonly handle: DbHandle;
} {
  const opened: { database?: TestDatabase; handle?: DbHandle } = {};
  beforeAll(async () => {
    opened.database = await dialect.create();
    opened.handle = await openDatabase(opened.database.options);
  });
  afterAll(async () => {
    await opened.handle?.close();
    await opened.database?.drop();
  });
  return {
    get database() {
      return opened.database!;
    },
    get handle() {
      return opened.handle!;
    },
  };
}
