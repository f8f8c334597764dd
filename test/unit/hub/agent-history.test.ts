/** The pieces of agent history that need no database: series from a reading, backoff, usage, chart steps. */
import { describe, expect, test } from "bun:test";
import { chartPlan } from "../../../src/history/chart";
import { gaugeOf, gaugeRollups, mergeGauges } from "../../../src/history/gauges";
import { chartSeries } from "../../../src/hub/agent-chart";
import { backoffDelay } from "../../../src/hub/agent-connection";
import { hardwareSamples, metricsOf } from "../../../src/hub/agent-metrics";
import { usageOf } from "../../../views/agents/usage";
import { startFakeAgent } from "../../servers/agent-server";

const fake = startFakeAgent({ intervalMs: 60_000 });
const hardware = structuredClone(fake.hardware);
const historical = structuredClone(fake.historical);
void fake.stop();

describe("agent history pieces", () => {
  test("a hardware reading becomes one series per metric, mount and sensor", () => {
    const samples = hardwareSamples(hardware);
    expect(samples.map((s) => [s.metric, s.label])).toEqual([
      ["cpu", ""],
      ["memory", ""],
      ["load", ""],
      ["swap", ""],
      ["disk", "/"],
      ["disk", "/mnt/storage"],
      ["temperature", "k10temp_tctl"],
      ["temperature", "nvme_composite"],
      ["temperature", "acpitz_0"],
    ]);
    expect(samples[0]!.figures).toEqual({ count: 1, sum: 23.5, min: 23.5, max: 23.5 });
  });

  test("duplicate mounts or sensors are counted once (one bucket row each)", () => {
    const twice = { ...hardware, disks: [...hardware.disks, hardware.disks[0]!] };
    expect(hardwareSamples(twice).filter((s) => s.metric === "disk")).toHaveLength(2);
  });

  test("metrics for notifications: the fullest disk and the hottest sensor", () => {
    expect(metricsOf(hardware)).toEqual({
      cpuPercent: 23.5,
      memoryPercent: 38.75,
      diskUsedPercentMax: 71.1,
      temperatureMaxC: 48.5,
      temperatureSensor: "CPU Tctl",
    });
    expect(metricsOf({ ...hardware, disks: [], temperature: [] })).toMatchObject({
      diskUsedPercentMax: null,
      temperatureMaxC: null,
      temperatureSensor: null,
    });
  });

  test("gauges merge exactly and fall into 1-minute and 1-hour buckets", () => {
    const g = mergeGauges(mergeGauges(null, gaugeOf(10)), gaugeOf(30));
    expect(g).toEqual({ count: 2, sum: 40, min: 10, max: 30 });
    const at = Date.UTC(2026, 11, 3, 10, 17, 42);
    expect(gaugeRollups(at, g).map((r) => [r.resolution, r.bucketStart.toISOString()])).toEqual([
      [60, "2026-12-03T10:17:00.000Z"],
      [3600, "2026-12-03T10:00:00.000Z"],
    ]);
  });

  test("backoff doubles from 1 s with jitter and never exceeds reconnect_interval", () => {
    const cap = 30_000;
    expect(backoffDelay(1, cap, () => 0)).toBe(500);
    expect(backoffDelay(1, cap, () => 1)).toBe(1000);
    expect(backoffDelay(3, cap, () => 1)).toBe(4000);
    for (let attempt = 1; attempt < 40; attempt++)
      for (const r of [0, 0.5, 0.999]) {
        const d = backoffDelay(attempt, cap, () => r);
        expect(d).toBeLessThanOrEqual(cap);
        expect(d).toBeGreaterThanOrEqual(Math.min(cap, 1000 * 2 ** (attempt - 1)) / 2);
      }
    expect(backoffDelay(10, 2000, () => 1)).toBe(2000);
  });

  test("usage today, over 7 days and this month, in the agent's calendar", () => {
    const eth0 = historical.interfaces[0]!;
    const now = new Date(historical.server_time);
    const u = usageOf(eth0, now, 0);
    const days = eth0.traffic.day!;
    const last = days.at(-1)!;
    expect(u.today).toEqual({ rx: last.rx, tx: last.tx });
    const week = days.slice(-7).reduce((a, e) => ({ rx: a.rx + e.rx, tx: a.tx + e.tx }), { rx: 0, tx: 0 });
    expect(u.week).toEqual(week);
    expect(u.month).toEqual({ rx: eth0.traffic.month!.at(-1)!.rx, tx: eth0.traffic.month!.at(-1)!.tx });
    expect(usageOf({ name: "x", alias: "", traffic: { total: { rx: 0, tx: 0 } } }, now, 0)).toEqual({
      today: null,
      week: null,
      month: null,
    });
  });

  test("chart series: one value per step, null where the agent was not heard from", () => {
    const now = Date.UTC(2026, 11, 3, 12, 0, 30);
    const plan = chartPlan({ range: "1d", now, runSpacingSeconds: 30, minuteRetentionDays: 3, firstBucket: null });
    expect(plan.stepSeconds).toBe(60);
    const t0 = plan.from;
    const chart = chartSeries(plan, [
      { metric: "cpu", label: "", t: t0, count: 2, sum: 30, min: 10, max: 20 },
      { metric: "cpu", label: "", t: t0 + 120_000, count: 1, sum: 50, min: 50, max: 50 },
      { metric: "disk", label: "/", t: t0 + 60_000, count: 2, sum: 80, min: 40, max: 40 },
    ]);
    expect(chart.times).toHaveLength(1441);
    const cpu = chart.series.find((s) => s.metric === "cpu")!;
    expect(cpu.avg.slice(0, 4)).toEqual([15, null, 50, null]);
    expect(cpu.max.slice(0, 3)).toEqual([20, null, 50]);
    expect(chart.series.find((s) => s.metric === "disk")!.avg.slice(0, 2)).toEqual([null, 40]);
  });
});
