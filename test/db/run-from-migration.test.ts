/**
 * Migration 0010 (run from) on a database that already has results, on both dialects: SQLite rebuilds
 * packet_loss_results to let packet_loss be null, and every row, hop data and foreign key must come through; old
 * rows read as measured here, and an unreachable run can then be stored.
 */

import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle as drizzleSqlite } from "drizzle-orm/bun-sqlite";
import { migrate as migrateSqlite } from "drizzle-orm/bun-sqlite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/postgres-js";
import { migrate as migratePg } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { openDatabase } from "../../src/db";
import { createMonitorsRepository } from "../../src/diagnostics/monitors/monitors.repository";
import { describeEachDialect } from "../helpers/db";

const MIGRATION = "0010_run_from";

/** A copy of the dialect's migrations without 0010 and after: the database as the previous release left it. */
function migrationsBefore(dialect: "sqlite" | "pg"): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "netronome-migrations-"));
  const dir = join(root, dialect);
  cpSync(join(import.meta.dir, "../../drizzle", dialect), dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8"));
  const index = journal.entries.findIndex((e: { tag: string }) => e.tag === MIGRATION);
  expect(index).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, index);
  writeFileSync(journalPath, JSON.stringify(journal));
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const ROWS = [
  `INSERT INTO packet_loss_monitors (id, host, name, interval, packet_count, threshold, enabled, last_state, created_at, updated_at) VALUES (1, '10.0.0.1', 'gw', '1m', 10, 5, true, 'ok', 1700000000000, 1700000000000)`,
  `INSERT INTO packet_loss_results (id, monitor_id, packet_loss, packets_sent, packets_recv, min_rtt, avg_rtt, max_rtt, std_dev_rtt, method, privileged_mode, hop_count, hops, created_at) VALUES (7, 1, 10, 10, 9, 1.5, 2.5, 3.5, 0.5, 'mtr', false, 1, '[{"number":1,"ip":"10.0.0.1"}]', 1700000000000)`,
  `INSERT INTO speed_tests (id, test_type, server_id, server_name, server_host, download_mbps, created_at) VALUES (3, 'iperf3', 'h', 'NAS', 'h:5201', 941.5, 1700000000000)`,
];

describeEachDialect("migration 0010 (run from) over existing rows", (dialect) => {
  test("rows, hops and links survive; old rows are this server's; unreachable runs can be stored", async () => {
    const database = await dialect.create();
    const sqlite = dialect.name === "sqlite";
    const before = migrationsBefore(sqlite ? "sqlite" : "pg");
    try {
      if (sqlite) {
        const client = new Database(database.options.path, { create: true });
        migrateSqlite(drizzleSqlite({ client }), { migrationsFolder: before.dir });
        // Timestamps are epoch ms in SQLite.
        for (const row of ROWS) client.run(row);
        client.close();
      } else {
        const o = database.options;
        const client = postgres({
          host: o.host,
          port: o.port,
          user: o.user,
          password: o.password,
          database: o.dbname,
          max: 1,
          onnotice: () => {},
        });
        await migratePg(drizzlePg(client), { migrationsFolder: before.dir });
        for (const row of ROWS) await client.unsafe(row.replaceAll("1700000000000", "to_timestamp(1700000000)"));
        await client.end();
      }
      const handle = await openDatabase(database.options);
      try {
        const repo = createMonitorsRepository(handle);
        const old = await repo.findResult(1, 7);
        expect(old).toMatchObject({ packetLoss: 10, packetsRecv: 9, avgRtt: 2.5, agentId: null, unreachable: false });
        expect(old!.hops).toEqual([{ number: 1, ip: "10.0.0.1" }]);
        expect((await repo.find(1))?.agentId).toBeNull();
        const [test] = await handle.db.select().from(handle.t.speedTests);
        expect(test).toMatchObject({ downloadMbps: 941.5, agentId: null, agentName: null });
        const stored = await repo.recordUnreachable({
          monitorId: 1,
          agentId: 5,
          method: "mtr",
          privilegedMode: false,
          error: 'agent "x" is unreachable',
          createdAt: new Date(),
        });
        expect(stored).toMatchObject({ packetLoss: null, unreachable: true, agentId: 5, packetsSent: 0 });
        // The monitor's results still go with it.
        await repo.remove(1);
        expect(await repo.findResult(1, 7)).toBeUndefined();
      } finally {
        await handle.close();
      }
    } finally {
      before.cleanup();
      await database.drop();
    }
  });
});
