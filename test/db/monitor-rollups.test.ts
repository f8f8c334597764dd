import { afterAll, beforeAll, expect, test } from "bun:test";
import { asc, eq } from "drizzle-orm";
import { type DbHandle, openDatabase } from "../../src/db";
import { createMonitorsRepository, type MonitorsRepository } from "../../src/diagnostics/monitors/monitors.repository";
import { bucketStart, mergeFigures, type RollupFigures, runFigures } from "../../src/history/rollups";
import { describeEachDialect, type TestDatabase } from "../helpers/db";

const HOUR = 3_600_000;

describeEachDialect("rollups written with each packet-loss result", (dialect) => {
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

  const newMonitor = (repo: MonitorsRepository) =>
    repo.insert({ host: "127.0.0.1", name: "rollups", interval: "10s", packetCount: 4, threshold: 5 });

  const record = (repo: MonitorsRepository, monitorId: number, at: number, rtts: number[]) => {
    const packetsRecv = rtts.length;
    const packetLoss = ((4 - packetsRecv) / 4) * 100;
    const figures = runFigures({ packetsSent: 4, packetsRecv, packetLoss, rttSamplesMs: rtts });
    return repo
      .recordRun({
        result: { monitorId, packetLoss, packetsSent: 4, packetsRecv, method: "ping", createdAt: new Date(at) },
        figures,
        state: "ok",
        transition: null,
      })
      .then(() => figures);
  };

  const stored = async (monitorId: number) => {
    const r = h.t.packetLossRollups;
    const rows = await h.db
      .select()
      .from(r)
      .where(eq(r.monitorId, monitorId))
      .orderBy(asc(r.resolution), asc(r.bucketStart));
    return rows.map(({ resolution, bucketStart, runs, packetsSent, packetsRecv, rttCount, rttSum, histogram }) => ({
      resolution,
      bucketStart: bucketStart.getTime(),
      runs,
      packetsSent,
      packetsRecv,
      rttCount,
      rttSum: Number(rttSum.toFixed(9)),
      histogram,
    }));
  };

  const expected = (resolution: number, start: number, figures: RollupFigures[]) => {
    const merged = figures.reduce(mergeFigures);
    return {
      resolution,
      bucketStart: start,
      runs: merged.runs,
      packetsSent: merged.packetsSent,
      packetsRecv: merged.packetsRecv,
      rttCount: merged.rttCount,
      rttSum: Number(merged.rttSum.toFixed(9)),
      histogram: merged.histogram,
    };
  };

  test("runs into the same buckets add up exactly, across minute boundaries", async () => {
    const repo = createMonitorsRepository(h);
    const monitor = await newMonitor(repo);
    const hour = bucketStart(Date.now() - 2 * HOUR, 3600);
    const runs: { at: number; figures: RollupFigures }[] = [];
    for (let i = 0; i < 9; i++) {
      const at = hour + i * 20_000;
      runs.push({ at, figures: await record(repo, monitor.id, at, [1 + i, 2 + i, 40 + i].slice(0, 1 + (i % 3))) });
    }
    const minutes = [0, 1, 2].map((k) => hour + k * 60_000);
    expect(await stored(monitor.id)).toEqual([
      ...minutes.map((start) =>
        expected(
          60,
          start,
          runs.filter((run) => bucketStart(run.at, 60) === start).map((run) => run.figures),
        ),
      ),
      expected(
        3600,
        hour,
        runs.map((run) => run.figures),
      ),
    ]);
  });

  test("a bucket another writer changed in between is read and merged again, not overwritten", async () => {
    const first = createMonitorsRepository(h);
    const second = createMonitorsRepository(h);
    const monitor = await newMonitor(first);
    const minute = bucketStart(Date.now() - HOUR, 60);
    // Both repositories remember the bucket they last wrote; each write lands behind the other's back.
    const figures = [
      await record(first, monitor.id, minute, [5]),
      await record(second, monitor.id, minute + 10_000, [6, 7]),
      await record(first, monitor.id, minute + 20_000, [8, 9, 10]),
      await record(second, monitor.id, minute + 30_000, [11]),
      await record(second, monitor.id, minute + 40_000, []),
    ];
    expect(await stored(monitor.id)).toEqual([
      expected(60, minute, figures),
      expected(3600, bucketStart(minute, 3600), figures),
    ]);
  });

  test("a failed write changes no bucket and leaves the next write exact", async () => {
    const repo = createMonitorsRepository(h);
    const monitor = await newMonitor(repo);
    const minute = bucketStart(Date.now() - HOUR, 60);
    const kept = [await record(repo, monitor.id, minute, [3, 4])];
    // A result with no method violates NOT NULL, so the whole transaction rolls back.
    const broken = repo.recordRun({
      result: {
        monitorId: monitor.id,
        packetLoss: 0,
        packetsSent: 4,
        packetsRecv: 4,
        method: null as unknown as "ping",
        createdAt: new Date(minute + 10_000),
      },
      figures: runFigures({ packetsSent: 4, packetsRecv: 4, packetLoss: 0, rttSamplesMs: [1, 1, 1, 1] }),
      state: "ok",
      transition: null,
    });
    await expect(broken).rejects.toThrow();
    expect(await stored(monitor.id)).toEqual([
      expected(60, minute, kept),
      expected(3600, bucketStart(minute, 3600), kept),
    ]);
    kept.push(await record(repo, monitor.id, minute + 20_000, [7]));
    expect(await stored(monitor.id)).toEqual([
      expected(60, minute, kept),
      expected(3600, bucketStart(minute, 3600), kept),
    ]);
  });
});
