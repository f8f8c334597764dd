import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { createPgWriter, type PgWriter } from "../../src/db/pg-writer";
import { createPostgresDatabase, PG_URL, type TestDatabase } from "../helpers/db";
import { describeIf } from "../helpers/env";

// The writer connection on its own: a stuck transaction or a refused statement never holds up later writes.
describeIf(Boolean(PG_URL), "TEST_PG_URL is not set", "PostgreSQL writer connection", () => {
  let database: TestDatabase;
  let writer: PgWriter;
  beforeAll(async () => {
    database = await createPostgresDatabase();
    const o = database.options;
    const open = () =>
      postgres({ host: o.host, port: o.port, user: o.user, password: o.password, database: o.dbname, max: 1 });
    writer = createPgWriter(open, 500);
  });
  afterAll(async () => {
    await writer.end(1);
    await database.drop();
  });

  const backend = () =>
    writer.transaction(async (opening) => {
      const [, rows] = await Promise.all([opening, writer.db.execute(sql`select pg_backend_pid() as pid`)]);
      return Number((rows as unknown as { pid: number }[])[0]!.pid);
    }, {});

  test("a transaction past its deadline fails, and the next one runs at once on a new connection", async () => {
    const before = await backend();
    const slow = writer.transaction(async (opening) => {
      await Promise.all([opening, writer.db.execute(sql`select pg_sleep(3)`)]);
    }, {});
    await expect(slow).rejects.toThrow("took longer than 500 ms");
    const started = performance.now();
    const after = await backend();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(after).not.toBe(before);
  });

  test("a statement the server refuses rolls back, and the connection stays in use", async () => {
    const before = await backend();
    const refused = writer.transaction(
      async (opening) => {
        await Promise.all([opening, writer.db.execute(sql`select 1 / 0`)]);
      },
      { relaxedDurability: true },
    );
    const error = await refused.catch((e: Error) => e);
    expect(String((error as Error).cause)).toContain("division by zero");
    expect(await backend()).toBe(before);
  });

  test("transactions started together take turns", async () => {
    const order: string[] = [];
    const step = (name: string, ms: number) =>
      writer.transaction(async (opening) => {
        order.push(`${name} start`);
        await Promise.all([opening, writer.db.execute(sql`select pg_sleep(${ms / 1000})`)]);
        order.push(`${name} end`);
      }, {});
    await Promise.all([step("a", 100), step("b", 10), step("c", 10)]);
    expect(order).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
  });
});
