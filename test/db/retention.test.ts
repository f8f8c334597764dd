import { afterAll, beforeAll, expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { createMonitorsRepository } from "../../src/diagnostics/monitors/monitors.repository";
import { createHistoryRepository } from "../../src/history/history.repository";
import { pruneHistory, RETENTION_JOB_ID, retentionRules } from "../../src/history/retention";
import { runFigures } from "../../src/history/rollups";
import { createNotifyRepository } from "../../src/notify/notify.repository";
import { createSpeedtestRepository } from "../../src/speedtest/speedtest.repository";
import { startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";

const DAY = 86_400_000;
/** The [retention] keys of agent history, which these rules leave to the hub's own. */
const AGENT_DEFAULTS = { agent_raw_days: 1, agent_minute_days: 3, agent_hour_days: 0 };

describeEachDialect("history retention", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  const now = Date.now();
  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database);
    const monitors = createMonitorsRepository(t.db);
    const speedtests = createSpeedtestRepository(t.db);
    const monitor = await monitors.insert({
      host: "127.0.0.1",
      name: "old",
      interval: "1h",
      packetCount: 4,
      threshold: 5,
    });
    for (const ageDays of [1, 10, 40, 400]) {
      const createdAt = new Date(now - ageDays * DAY);
      await monitors.recordRun({
        result: {
          monitorId: monitor.id,
          packetLoss: 0,
          packetsSent: 4,
          packetsRecv: 4,
          avgRtt: 1,
          method: "ping",
          createdAt,
        },
        figures: runFigures({ packetsSent: 4, packetsRecv: 4, packetLoss: 0, rttSamplesMs: [1, 1, 1, 1] }),
        state: "ok",
        transition: null,
      });
      await speedtests.insertResult({ testType: "iperf3", serverId: "x", serverName: "x", serverHost: "x", createdAt });
    }
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const counts = async () => {
    const { db, t: tables } = t.db;
    const [results] = await db.select({ n: count() }).from(tables.packetLossResults);
    const [speedTests] = await db.select({ n: count() }).from(tables.speedTests);
    return {
      results: Number(results!.n),
      speedTests: Number(speedTests!.n),
      rollups: Object.fromEntries(
        (
          await db
            .select({ resolution: tables.packetLossRollups.resolution, n: count() })
            .from(tables.packetLossRollups)
            .groupBy(tables.packetLossRollups.resolution)
        ).map((row) => [row.resolution, Number(row.n)]),
      ),
    };
  };

  test("raw results go after raw_days, minute rollups after minute_days, hourly ones never with hour_days 0", async () => {
    const rules = retentionRules(
      { ...AGENT_DEFAULTS, raw_days: 7, minute_days: 30, hour_days: 0, speedtest_days: 0, notification_days: 0 },
      createHistoryRepository(t.db),
      createNotifyRepository(t.db),
    );
    expect(await counts()).toEqual({ results: 4, speedTests: 4, rollups: { 60: 4, 3600: 4 } });
    const report = await pruneHistory(rules, now);
    expect(report).toEqual([
      { what: "packet-loss results", deleted: 3 },
      { what: "1-minute packet-loss rollups", deleted: 2 },
    ]);
    // Charts still have every hour: the rollups outlive the raw rows they came from.
    expect(await counts()).toEqual({ results: 1, speedTests: 4, rollups: { 60: 2, 3600: 4 } });
  });

  test("hourly rollups and speed tests go when their limits are set; running again deletes nothing more", async () => {
    const rules = retentionRules(
      { ...AGENT_DEFAULTS, raw_days: 7, minute_days: 30, hour_days: 365, speedtest_days: 30, notification_days: 0 },
      createHistoryRepository(t.db),
      createNotifyRepository(t.db),
    );
    await pruneHistory(rules, now);
    expect(await counts()).toEqual({ results: 1, speedTests: 2, rollups: { 60: 2, 3600: 3 } });
    expect((await pruneHistory(rules, now)).every((r) => r.deleted === 0)).toBe(true);
  });

  test("start() puts the hourly pruning job on the scheduler", async () => {
    await t.start();
    const job = t.services.scheduler.get(RETENTION_JOB_ID);
    expect(job?.interval.text).toBe("1h");
    expect(job!.nextRun.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
  });
});
