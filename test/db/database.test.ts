import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { createAuthRepository } from "../../src/auth/auth.repository";
import { type DbHandle, openDatabase } from "../../src/db";
import { describeEachDialect, type TestDatabase } from "../helpers/db";

describeEachDialect("database", (dialect) => {
  let database: TestDatabase;
  let h: DbHandle;
  beforeAll(async () => {
    database = await dialect.create();
    h = await openDatabase(database.options);
  });
  afterAll(async () => {
    await h.close();
    await database.drop();
  });

  test("migrations are applied once and re-opening is a no-op", async () => {
    const again = await openDatabase(database.options);
    await again.close();
    // drizzle keeps its journal in the "drizzle" schema on PostgreSQL.
    const table = dialect.name === "postgres" ? sql`drizzle.__drizzle_migrations` : sql`__drizzle_migrations`;
    const [row] = await h.rows<{ n: number | string }>(sql`select count(*) as n from ${table}`);
    const applied = Number(row!.n);
    const journal = await Bun.file(`drizzle/${dialect.name === "sqlite" ? "sqlite" : "pg"}/meta/_journal.json`).json();
    expect(applied).toBe(journal.entries.length);
  });

  test("the first-user insert is atomic: of two simultaneous registrations only one wins", async () => {
    const repo = createAuthRepository(h);
    const results = await Promise.all([repo.insertFirstUser("one", "h1"), repo.insertFirstUser("two", "h2")]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repo.countUsers()).toBe(1);
    expect(await repo.insertFirstUser("three", "h3")).toBeUndefined();
  });

  test("timestamps round-trip as Date in UTC and numbers stay numbers", async () => {
    const repo = createAuthRepository(h);
    const before = Date.now();
    const { id } = await repo.insertUser("timer", "hash");
    const [row] = await h.db.select().from(h.t.users).where(sql`${h.t.users.id} = ${id}`);
    expect(row!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(row!.createdAt.getTime() - before)).toBeLessThan(5000);
    expect(typeof row!.sessionVersion).toBe("number");
  });

  test("settings keep the first stored value", async () => {
    const repo = createAuthRepository(h);
    expect(await repo.putSettingIfAbsent("k", "first")).toBe("first");
    expect(await repo.putSettingIfAbsent("k", "second")).toBe("first");
    expect(await repo.getSetting("missing")).toBeUndefined();
  });

  test("ping() reaches the database", async () => {
    await h.ping();
  });
});
