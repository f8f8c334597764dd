/** Storing agent polls on both dialects: rollups that merge exactly, system rows, vnstat per interface, retention. */
import { beforeAll, expect, test } from "bun:test";
import { and, count, eq } from "drizzle-orm";
import { gaugeOf } from "../../src/history/gauges";
import { pruneHistory } from "../../src/history/retention";
import { createAgentHistoryRepository } from "../../src/hub/agent-history.repository";
import { hardwareSamples } from "../../src/hub/agent-metrics";
import { agentRetentionRules } from "../../src/hub/agent-retention";
import { type AgentsRepository, createAgentsRepository } from "../../src/hub/agents.repository";
import { describeEachDialect, openForBlock } from "../helpers/db";
import { startFakeAgent } from "../servers/agent-server";

const fake = startFakeAgent({ intervalMs: 60_000 });
const docs = {
  system: structuredClone(fake.system),
  hardware: structuredClone(fake.hardware),
  historical: structuredClone(fake.historical),
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

  test("deleting an agent deletes everything it left", async () => {
    expect(await repo.remove(agentId)).toBe(true);
    const t = db.handle.t;
    for (const table of [t.agentRollups, t.agentSamples, t.agentInterfaces, t.agentVnstat, t.agentSystemInfo]) {
      const [row] = await db.handle.db.select({ n: count() }).from(table);
      expect(Number(row!.n)).toBe(0);
    }
  });
});
