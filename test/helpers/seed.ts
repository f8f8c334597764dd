/**
 * Realistic history for page tests and screenshots, written through the app's own repositories into a database a
 * server is then started on: a few days of speed tests (speedtest.net, LibreSpeed, iperf3 over TCP above 1 Gbit/s
 * and over UDP, one failed, and last a full speedtest.net run then a download-only one: 930/91 Mbit/s, 6.1 ms,
 * 0.41 ms, then 934.2 Mbit/s, 7.4 ms, 0.43 ms) and monitors with minutes of 10-second runs.
 */
import { openDatabase } from "../../src/db";
import { createMonitorsRepository, type MonitorRow } from "../../src/diagnostics/monitors/monitors.repository";
import { stateOf } from "../../src/diagnostics/monitors/state";
import { runFigures } from "../../src/history/rollups";
import { createSpeedtestRepository, type NewSpeedTest } from "../../src/speedtest/speedtest.repository";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A deterministic pseudo-random sequence, so screenshots and assertions do not change from run to run. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

export interface SeededHistory {
  monitors: MonitorRow[];
  /** The newest speed test (download-only, so its upload figure comes from the test before). */
  newestAt: Date;
}

function speedTest(at: number, fields: Partial<NewSpeedTest>): NewSpeedTest {
  return {
    testType: "speedtest",
    serverId: "21541",
    serverName: "Init7 (Zurich)",
    serverHost: "speedtest.init7.net:8080",
    bytesDownloaded: 0,
    bytesUploaded: 0,
    durationMs: 21_000,
    isScheduled: true,
    createdAt: new Date(at),
    ...fields,
  };
}

export async function seedHistory(
  path: string,
  o: { now?: number; monitorMinutes?: number; monitorsEnabled?: boolean } = {},
): Promise<SeededHistory> {
  const now = o.now ?? Date.now();
  const rnd = random(42);
  const db = await openDatabase({
    type: "sqlite",
    path,
    host: "",
    port: 0,
    user: "",
    password: "",
    dbname: "",
    sslmode: "disable",
  });
  try {
    const speed = createSpeedtestRepository(db);
    // Three days of scheduled speedtest.net runs every 6 hours, about 900/90 Mbit/s.
    for (let at = now - 72 * HOUR; at < now - 3 * HOUR; at += 6 * HOUR)
      await speed.insertResult(
        speedTest(at, {
          downloadMbps: 880 + rnd() * 60,
          uploadMbps: 85 + rnd() * 10,
          latencyMs: 6 + rnd() * 2,
          jitterMs: 0.4 + rnd() * 0.5,
          isp: "Init7",
        }),
      );
    await speed.insertResult(
      speedTest(now - 150 * MINUTE, {
        testType: "librespeed",
        serverId: "ls-1",
        serverName: "LibreSpeed Frankfurt",
        serverHost: "fra.librespeed.example",
        downloadMbps: 612.4,
        uploadMbps: 71.3,
        latencyMs: 14.2,
        jitterMs: 1.8,
        isScheduled: false,
      }),
    );
    // A failed run of an unknown server: must not appear in the chart's server filter.
    await speed.insertResult(
      speedTest(now - 120 * MINUTE, {
        serverId: "",
        serverName: "closest server",
        serverHost: "",
        isScheduled: false,
        error: "speedtest.net server list unavailable: www.speedtest.net could not be found (DNS lookup failed)",
      }),
    );
    await speed.insertResult(
      speedTest(now - 90 * MINUTE, {
        testType: "iperf3",
        serverId: "iperf-1",
        serverName: "Office NAS",
        serverHost: "10.0.0.5:5201",
        downloadMbps: 2348.6,
        uploadMbps: 2291.2,
        latencyMs: 0.21,
        jitterMs: 0.04,
        isScheduled: false,
      }),
    );
    await speed.insertResult(
      speedTest(now - 60 * MINUTE, {
        testType: "iperf3",
        serverId: "iperf-1",
        serverName: "Office NAS",
        serverHost: "10.0.0.5:5201",
        downloadMbps: 99.7,
        uploadMbps: 99.9,
        latencyMs: 0.23,
        jitterMs: 0.021,
        packetLoss: 0.31,
        udp: true,
        isScheduled: false,
      }),
    );
    // The two newest speedtest.net runs have known figures: a full one, then a download-only one.
    await speed.insertResult(
      speedTest(now - 40 * MINUTE, { downloadMbps: 930, uploadMbps: 91, latencyMs: 6.1, jitterMs: 0.41, isp: "Init7" }),
    );
    const newestAt = new Date(now - 20 * MINUTE);
    await speed.insertResult(
      speedTest(newestAt.getTime(), {
        downloadMbps: 934.2,
        uploadMbps: null,
        latencyMs: 7.4,
        jitterMs: 0.43,
        isScheduled: false,
      }),
    );

    // Monitors: a clean LAN host, a lossy path and one without runs yet.
    const monitorsRepo = createMonitorsRepository(db);
    const enabled = o.monitorsEnabled ?? false;
    const lan = await monitorsRepo.insert({
      host: "192.0.2.10",
      name: "Router",
      interval: "10s",
      packetCount: 10,
      threshold: 5,
      enabled,
    });
    const wan = await monitorsRepo.insert({
      host: "198.51.100.7",
      name: "Upstream gateway",
      interval: "10s",
      packetCount: 20,
      threshold: 2,
      enabled,
    });
    const fresh = await monitorsRepo.insert({
      host: "203.0.113.9",
      name: "New office",
      interval: "1h",
      packetCount: 10,
      threshold: 5,
      enabled: false,
    });
    const minutes = o.monitorMinutes ?? 15;
    for (const [m, baseRtt, lossRate] of [
      [lan, 0.35, 0],
      [wan, 11.5, 0.04],
    ] as const) {
      for (let at = now - minutes * MINUTE; at < now - 5_000; at += 10_000) {
        const sent = m.packetCount;
        const samples: number[] = [];
        for (let i = 0; i < sent; i++)
          if (rnd() >= lossRate) samples.push(Number((baseRtt * (0.85 + rnd() * 0.5)).toFixed(3)));
        const recv = samples.length;
        const packetLoss = ((sent - recv) / sent) * 100;
        const sorted = [...samples].sort((a, b) => a - b);
        const avg = recv ? samples.reduce((a, b) => a + b, 0) / recv : null;
        await monitorsRepo.recordRun({
          result: {
            monitorId: m.id,
            packetLoss,
            packetsSent: sent,
            packetsRecv: recv,
            minRtt: sorted[0] ?? null,
            avgRtt: avg,
            maxRtt: sorted.at(-1) ?? null,
            stdDevRtt: avg === null ? null : Math.sqrt(samples.reduce((s, v) => s + (v - avg) ** 2, 0) / recv),
            method: "ping",
            privilegedMode: false,
            createdAt: new Date(at),
          },
          figures: runFigures({ packetsSent: sent, packetsRecv: recv, packetLoss, rttSamplesMs: samples }),
          state: stateOf({ packetLoss, packetsRecv: recv }, m.threshold),
          transition: null,
        });
      }
      await monitorsRepo.touch(m.id, { lastRun: new Date(now - 5_000) });
    }
    return { monitors: [lan, wan, fresh], newestAt };
  } finally {
    await db.close();
  }
}
