/** Bus events to checks and words: which notification events each bus event concerns, and what the message says. */
import { describe, expect, test } from "bun:test";
import type { MonitorRow, ResultSummary } from "../../src/diagnostics/monitors/monitors.repository";
import { eventKey } from "../../src/notify/catalogue";
import { checksFor } from "../../src/notify/checks";
import { noticeFor } from "../../src/notify/messages";
import type { AppEvent } from "../../src/server/events";
import type { SpeedTestRow } from "../../src/speedtest/speedtest.repository";

const AT = new Date("2026-12-03T10:00:00Z");
const summary = (checks: ReturnType<typeof checksFor>) =>
  checks.map((c) => [eventKey(c.event), c.value ?? c.breached, c.subject]);

const speedTest = (o: Partial<SpeedTestRow>): SpeedTestRow =>
  ({
    id: 1,
    testType: "iperf3",
    serverId: "lab",
    serverName: "lab",
    serverHost: "10.0.0.2:5201",
    downloadMbps: 940.5,
    uploadMbps: 410.25,
    latencyMs: 0.8,
    jitterMs: 0.1,
    packetLoss: null,
    isp: null,
    bytesDownloaded: 1,
    bytesUploaded: 1,
    durationMs: 1,
    isScheduled: true,
    scheduleId: 2,
    error: null,
    createdAt: AT,
    ...o,
  }) as SpeedTestRow;

const monitor = { id: 3, name: "gateway", host: "192.0.2.1", threshold: 5, lastStateChange: AT } as MonitorRow;
const result = (o: Partial<ResultSummary>) =>
  ({
    packetLoss: 0,
    packetsSent: 10,
    packetsRecv: 10,
    avgRtt: 1.234,
    error: null,
    createdAt: AT,
    ...o,
  }) as ResultSummary;

describe("checks", () => {
  test("a finished speed test: failed (no), complete, latency, download, upload", () => {
    const checks = checksFor({ type: "speedtest.finished", run: {} as never, result: speedTest({}) } as AppEvent);
    expect(summary(checks)).toEqual([
      ["speedtest.failed", false, "speedtest"],
      ["speedtest.complete", true, "speedtest"],
      ["speedtest.ping_high", 0.8, "speedtest"],
      ["speedtest.download_low", 940.5, "speedtest"],
      ["speedtest.upload_low", 410.25, "speedtest"],
    ]);
  });

  test("a failed speed test is only a failure, with its error", () => {
    const checks = checksFor({
      type: "speedtest.finished",
      run: {} as never,
      result: speedTest({ error: "connection refused", downloadMbps: null, uploadMbps: null, latencyMs: null }),
    } as AppEvent);
    expect(summary(checks)).toEqual([["speedtest.failed", true, "speedtest"]]);
    const n = noticeFor(checks[0]!, null, false);
    expect(n).toMatchObject({ title: "Speed test failed: lab (iperf3)", severity: "critical" });
    expect(n.message).toBe("The speed test against lab (iperf3) failed: connection refused");
  });

  test("a monitor result: loss against the monitor's threshold, and down when nothing came back", () => {
    const ok = checksFor({
      type: "packetloss.finished",
      update: {} as never,
      monitor,
      result: result({ packetLoss: 20 }),
    });
    expect(summary(ok)).toEqual([
      ["packetloss.threshold_exceeded", 20, "monitor:3"],
      ["packetloss.monitor_down", false, "monitor:3"],
    ]);
    expect(ok[0]!.ownThreshold).toBe(5);
    const down = checksFor({
      type: "packetloss.finished",
      update: {} as never,
      monitor,
      result: result({ packetLoss: 100, packetsRecv: 0 }),
    });
    expect(down[1]!.breached).toBe(true);
    expect(noticeFor(down[1]!, null, false).title).toBe("gateway is down");
    expect(noticeFor(down[1]!, null, true).title).toBe("gateway answers again");
  });

  test("a monitor back to ok from down or threshold is 'recovered'; from unknown it is not", () => {
    const back = checksFor({
      type: "packetloss.state",
      monitor,
      transition: { from: "down", to: "ok", packetLoss: 0 },
    });
    expect(summary(back)).toEqual([["packetloss.monitor_recovered", true, "monitor:3"]]);
    expect(noticeFor(back[0]!, null, false).message).toBe("The monitor gateway is back to normal (it was down).");
    expect(
      checksFor({ type: "packetloss.state", monitor, transition: { from: "unknown", to: "ok", packetLoss: 0 } }),
    ).toEqual([]);
  });

  test("agents: offline with its reason, online only after having been away", () => {
    const base = { agentId: 7, agentName: "nas", at: AT.getTime() };
    const off = checksFor({
      ...base,
      type: "agent.state",
      from: "online",
      to: "offline",
      reason: "connection refused",
    });
    expect(summary(off)).toEqual([["agent.offline", true, "agent:7"]]);
    expect(noticeFor(off[0]!, null, false).message).toBe("The hub lost agent nas: connection refused");
    const on = checksFor({ ...base, type: "agent.state", from: "offline", to: "online" });
    expect(summary(on)).toEqual([
      ["agent.offline", false, "agent:7"],
      ["agent.online", true, "agent:7"],
    ]);
    expect(summary(checksFor({ ...base, type: "agent.state", from: null, to: "online" }))).toEqual([
      ["agent.offline", false, "agent:7"],
    ]);
  });

  test("agent metrics and live rates: one check per known figure, bandwidth in Mbit/s", () => {
    const base = { agentId: 7, agentName: "nas", at: AT.getTime() };
    const m = checksFor({
      ...base,
      type: "agent.metrics",
      metrics: {
        cpuPercent: 97,
        memoryPercent: null,
        diskUsedPercentMax: 91.5,
        temperatureMaxC: 71,
        temperatureSensor: "nvme0",
      },
    });
    expect(summary(m)).toEqual([
      ["agent.cpu_high", 97, "agent:7"],
      ["agent.disk_space_low", 91.5, "agent:7"],
      ["agent.temperature_high", 71, "agent:7"],
    ]);
    const live = checksFor({ ...base, type: "agent.live", rxBytesPerSecond: 100e6, txBytesPerSecond: 25e6 });
    expect(live[0]!.value).toBe(1000);
    const n = noticeFor(live[0]!, { operator: "gt", threshold: 900 }, false);
    expect(n).toMatchObject({ title: "Bandwidth high on nas: 1000 Mbit/s", severity: "warning", threshold: 900 });
    expect(n.message).toBe("Bandwidth on nas is 1000 Mbit/s, above the threshold of 900 Mbit/s.");
  });

  test("progress and other events concern no rule", () => {
    expect(checksFor({ type: "speedtest.started", run: {} as never })).toEqual([]);
  });
});
