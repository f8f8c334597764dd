/** The dashboard's queries on both dialects: per-server figures, the server filter, every monitor's newest result. */
import { expect, test } from "bun:test";
import { createMonitorsRepository } from "../../src/diagnostics/monitors/monitors.repository";
import { runFigures } from "../../src/history/rollups";
import { createSpeedtestRepository, type NewSpeedTest } from "../../src/speedtest/speedtest.repository";
import { describeEachDialect, openForBlock } from "../helpers/db";

const MINUTE = 60_000;
const now = Date.UTC(2026, 11, 3, 12, 0, 0);

const result = (minutesAgo: number, fields: Partial<NewSpeedTest>): NewSpeedTest => ({
  testType: "speedtest",
  serverId: "21541",
  serverName: "Init7",
  serverHost: "init7:8080",
  createdAt: new Date(now - minutesAgo * MINUTE),
  ...fields,
});

describeEachDialect("the dashboard's queries", (dialect) => {
  const opened = openForBlock(dialect);

  test("figures come from one server and provider; UDP and failed runs never count", async () => {
    const repo = createSpeedtestRepository(opened.handle);
    await repo.insertResult(result(60, { downloadMbps: 900, uploadMbps: 90, latencyMs: 6, jitterMs: 0.4 }));
    await repo.insertResult(
      result(50, { testType: "iperf3", serverId: "iperf-1", serverName: "NAS", downloadMbps: 2300, uploadMbps: 2200 }),
    );
    await repo.insertResult(
      result(45, { testType: "iperf3", serverId: "iperf-1", serverName: "NAS", uploadMbps: 99, udp: true }),
    );
    await repo.insertResult(result(40, { uploadMbps: 1, error: "timed out" }));
    await repo.insertResult(result(30, { downloadMbps: 930, uploadMbps: null, latencyMs: 7, jitterMs: 0.5 }));

    const [latest] = await repo.latestSuccessful(1);
    expect(latest).toMatchObject({ serverId: "21541", downloadMbps: 930 });
    const server = { serverId: "21541", testType: "speedtest" } as const;
    expect((await repo.latestValues("downloadMbps", server)).map((v) => v.value)).toEqual([930, 900]);
    // The newest test measured no upload: the newest upload there is the one before, and nothing precedes it.
    expect(await repo.latestValues("uploadMbps", server)).toEqual([
      { value: 90, createdAt: new Date(now - 60 * MINUTE) },
    ]);
    expect(
      (await repo.latestValues("uploadMbps", { serverId: "iperf-1", testType: "iperf3" })).map((v) => v.value),
    ).toEqual([2200]);
  });

  test("the server filter lists each server once, under its newest name, and none that only failed", async () => {
    const repo = createSpeedtestRepository(opened.handle);
    await repo.insertResult(result(20, { serverName: "Init7 (Zurich)", downloadMbps: 920 }));
    await repo.insertResult(result(10, { serverId: "", serverName: "closest server", error: "DNS lookup failed" }));
    await repo.insertResult(result(5, { serverId: "999", serverName: "Never worked", error: "refused" }));
    expect(await repo.distinctServers()).toEqual([
      { serverId: "21541", serverName: "Init7 (Zurich)", testType: "speedtest" },
      { serverId: "iperf-1", serverName: "NAS", testType: "iperf3" },
    ]);
  });

  test("every monitor's newest result, in one query", async () => {
    const repo = createMonitorsRepository(opened.handle);
    const monitor = (name: string) =>
      repo.insert({ host: "127.0.0.1", name, interval: "10s", packetCount: 2, threshold: 5 });
    const [a, b] = [await monitor("a"), await monitor("b")];
    await monitor("never run");
    for (const [m, minutesAgo, recv] of [
      [a, 3, 2],
      [b, 2, 1],
      [a, 1, 0],
    ] as const) {
      const packetLoss = ((2 - recv) / 2) * 100;
      await repo.recordRun({
        result: {
          monitorId: m.id,
          packetLoss,
          packetsSent: 2,
          packetsRecv: recv,
          method: "ping",
          createdAt: new Date(now - minutesAgo * MINUTE),
        },
        figures: runFigures({ packetsSent: 2, packetsRecv: recv, packetLoss, rttSamplesMs: Array(recv).fill(1) }),
        state: "ok",
        transition: null,
      });
    }
    const newest = await repo.latestOfEach();
    expect(newest.map((r) => [r.monitorId, r.packetLoss]).sort()).toEqual([
      [a.id, 100],
      [b.id, 50],
    ]);
  });
});
