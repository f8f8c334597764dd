import { expect, test } from "bun:test";
import { chartPoints } from "../../src/speedtest/speedtest.chart";
import type { SpeedTestRow } from "../../src/speedtest/speedtest.repository";

const row = (id: number, fields: Partial<SpeedTestRow>): SpeedTestRow => ({
  id,
  testType: "iperf3",
  serverId: "iperf-1",
  serverName: "NAS",
  serverHost: "10.0.0.5:5201",
  downloadMbps: null,
  uploadMbps: null,
  latencyMs: null,
  jitterMs: null,
  packetLoss: null,
  udp: false,
  isp: null,
  bytesDownloaded: 0,
  bytesUploaded: 0,
  durationMs: 0,
  isScheduled: false,
  scheduleId: null,
  error: null,
  createdAt: new Date(id * 60_000),
  ...fields,
});

test("a UDP run adds its latency to the chart, but not its received rates or iperf3's jitter", () => {
  const points = chartPoints([
    row(1, { downloadMbps: 2300, uploadMbps: 2200, latencyMs: 0.2, jitterMs: 0.05 }),
    row(2, { downloadMbps: 99.7, uploadMbps: 99.9, latencyMs: 0.3, jitterMs: 0.02, packetLoss: 0.3, udp: true }),
    row(3, { downloadMbps: 1, error: "refused" }),
  ]);
  expect(points).toEqual([
    { t: 60_000, download: 2300, upload: 2200, latency: 0.2, jitter: 0.05 },
    { t: 120_000, download: null, upload: null, latency: 0.3, jitter: null },
  ]);
});
