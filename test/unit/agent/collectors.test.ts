import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../../src/core/log";
import { sampleBetween } from "../../../src/measure/collectors/bandwidth-procfs";
import { cpu, parseCpuInfo, parseCpuTimes, parseLoadAverage, usagePercent } from "../../../src/measure/collectors/cpu";
import { memory, parseArcSize, parseMeminfo } from "../../../src/measure/collectors/memory";
import { defaultInterface, parseNetDev } from "../../../src/measure/collectors/net-dev";
import { formatBytesPerSecond, vnstatRateString } from "../../../src/measure/collectors/rates";
import { categorize, temperatures } from "../../../src/measure/collectors/temperatures";
import { fixtureContext, fixturePaths } from "./host-fixtures";

const text = (host: "vm" | "nas" | "pi", path: string) => readFileSync(`${fixturePaths(host).proc}/${path}`, "utf8");

describe("cpu", () => {
  test("usage is the busy share of the jiffies between two readings (guest time not counted twice)", () => {
    const a = parseCpuTimes("cpu  100 0 100 700 100 0 0 0 50 0\n")!;
    const b = parseCpuTimes("cpu  200 0 200 1300 100 0 0 0 90 0\n")!;
    expect(a).toEqual({ total: 1000, idle: 800 });
    expect(usagePercent(a, b)).toBe(25);
    expect(usagePercent(b, b)).toBe(0);
    expect(parseCpuTimes("intr 1 2 3")).toBeNull();
  });

  test("model, physical cores, threads and clock from cpuinfo: this VM, a hyper-threaded i7, a Raspberry Pi", () => {
    expect(parseCpuInfo(text("vm", "cpuinfo"))).toEqual({ model: "AMD EPYC", cores: 2, threads: 2, frequency: 2445.4 });
    // 8 logical CPUs on 4 cores; the clock is the average of the per-CPU figures (3600…4300 MHz).
    expect(parseCpuInfo(text("nas", "cpuinfo"))).toEqual({
      model: "Intel(R) Core(TM) i7-7700 CPU @ 3.60GHz",
      cores: 4,
      threads: 8,
      frequency: 3950,
    });
    expect(parseCpuInfo(text("pi", "cpuinfo"))).toEqual({
      model: "Raspberry Pi 4 Model B Rev 1.4",
      cores: 4,
      threads: 4,
      frequency: 0,
    });
  });

  test("the collector reads the clock from cpufreq when cpuinfo has none, and the load average", () => {
    const pi = cpu.create(fixtureContext("pi"));
    expect(pi.info().frequency).toBe(1050);
    expect(pi.unsupported).toBe("/proc/stat is not readable".replace("/proc", fixturePaths("pi").proc));
    const nas = cpu.create(fixtureContext("nas"));
    expect(nas.unsupported).toBeNull();
    expect(nas.loadAverage()).toEqual([0.52, 0.58, 0.59]);
    expect(parseLoadAverage(null)).toEqual([0, 0, 0]);
  });

  test("each meter keeps its own window: another reader's calls never move it", async () => {
    const proc = mkdtempSync(join(tmpdir(), "netronome-proc-"));
    const stat = (busy: number, idle: number) =>
      writeFileSync(join(proc, "stat"), `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\n`);
    try {
      stat(0, 1000);
      const host = cpu.create({ ...fixtureContext("vm"), paths: { ...fixturePaths("vm"), proc } });
      const a = host.meter();
      const b = host.meter();
      // A first call samples for half a second (nothing changes in between here).
      expect(await a.usage()).toBe(0);
      stat(300, 1100);
      await Bun.sleep(1100);
      // b's first window also sees no change; a's window still starts at a's own last reading.
      expect(await b.usage()).toBe(0);
      expect(await a.usage()).toBe(75);
      // Within a second a meter repeats its figure instead of measuring a noisy sliver.
      stat(300, 5000);
      expect(await a.usage()).toBe(75);
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  });

  test("the real machine: usage within 0–100 after a short first sample", async () => {
    const started = performance.now();
    const usage = await cpu
      .create({ ...fixtureContext("vm"), paths: { ...fixturePaths("vm"), proc: "/proc" } })
      .meter()
      .usage();
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(usage).toBeWithin(0, 100.01);
  });

  test("a host without /proc/stat says so once and reports zero", async () => {
    const lines: string[] = [];
    const log = createLogger("info", "", (l) => lines.push(l));
    const pi = cpu.create({ ...fixtureContext("pi"), log });
    expect(await pi.meter().usage()).toBe(0);
    expect(await pi.meter().usage()).toBe(0);
    expect(lines.filter((l) => l.includes("CPU: not available"))).toHaveLength(1);
  });
});

describe("memory", () => {
  test("used is total − available; swap, cache and the ZFS ARC are reported", () => {
    const m = memory.create(fixtureContext("nas")).read();
    expect(m).toEqual({
      total: 16318412 * 1024,
      used: (16318412 - 9001168) * 1024,
      free: 1204220 * 1024,
      available: 9001168 * 1024,
      used_percent: 44.84,
      cached: (6718900 + 401200) * 1024,
      buffers: 312004 * 1024,
      zfs_arc: 4294967296,
      swap_total: 4194300 * 1024,
      swap_used: (4194300 - 3145725) * 1024,
      swap_percent: 25,
    });
  });

  test("a kernel without MemAvailable: free + buffers + cache; no swap, no ZFS", () => {
    const m = parseMeminfo(text("pi", "meminfo"));
    expect(m.available).toBe((2500000 + 10000 + 500000 + 20000) * 1024);
    expect(m.used).toBe(m.total - m.available);
    expect(m).toMatchObject({ swap_total: 0, swap_used: 0, swap_percent: 0, zfs_arc: 0 });
    expect(parseArcSize(null)).toBe(0);
    expect(parseArcSize(text("nas", "spl/kstat/zfs/arcstats"))).toBe(4294967296);
  });

  test("the real machine: figures add up", () => {
    const m = memory.create({ ...fixtureContext("vm"), paths: { ...fixturePaths("vm"), proc: "/proc" } }).read();
    expect(m.total).toBeGreaterThan(0);
    expect(m.used + m.available).toBe(m.total);
    expect(m.used_percent).toBeWithin(0, 100.01);
  });
});

describe("network counters", () => {
  test("/proc/net/dev: bytes and packets in both directions", () => {
    const dev = parseNetDev(text("nas", "net/dev"));
    expect(dev.get("eth1")).toEqual({ rxBytes: 987654321, rxPackets: 654321, txBytes: 123456789, txPackets: 234567 });
    expect([...dev.keys()]).toEqual(["lo", "eth1", "wlan0", "docker0"]);
    expect(parseNetDev(text("vm", "net/dev")).has("eth0")).toBe(true);
  });

  test("the default interface: the IPv4 default route with the lowest metric, else IPv6's, never lo", () => {
    expect(defaultInterface(fixturePaths("vm").proc)).toBe("eth0");
    expect(defaultInterface(fixturePaths("nas").proc)).toBe("eth1");
    // The Pi has only an IPv6 default route (and an unreachable one on lo).
    expect(defaultInterface(fixturePaths("pi").proc)).toBe("wlan0");
  });

  test("a live sample between two readings, shaped as vnstat's; counters going back give no sample", () => {
    const totals = { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0 };
    const from = { at: 1000, counters: { rxBytes: 1000, rxPackets: 10, txBytes: 500, txPackets: 5 } };
    const to = { at: 3000, counters: { rxBytes: 2_501_000, rxPackets: 2010, txBytes: 1500, txPackets: 15 } };
    expect(sampleBetween(from, to, 1, 0, totals)).toEqual({
      index: 1,
      seconds: 3,
      rx: {
        ratestring: "10.00 Mbit/s",
        bytespersecond: 1_250_000,
        packetspersecond: 1000,
        bytes: 2_500_000,
        packets: 2000,
        totalbytes: 2_500_000,
        totalpackets: 2000,
      },
      tx: {
        ratestring: "4.00 kbit/s",
        bytespersecond: 500,
        packetspersecond: 5,
        bytes: 1000,
        packets: 10,
        totalbytes: 1000,
        totalpackets: 10,
      },
    });
    const reset = { at: 4000, counters: { rxBytes: 10, rxPackets: 1, txBytes: 10, txPackets: 1 } };
    expect(sampleBetween(to, reset, 2, 0, totals)).toBeNull();
    expect(totals.rxBytes).toBe(2_500_000);
  });

  test("rate strings: vnstat's bits with decimal units, peaks in IEC bytes as the original agent", () => {
    expect(vnstatRateString(0)).toBe("0 bit/s");
    expect(vnstatRateString(105)).toBe("840 bit/s");
    expect(vnstatRateString(10_500)).toBe("84.00 kbit/s");
    expect(vnstatRateString(6_246_300)).toBe("49.97 Mbit/s");
    expect(vnstatRateString(1.25e9)).toBe("10.00 Gbit/s");
    expect(formatBytesPerSecond(0)).toBe("0 B/s");
    expect(formatBytesPerSecond(512)).toBe("512.00 B/s");
    expect(formatBytesPerSecond(1536)).toBe("1.50 KiB/s");
    expect(formatBytesPerSecond(37652091)).toBe("35.91 MiB/s");
    expect(formatBytesPerSecond(3 * 1024 ** 5)).toBe("3072.00 TiB/s");
  });
});

describe("temperatures", () => {
  test("hwmon sensors grouped cpu / storage / power / system, drives named, implausible readings dropped", () => {
    const readings = temperatures.create(fixtureContext("nas")).read();
    expect(readings).toEqual([
      { sensor_key: "coretemp_package_id_0", temperature: 55, label: "Package id 0", critical: 100, category: "cpu" },
      { sensor_key: "coretemp_core_0", temperature: 52, label: "Core 0", critical: 100, category: "cpu" },
      {
        sensor_key: "nvme_composite_nvme0",
        temperature: 41.9,
        label: "Samsung SSD 980 PRO 1TB Composite",
        critical: 84.9,
        category: "storage",
      },
      {
        sensor_key: "nvme_sensor_1",
        temperature: 45.9,
        label: "Samsung SSD 980 PRO 1TB Sensor 1",
        critical: 0,
        category: "storage",
      },
      {
        sensor_key: "nvme_composite_nvme1",
        temperature: 38.9,
        label: "WD Blue SN570 1TB Composite",
        critical: 84.9,
        category: "storage",
      },
      { sensor_key: "acpitz", temperature: 27.8, label: "acpitz", critical: 119, category: "system" },
      { sensor_key: "bat0", temperature: 30.1, label: "BAT0", critical: 0, category: "power" },
      {
        sensor_key: "drivetemp",
        temperature: 35,
        label: "WDC WD40EFRX-68N drivetemp",
        critical: 85,
        category: "storage",
      },
    ]);
  });

  test("thermal zones when no hwmon driver reports, with the critical trip point", () => {
    expect(temperatures.create(fixtureContext("pi")).read()).toEqual([
      { sensor_key: "cpu-thermal", temperature: 48.3, label: "cpu-thermal", critical: 90, category: "cpu" },
    ]);
  });

  test("a host without sensors says so once, at construction", () => {
    const lines: string[] = [];
    const t = temperatures.create({ ...fixtureContext("vm"), log: createLogger("info", "", (l) => lines.push(l)) });
    expect(t.unsupported).toContain("no sensors");
    expect(t.read()).toEqual([]);
    t.read();
    expect(lines.filter((l) => l.includes("Temperatures: not available"))).toHaveLength(1);
  });

  test("categories from driver names and labels", () => {
    expect(categorize("k10temp", "Tctl")).toBe("cpu");
    expect(categorize("cpu_thermal", "")).toBe("cpu");
    expect(categorize("drivetemp", "")).toBe("storage");
    expect(categorize("BAT1", "")).toBe("power");
    expect(categorize("pch_cannonlake", "")).toBe("system");
    expect(categorize("acpitz", "CPU")).toBe("cpu");
    expect(categorize("amdgpu", "edge")).toBe("system");
  });
});
