/** Storing agent polls on both dialects: rollups that merge exactly, system rows, vnstat per interface, retention. */
import { beforeAll, expect, test } from "bun:test";
import { and, count, eq, sql } from "drizzle-orm";
import { openDatabase } from "../../src/db";
import { type GaugeFigures, gaugeBuckets, gaugeOf, mergeGauges } from "../../src/history/gauges";
import { pruneHistory } from "../../src/history/retention";
import { createAgentHistoryRepository } from "../../src/hub/agent-history.repository";
import { hardwareSamples, type SeriesSample } from "../../src/hub/agent-metrics";
import { agentRetentionRules } from "../../src/hub/agent-retention";
import { type AgentsRepository, createAgentsRepository } from "../../src/hub/agents.repository";
import { describeEachDialect, openForBlock } from "../helpers/db";
import { startFakeAgent } from "../servers/agent-server";

const fake = startFakeAgent({ intervalMs: 60_000 });
const docs = {
  system: structuredClone(fake.system),
  hardware: structuredClone(fake.hardware),
  historical: structuredClone(fake.historical),
  peaks: structuredClone(fake.peaks),
};
void fake.stop();
const system = { ...docs.system, agentVersion: "0.1.0", protocolVersion: 1, bandwidthSource: "vnstat" };
const DAY = 86_400_000;

describeEachDialect("agent history storage", (dialect) => {
  const db = openForBlock(dialect);
  let repo: AgentsRepository;
  let agentId: number;
  beforeAll(async () => {
    repo = createAgentsRepository(db.handle);
    agentId = (await repo.insert({ name: "a", url: "http://127.0.0.1:8200/events?stream=live-data" })).id;
  });

  const rollups = async (metric: string, resolution: number) => {
    const r = db.handle.t.agentRollups;
    return db.handle.db
      .select()
      .from(r)
      .where(and(eq(r.agentId, agentId), eq(r.metric, metric), eq(r.resolution, resolution)));
  };

  test("two polls in one minute merge into one bucket per resolution: counts and sums add, extremes hold", async () => {
    const at = Date.UTC(2026, 11, 3, 10, 15, 5);
    const first = { ...docs.hardware, cpu: { ...docs.hardware.cpu, usage_percent: 10 } };
    const second = { ...docs.hardware, cpu: { ...docs.hardware.cpu, usage_percent: 50 } };
    await repo.recordPoll({ agentId, at: new Date(at), system, hardware: first, samples: hardwareSamples(first) });
    await repo.recordPoll({
      agentId,
      at: new Date(at + 30_000),
      hardware: second,
      samples: [
        ...hardwareSamples(second),
        { metric: "rx", label: "", figures: { count: 30, sum: 3000, min: 10, max: 900 } },
      ],
    });
    for (const resolution of [60, 3600]) {
      const [cpu] = await rollups("cpu", resolution);
      expect(cpu).toMatchObject({ count: 2, sum: 60, min: 10, max: 50 });
    }
    const [rx] = await rollups("rx", 60);
    expect(rx).toMatchObject({ count: 30, sum: 3000, min: 10, max: 900 });
    const s = db.handle.t.agentSamples;
    const [raw] = await db.handle.db
      .select({ n: count() })
      .from(s)
      .where(and(eq(s.agentId, agentId), eq(s.metric, "cpu")));
    expect(Number(raw!.n)).toBe(2);
  });

  test("a poll with another number of series (a disk mounted) uses its own prepared statement and merges the same", async () => {
    const at = Date.UTC(2026, 11, 3, 11, 0, 5);
    const disks = [...docs.hardware.disks, { ...docs.hardware.disks[0]!, path: "/mnt/new", used_percent: 3 }];
    for (const [offset, hw] of [
      [0, docs.hardware],
      [20_000, { ...docs.hardware, disks }],
      [40_000, { ...docs.hardware, disks }],
    ] as const)
      await repo.recordPoll({ agentId, at: new Date(at + offset), samples: hardwareSamples(hw) });
    const minute = (await rollups("disk", 60)).filter((r) => r.bucketStart.getTime() === at - 5000);
    expect(minute.map((r) => [r.label, r.count]).sort()).toEqual([
      ["/", 3],
      ["/mnt/new", 2],
      ["/mnt/storage", 3],
    ]);
  });

  test("hardware alone keeps the system facts; interfaces follow the agent (removed ones go)", async () => {
    let info = await repo.systemInfo(agentId);
    expect(info).toMatchObject({
      hostname: "nas-01",
      kernel: "Linux 6.1.0-18-amd64",
      cpuCores: 8,
      agentVersion: "0.1.0",
    });
    expect((await repo.interfaces(agentId)).map((i) => i.name)).toEqual(["eth0", "wg0"]);
    const { wg0: _gone, ...rest } = system.interfaces;
    await repo.recordPoll({
      agentId,
      at: new Date(),
      system: { ...system, interfaces: rest, uptime: 99 },
      samples: [],
    });
    info = await repo.systemInfo(agentId);
    expect(info?.uptimeSeconds).toBe(99);
    expect(info?.hardware).not.toBeNull();
    const ifaces = await repo.interfaces(agentId);
    expect(ifaces.map((i) => i.name)).toEqual(["eth0"]);
    expect(ifaces[0]).toMatchObject({ linkSpeed: 1000, isUp: true, addresses: ["192.168.1.10", "fd00::10"] });
  });

  test("vnstat exports are kept per interface: a one-interface export never drops the others", async () => {
    await repo.saveVnstat(agentId, docs.historical, new Date(Date.now() - 60_000));
    const eth0Only = { ...docs.historical, interfaces: docs.historical.interfaces.filter((i) => i.name === "eth0") };
    await repo.saveVnstat(agentId, eth0Only, new Date());
    const rows = await repo.vnstat(agentId);
    expect(rows.map((r) => r.interfaceName)).toEqual(["eth0", "wg0"]);
    expect(rows[0]!.createdAt.getTime()).toBeGreaterThan(rows[1]!.createdAt.getTime());
    expect((await repo.vnstat(agentId, "wg0"))[0]!.data).toMatchObject({ name: "wg0", alias: "vpn" });
  });

  test("retention: raw samples after agent_raw_days, minute rollups after agent_minute_days, hourly kept", async () => {
    const old = new Date(Date.now() - 10 * DAY);
    await repo.recordPoll({ agentId, at: old, samples: [{ metric: "load", label: "", figures: gaugeOf(1) }] });
    const history = createAgentHistoryRepository(db.handle);
    const rules = agentRetentionRules(
      { agent_raw_days: 1, agent_minute_days: 3, agent_hour_days: 0 } as never,
      history,
    );
    const report = await pruneHistory(rules, Date.now());
    expect(report.find((r) => r.what === "agent raw samples")!.deleted).toBeGreaterThanOrEqual(1);
    expect(report.find((r) => r.what === "1-minute agent rollups")!.deleted).toBeGreaterThanOrEqual(1);
    expect(report.find((r) => r.what === "hourly agent rollups")).toBeUndefined();
    const loadHourly = (await rollups("load", 3600)).filter((r) => r.bucketStart.getTime() < Date.now() - 9 * DAY);
    expect(loadHourly).toHaveLength(1);
    expect(await pruneHistory(rules, Date.now())).toEqual([
      { what: "agent raw samples", deleted: 0 },
      { what: "1-minute agent rollups", deleted: 0 },
    ]);
  });

  // Several series per poll, written in one batch: what each bucket must hold, merged in JS poll by poll in the order
  // the polls were stored (additions in the same order give the same doubles, bit for bit).
  const expectedBuckets = (polls: { at: number; samples: SeriesSample[] }[]) => {
    const buckets = new Map<string, GaugeFigures & { metric: string; label: string; resolution: number; t: number }>();
    for (const { at, samples } of polls)
      for (const { metric, label, figures } of samples)
        for (const { resolution, bucketStart } of gaugeBuckets(at)) {
          const key = JSON.stringify([metric, label, resolution, bucketStart.getTime()]);
          const merged = mergeGauges(buckets.get(key) ?? null, figures);
          buckets.set(key, { metric, label, resolution, t: bucketStart.getTime(), ...merged });
        }
    return [...buckets.values()].sort(byBucket);
  };
  const byBucket = (x: { metric: string; label: string; resolution: number; t: number }, y: typeof x) =>
    x.metric.localeCompare(y.metric) || x.label.localeCompare(y.label) || x.resolution - y.resolution || x.t - y.t;
  const storedBuckets = async (id: number) => {
    const r = db.handle.t.agentRollups;
    const rows = await db.handle.db.select().from(r).where(eq(r.agentId, id));
    return rows
      .map(({ metric, label, resolution, bucketStart, count, sum, min, max }) => ({
        metric,
        label,
        resolution,
        t: bucketStart.getTime(),
        count,
        sum,
        min,
        max,
      }))
      .sort(byBucket);
  };
  const storedSamples = async (id: number) => {
    const s = db.handle.t.agentSamples;
    const rows = await db.handle.db.select().from(s).where(eq(s.agentId, id));
    return rows.map((row) => [row.metric, row.label, row.createdAt.getTime(), row.value]).sort();
  };
  const newAgent = async (name: string) =>
    (await repo.insert({ name, url: "http://127.0.0.1:8200/events?stream=live-data" })).id;
  /** A small deterministic generator: values with long fractions, whose sums depend on the order of additions. */
  const sequence = (seed: number) => () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const HOSTILE = ["", "/", '/mnt/it\'s "quoted"', "<b>mount</b>", "-flag", "ünïcødé/𝄞", "x".repeat(10_000)];

  test("many series per poll, across minute and hour boundaries, merge exactly; raw rows hold each poll's mean", async () => {
    const id = await newAgent("many series");
    const next = sequence(7);
    const start = Date.UTC(2026, 11, 3, 13, 52, 1);
    const polls = Array.from({ length: 90 }, (_, i) => ({
      at: start + i * 7_000,
      samples: [
        ...HOSTILE.map((label) => ({ metric: "disk" as const, label, figures: gaugeOf(next() * 100) })),
        ...["k10temp", "nvme"].map((label) => ({
          metric: "temperature" as const,
          label,
          figures: gaugeOf(next() * 90),
        })),
        { metric: "cpu" as const, label: "", figures: gaugeOf(i % 3 === 0 ? 0 : next() * 100) },
        {
          metric: "rx" as const,
          label: "",
          figures: { count: 7, sum: next() * 1e9, min: next() * 1e6, max: 1e9 + next() },
        },
      ],
    }));
    for (const poll of polls) await repo.recordPoll({ agentId: id, at: new Date(poll.at), samples: poll.samples });
    const expected = expectedBuckets(polls);
    expect(expected.filter((b) => b.resolution === 3600).length).toBe(11 * 2);
    expect(await storedBuckets(id)).toEqual(expected);
    const raw = polls.flatMap(({ at, samples }) =>
      samples.map(({ metric, label, figures }) => [metric, label, at, figures.sum / figures.count]),
    );
    expect(await storedSamples(id)).toEqual(raw.sort());
  });

  test("two writers storing polls of one agent at once lose nothing: every bucket counts every poll", async () => {
    const id = await newAgent("two writers");
    const other = await openDatabase(db.database.options);
    try {
      const second = createAgentsRepository(other);
      const start = Date.UTC(2026, 11, 3, 15, 0, 0);
      // Whole numbers add up to the same sum in any order, whichever writer's poll lands first.
      const pollAt = (i: number) => ({
        at: start + i * 1_000,
        samples: [
          { metric: "cpu" as const, label: "", figures: gaugeOf(i % 97) },
          { metric: "disk" as const, label: "/", figures: gaugeOf(50 + (i % 5)) },
          { metric: "rx" as const, label: "", figures: { count: 3, sum: 3 * i, min: i - 1, max: i + 1 } },
        ],
      });
      const polls = Array.from({ length: 120 }, (_, i) => pollAt(i));
      await Promise.all(
        polls.map((poll, i) =>
          (i % 2 ? second : repo).recordPoll({ agentId: id, at: new Date(poll.at), samples: poll.samples }),
        ),
      );
      expect(await storedBuckets(id)).toEqual(expectedBuckets(polls));
      const [cpuHour] = (await storedBuckets(id)).filter((b) => b.metric === "cpu" && b.resolution === 3600);
      expect(cpuHour).toMatchObject({ count: 120, min: 0, max: 96 });
    } finally {
      await other.close();
    }
  });

  test("a poll that fails leaves every bucket as it was, and the next poll merges exactly", async () => {
    const id = await newAgent("rolled back");
    const at = Date.UTC(2026, 11, 3, 16, 0, 5);
    const poll = (offset: number, value: number) => ({
      at: at + offset,
      samples: [
        { metric: "cpu" as const, label: "", figures: gaugeOf(value) },
        { metric: "load" as const, label: "", figures: gaugeOf(value / 10) },
      ],
    });
    const kept = [poll(0, 10)];
    await repo.recordPoll({ agentId: id, at: new Date(kept[0]!.at), samples: kept[0]!.samples });
    // Stored twice (a repeat after a lost connection), a poll fails on its raw rows' key: nothing is counted twice.
    await expect(repo.recordPoll({ agentId: id, at: new Date(at), samples: poll(0, 10).samples })).rejects.toThrow();
    // A document the database refuses, after the history statements in the same batch, takes them back too.
    const refused = { ...system, hostname: null as unknown as string };
    await expect(
      repo.recordPoll({ agentId: id, at: new Date(at + 10_000), system: refused, samples: poll(10_000, 90).samples }),
    ).rejects.toThrow();
    expect(await storedBuckets(id)).toEqual(expectedBuckets(kept));
    expect(await storedSamples(id)).toHaveLength(2);
    expect(await repo.systemInfo(id)).toBeUndefined();
    kept.push(poll(20_000, 30));
    await repo.recordPoll({ agentId: id, at: new Date(kept[1]!.at), system, samples: kept[1]!.samples });
    expect(await storedBuckets(id)).toEqual(expectedBuckets(kept));
    expect(await repo.systemInfo(id)).toMatchObject({ hostname: "nas-01" });
  });

  test("a poll for an agent deleted meanwhile stores nothing and never takes a simultaneous good one down", async () => {
    const gone = await newAgent("deleted");
    const kept = await newAgent("kept");
    await repo.remove(gone);
    const at = Date.UTC(2026, 11, 3, 17, 0, 0);
    const polls = Array.from({ length: 5 }, (_, i) => ({
      at: at + i * 10_000,
      samples: [{ metric: "cpu" as const, label: "", figures: gaugeOf(i) }],
    }));
    for (const poll of polls) {
      const [good, bad] = await Promise.allSettled([
        repo.recordPoll({ agentId: kept, at: new Date(poll.at), samples: poll.samples }),
        repo.recordPoll({ agentId: gone, at: new Date(poll.at), samples: poll.samples, system, lastSeen: new Date() }),
      ]);
      expect([good.status, bad.status]).toEqual(["fulfilled", "rejected"]);
    }
    expect(await storedBuckets(kept)).toEqual(expectedBuckets(polls));
    expect(await storedBuckets(gone)).toEqual([]);
    expect(await storedSamples(gone)).toEqual([]);
  });

  test("storing goes on after the writer's connection is cut", async () => {
    const id = await newAgent("connection cut");
    const at = Date.UTC(2026, 11, 3, 18, 0, 0);
    const polls = [0, 1].map((i) => ({
      at: at + i * 10_000,
      samples: [{ metric: "cpu" as const, label: "", figures: gaugeOf(i) }],
    }));
    await repo.recordPoll({ agentId: id, at: new Date(polls[0]!.at), samples: polls[0]!.samples });
    if (dialect.name === "postgres") {
      const cut = await db.handle.rows<{ cut: boolean }>(
        sql`select pg_terminate_backend(pid) as cut from pg_stat_activity
            where application_name = 'netronome writer' and datname = current_database()`,
      );
      expect(cut.map((row) => row.cut)).toEqual([true]);
    }
    await repo.recordPoll({ agentId: id, at: new Date(polls[1]!.at), samples: polls[1]!.samples });
    expect(await storedBuckets(id)).toEqual(expectedBuckets(polls));
  });

  test("what an agent leaves empty is stored empty (no peak time, no version), then replaced", async () => {
    const id = await newAgent("empty facts");
    const at = new Date(Date.UTC(2026, 11, 3, 19, 0, 0));
    const noPeakYet = { ...docs.peaks, peak_rx: 0, peak_tx: 0, peak_rx_timestamp: "", peak_tx_timestamp: "" };
    const original = { ...system, agentVersion: null, protocolVersion: null, bandwidthSource: null };
    const samples = [{ metric: "cpu" as const, label: "", figures: gaugeOf(5) }];
    await repo.recordPoll({ agentId: id, at, samples, system: original, peaks: noPeakYet, lastSeen: at });
    expect(await repo.peaks(id)).toMatchObject({ peakRx: 0, peakRxAt: null, peakTxAt: null, updatedAt: at });
    expect(await repo.systemInfo(id)).toMatchObject({
      hostname: "nas-01",
      agentVersion: null,
      protocolVersion: null,
      bandwidthSource: null,
      hardware: null,
    });
    const later = new Date(at.getTime() + 30_000);
    await repo.recordPoll({ agentId: id, at: later, samples, hardware: docs.hardware, peaks: docs.peaks });
    expect(await repo.peaks(id)).toMatchObject({
      peakRx: docs.peaks.peak_rx,
      peakRxAt: new Date(docs.peaks.peak_rx_timestamp),
      updatedAt: later,
    });
    expect(await repo.systemInfo(id)).toMatchObject({ hostname: "nas-01", cpuCores: 8, hardwareAt: later });
    expect((await repo.find(id))?.lastSeenAt).toEqual(at);
  });

  test("deleting an agent deletes everything it left", async () => {
    expect(await repo.remove(agentId)).toBe(true);
    const t = db.handle.t;
    for (const table of [t.agentRollups, t.agentSamples, t.agentInterfaces, t.agentVnstat, t.agentSystemInfo]) {
      const [row] = await db.handle.db.select({ n: count() }).from(table).where(eq(table.agentId, agentId));
      expect(Number(row!.n)).toBe(0);
    }
  });
});
