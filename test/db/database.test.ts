import { expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { createAuthRepository } from "../../src/auth/auth.repository";
import { openDatabase } from "../../src/db";
import { describeEachDialect, openForBlock } from "../helpers/db";

describeEachDialect("database", (dialect) => {
  const opened = openForBlock(dialect);

  test("migrations are applied once and re-opening is a no-op", async () => {
    const again = await openDatabase(opened.database.options);
    await again.close();
    // drizzle keeps its journal in the "drizzle" schema on PostgreSQL.
    const table = dialect.name === "postgres" ? sql`drizzle.__drizzle_migrations` : sql`__drizzle_migrations`;
    const [row] = await opened.handle.rows<{ n: number | string }>(sql`select count(*) as n from ${table}`);
    const applied = Number(row!.n);
    const journal = await Bun.file(`drizzle/${dialect.name === "sqlite" ? "sqlite" : "pg"}/meta/_journal.json`).json();
    expect(applied).toBe(journal.entries.length);
  });

  test("the first-user insert is atomic: of two simultaneous registrations only one wins", async () => {
    const repo = createAuthRepository(opened.handle);
    const results = await Promise.all([repo.insertFirstUser("one", "h1"), repo.insertFirstUser("two", "h2")]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repo.countUsers()).toBe(1);
    expect(await repo.insertFirstUser("three", "h3")).toBeUndefined();
  });

  test("timestamps round-trip as Date in UTC and numbers stay numbers", async () => {
    const repo = createAuthRepository(opened.handle);
    const before = Date.now();
    const { id } = await repo.insertUser("timer", "hash");
    const [row] = await opened.handle.db
      .select()
      .from(opened.handle.t.users)
      .where(sql`${opened.handle.t.users.id} = ${id}`);
    expect(row!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(row!.createdAt.getTime() - before)).toBeLessThan(5000);
  });

  test("settings keep the first stored value", async () => {
    const repo = createAuthRepository(opened.handle);
    expect(await repo.putSettingIfAbsent("k", "first")).toBe("first");
    expect(await repo.putSettingIfAbsent("k", "second")).toBe("first");
    expect(await repo.getSetting("missing")).toBeUndefined();
  });

  test("ping() reaches the database", async () => {
    await opened.handle.ping();
  });
});
