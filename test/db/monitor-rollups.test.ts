import { expect, test } from "bun:test";
import { asc, eq, sql } from "drizzle-orm";
import { createMonitorsRepository, type MonitorsRepository } from "../../src/diagnostics/monitors/monitors.repository";
import { bucketStart, mergeFigures, type RollupFigures, runFigures } from "../../src/history/rollups";
import { describeEachDialect, openForBlock } from "../helpers/db";

const HOUR = 3_600_000;

describeEachDialect("rollups written with each packet-loss result", (dialect) => {
  const opened = openForBlock(dialect);

  const newMonitor = (repo: MonitorsRepository) =>
    repo.insert({ host: "127.0.0.1", name: "rollups", interval: "10s", packetCount: 4, threshold: 5 });

  const hopsOf = (rtts: number[]) => [
    { number: 1, host: "10.213.1.1", ip: "10.213.1.1", loss: 0, sent: 4, recv: 4, avg: 0.2 },
    { number: 2, host: null, ip: null, loss: 100, sent: 4, recv: 0, avg: null },
    { number: 3, host: "target", ip: "10.213.3.2", loss: 25, sent: 4, recv: rtts.length, avg: rtts[0] ?? null },
  ];

  /** Records a run; with `mtr`, as a finished MTR run with hop data (the statements prepared once). */
  const record = (repo: MonitorsRepository, monitorId: number, at: number, rtts: number[], mtr = false) => {
    const packetsRecv = rtts.length;
    const packetLoss = ((4 - packetsRecv) / 4) * 100;
    const figures = runFigures({ packetsSent: 4, packetsRecv, packetLoss, rttSamplesMs: rtts });
    const result = mtr
      ? {
          minRtt: Math.min(...rtts),
          maxRtt: Math.max(...rtts),
          method: "mtr" as const,
          hopCount: 3,
          hops: hopsOf(rtts),
        }
      : { method: "ping" as const };
    return repo
      .recordRun({
        result: { monitorId, packetLoss, packetsSent: 4, packetsRecv, ...result, createdAt: new Date(at) },
        figures,
        state: "ok",
        transition: null,
      })
      .then(() => figures);
  };

  const stored = async (monitorId: number) => {
    const r = opened.handle.t.packetLossRollups;
    const rows = await opened.handle.db
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
    const repo = createMonitorsRepository(opened.handle);
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

  test("a run with hop data stores the same result and rollups as any other run", async () => {
    const repo = createMonitorsRepository(opened.handle);
    const monitor = await newMonitor(repo);
    const minute = bucketStart(Date.now() - 3 * HOUR, 60);
    const figures = [
      await record(repo, monitor.id, minute, [5.25, 6.5, 7.75], true),
      await record(repo, monitor.id, minute + 10_000, [8]),
      await record(repo, monitor.id, minute + 20_000, [9.5, 10], true),
    ];
    expect(await stored(monitor.id)).toEqual([
      expected(60, minute, figures),
      expected(3600, bucketStart(minute, 3600), figures),
    ]);
    const { rows } = await repo.history(monitor.id, 10, 0);
    const first = await repo.findResult(monitor.id, rows.at(-1)!.id);
    expect(first).toMatchObject({
      monitorId: monitor.id,
      packetLoss: 25,
      packetsSent: 4,
      packetsRecv: 3,
      minRtt: 5.25,
      maxRtt: 7.75,
      avgRtt: null,
      method: "mtr",
      privilegedMode: false,
      hopCount: 3,
      hops: hopsOf([5.25, 6.5, 7.75]),
      error: null,
      createdAt: new Date(minute),
    });
    expect((await repo.find(monitor.id))!.lastState).toBe("ok");
    // A run without hop data stores no value (SQL NULL), not JSON null.
    const [missing] = await opened.handle.rows<{ n: number | string }>(
      sql`select count(*) as n from packet_loss_results where id = ${rows[1]!.id} and hops is null`,
    );
    expect(Number(missing!.n)).toBe(1);
  });

  test("runs of several monitors stored at the same moment stay apart and exact", async () => {
    const repo = createMonitorsRepository(opened.handle);
    const monitors = await Promise.all([newMonitor(repo), newMonitor(repo), newMonitor(repo)]);
    const minute = bucketStart(Date.now() - 4 * HOUR, 60);
    const figures = new Map<number, RollupFigures[]>(monitors.map((m) => [m.id, []]));
    for (let round = 0; round < 4; round++) {
      const recorded = await Promise.all(
        monitors.map((m, k) => record(repo, m.id, minute + round * 10_000, [1 + k, 2 + round], round % 2 === 0)),
      );
      for (const [k, m] of monitors.entries()) figures.get(m.id)!.push(recorded[k]!);
    }
    for (const m of monitors) {
      expect(await stored(m.id)).toEqual([
        expected(60, minute, figures.get(m.id)!),
        expected(3600, bucketStart(minute, 3600), figures.get(m.id)!),
      ]);
      expect((await repo.history(m.id, 10, 0)).total).toBe(4);
    }
  });

  test("a run for a monitor deleted meanwhile stores nothing, and no other run with it", async () => {
    const repo = createMonitorsRepository(opened.handle);
    const monitor = await newMonitor(repo);
    const minute = bucketStart(Date.now() - 5 * HOUR, 60);
    await record(repo, monitor.id, minute, [3], true);
    await repo.remove(monitor.id);
    await expect(record(repo, monitor.id, minute + 10_000, [4], true)).rejects.toThrow();
    expect(await stored(monitor.id)).toEqual([]);
    // A failing run never takes a simultaneous good one down with it.
    const next = await newMonitor(repo);
    const kept: RollupFigures[] = [];
    for (let round = 0; round < 5; round++) {
      const [good, bad] = await Promise.allSettled([
        record(repo, next.id, minute + round * 10_000, [5 + round], true),
        record(repo, monitor.id, minute + round * 10_000, [6], true),
      ]);
      expect([good.status, bad.status]).toEqual(["fulfilled", "rejected"]);
      if (good.status === "fulfilled") kept.push(good.value);
    }
    expect(await stored(next.id)).toEqual([
      expected(60, minute, kept),
      expected(3600, bucketStart(minute, 3600), kept),
    ]);
    expect((await repo.history(next.id, 10, 0)).total).toBe(5);
  });

  test("writing goes on after the writer's connection is cut", async () => {
    const repo = createMonitorsRepository(opened.handle);
    const monitor = await newMonitor(repo);
    const minute = bucketStart(Date.now() - 6 * HOUR, 60);
    const kept = [await record(repo, monitor.id, minute, [2], true)];
    if (dialect.name === "postgres") {
      const cut = await opened.handle.rows<{ cut: boolean }>(
        sql`select pg_terminate_backend(pid) as cut from pg_stat_activity
            where application_name = 'netronome writer' and datname = current_database()`,
      );
      expect(cut.map((row) => row.cut)).toEqual([true]);
    }
    kept.push(await record(repo, monitor.id, minute + 10_000, [3], true));
    expect(await stored(monitor.id)).toEqual([
      expected(60, minute, kept),
      expected(3600, bucketStart(minute, 3600), kept),
    ]);
  });

  test("a bucket another writer changed in between is read and merged again, not overwritten", async () => {
    const first = createMonitorsRepository(opened.handle);
    const second = createMonitorsRepository(opened.handle);
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
    const repo = createMonitorsRepository(opened.handle);
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
