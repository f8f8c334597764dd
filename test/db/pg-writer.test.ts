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

  // One-batch transactions: BEGIN, the statements and COMMIT go out together (history/atomic.ts atomicBatch).
  const batch = (w: PgWriter, statements: string[], options: { idempotent?: boolean } = {}) =>
    w.transaction((_opening, send) => Promise.all(statements.map((q) => send({ sql: q, params: [] }))), {
      relaxedDurability: true,
      oneBatch: true,
      ...options,
    });
  const stored = async () => {
    const rows = await writer.transaction(async (opening, send) => {
      const [, found] = await Promise.all([opening, send({ sql: "select n from batch_probe order by n", params: [] })]);
      return found as { n: number }[];
    }, {});
    return rows.map((row) => row.n);
  };

  test("one batch runs in one transaction and commits", async () => {
    await batch(writer, ["create table batch_probe (n integer primary key)"]);
    const [first, second, third] = await batch(writer, [
      "select txid_current() as id",
      "insert into batch_probe values (1), (2)",
      "select txid_current() as id, current_setting('synchronous_commit') as sync",
    ]);
    expect(first).toEqual([{ id: (third as { id: string }[])[0]!.id }]);
    expect(second).toEqual([]);
    expect(third).toEqual([expect.objectContaining({ sync: "off" })]);
    expect(await stored()).toEqual([1, 2]);
  });

  test("a statement the server refuses in one batch rolls back those before it; the connection stays", async () => {
    const before = await backend();
    const refused = batch(writer, ["insert into batch_probe values (3)", "insert into batch_probe values (1)"]);
    await expect(refused).rejects.toThrow("duplicate key");
    expect(await stored()).toEqual([1, 2]);
    expect(await backend()).toBe(before);
    await batch(writer, ["insert into batch_probe values (4)"]);
    expect(await stored()).toEqual([1, 2, 4]);
  });

  test("one batch whose connection failed before any answer runs again, on a new connection, only when idempotent", async () => {
    // The first connection each writer opens goes to a server that hangs up at once.
    const hangUp = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { open: (socket) => void socket.terminate(), data: () => {} },
    });
    const o = database.options;
    const writerWithBadStart = () => {
      let opened = 0;
      return createPgWriter(
        () =>
          postgres({
            host: o.host,
            port: opened++ === 0 ? hangUp.port : o.port,
            user: o.user,
            password: o.password,
            database: o.dbname,
            max: 1,
          }),
        5_000,
      );
    };
    try {
      const plain = writerWithBadStart();
      await expect(batch(plain, ["insert into batch_probe values (5)"])).rejects.toThrow();
      await batch(plain, ["insert into batch_probe values (6)"]);
      await plain.end(1);
      const idempotent = writerWithBadStart();
      await batch(idempotent, ["insert into batch_probe values (7)"], { idempotent: true });
      await idempotent.end(1);
      expect(await stored()).toEqual([1, 2, 4, 6, 7]);
    } finally {
      hangUp.stop(true);
    }
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
