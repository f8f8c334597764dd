/**
 * The packet-loss monitor API on both dialects, with real probes of 127.0.0.1
 * (mtr without DNS, and ping when mtr is hidden from PATH).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMonitorsRepository } from "../../src/diagnostics/monitors/monitors.repository";
import { runFigures } from "../../src/history/rollups";
import { type Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";
import { describeIf, hasCommand } from "../helpers/env";

const ORIGINAL_FIELDS = [
  "id",
  "host",
  "name",
  "interval",
  "packetCount",
  "enabled",
  "threshold",
  "lastRun",
  "nextRun",
  "lastState",
  "lastStateChange",
  "createdAt",
  "updatedAt",
];
const SETTINGS = { packetloss: { max_concurrent_monitors: 1, default_packet_count: 2, mtr_enable_dns: false } };

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

describeIf(hasCommand("mtr") && hasCommand("ping"), "mtr and ping are needed", "packet-loss monitors API", () => {
  describeEachDialect("monitors", (dialect) => {
    let database: TestDatabase;
    let t: TestApp;
    let c: Client;
    beforeAll(async () => {
      database = await dialect.create();
      t = await startTestApp(database, SETTINGS);
      c = await signedInClient(t);
    });
    afterAll(async () => {
      await t.close();
      await database.drop();
    });

    const list = async () => (await (await c.get("/api/packetloss/monitors")).json()) as Record<string, unknown>[];
    const status = async (id: number) => (await c.get(`/api/packetloss/monitors/${id}/status`)).json();
    const history = async (id: number, query = "") =>
      (await c.get(`/api/packetloss/monitors/${id}/history${query}`)).json();
    const create = async (body: Record<string, unknown>) => {
      const res = await c.postJson("/api/packetloss/monitors", body);
      expect(res.status).toBe(201);
      return res.json();
    };

    test("create, list, edit and delete with the original's fields", async () => {
      const created = await create({ host: "127.0.0.1" });
      for (const field of ORIGINAL_FIELDS) expect(created).toHaveProperty(field);
      expect(created).toMatchObject({
        host: "127.0.0.1",
        name: "127.0.0.1",
        interval: "1h",
        packetCount: 2,
        threshold: 5,
        enabled: false,
        lastRun: null,
        nextRun: null,
        lastState: "unknown",
        status: "stopped",
      });
      expect((await list()).map((m) => m.id)).toContain(created.id);

      const put = await c.fetch(`/api/packetloss/monitors/${created.id}`, {
        method: "PUT",
        json: { name: "Loopback", interval: "exact:06:00,18:30", threshold: 2.5 },
      });
      expect(put.status).toBe(200);
      const edited = await put.json();
      expect(edited).toMatchObject({
        host: "127.0.0.1",
        name: "Loopback",
        interval: "exact:06:00,18:30",
        threshold: 2.5,
      });
      expect(edited.description).toBe("daily at 06:00 and 18:30 (UTC)");
      expect(Date.parse(edited.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));

      const enabled = await (
        await c.fetch(`/api/packetloss/monitors/${created.id}`, {
          method: "PUT",
          json: { enabled: true, interval: "5m" },
        })
      ).json();
      expect(enabled).toMatchObject({ enabled: true, interval: "5m", status: "active" });
      const nextRun = Date.parse(enabled.nextRun);
      expect(nextRun - Date.now()).toBeGreaterThan(4 * 60_000);
      expect(nextRun - Date.now()).toBeLessThanOrEqual(5 * 60_000);

      const del = await c.fetch(`/api/packetloss/monitors/${created.id}`, { method: "DELETE" });
      expect(del.status).toBe(204);
      expect(await del.text()).toBe("");
      expect(t.services.scheduler.get(`monitor:${created.id}`)).toBeUndefined();
      expect((await c.fetch(`/api/packetloss/monitors/${created.id}`, { method: "DELETE" })).status).toBe(404);
      expect((await c.get(`/api/packetloss/monitors/${created.id}/status`)).status).toBe(404);
    });

    test.each([
      [{ host: "-oProxyCommand=x" }, "host"],
      [{ host: "a b" }, "host"],
      [{ host: "$(id)" }, "host"],
      [{ host: "127.0.0.1:80" }, "host"],
      [{ host: "" }, "host"],
      [{ host: "127.0.0.1", packetCount: 0 }, "packetCount"],
      [{ host: "127.0.0.1", packetCount: 2.5 }, "packetCount"],
      [{ host: "127.0.0.1", threshold: 101 }, "threshold"],
      [{ host: "127.0.0.1", interval: "10s", packetCount: 500 }, "packetCount"],
      [{ host: "127.0.0.1", name: "x".repeat(101) }, "name"],
    ])("%p is refused with 400 naming %s, and nothing is written", async (body, field) => {
      const before = (await list()).length;
      const res = await c.postJson("/api/packetloss/monitors", body);
      expect(res.status).toBe(400);
      expect((await res.json()).message).toStartWith(`${field}:`);
      expect((await list()).length).toBe(before);
    });

    test.each(["5s", "25h", "exact:25:00", "exact:", "0 * * * *", "soon"])(
      "interval %p is refused with 400 listing the accepted forms",
      async (interval) => {
        const before = (await list()).length;
        const res = await c.postJson("/api/packetloss/monitors", { host: "127.0.0.1", interval });
        expect(res.status).toBe(400);
        const { message, field } = await res.json();
        expect(field).toBe("interval");
        expect(message).toStartWith("interval:");
        expect(message).toContain("Accepted for packet-loss monitors: a duration from 10s to 24h");
        expect(message).toContain('"exact:14:00"');
        expect((await list()).length).toBe(before);
      },
    );

    test("an invalid edit changes nothing", async () => {
      const m = await create({ host: "127.0.0.1", name: "keep" });
      const res = await c.fetch(`/api/packetloss/monitors/${m.id}`, {
        method: "PUT",
        json: { name: "new", interval: "25h" },
      });
      expect(res.status).toBe(400);
      expect((await list()).find((x) => x.id === m.id)).toMatchObject({ name: "keep", interval: "1h" });
      await c.fetch(`/api/packetloss/monitors/${m.id}`, { method: "DELETE" });
    });

    test("history pages hold summaries without hop data (limit at most 100); one result carries its hops", async () => {
      const m = await create({ host: "127.0.0.1", name: "history" });
      const repo = createMonitorsRepository(t.db);
      const hops = [
        {
          number: 1,
          host: "10.0.0.1",
          ip: "10.0.0.1",
          loss: 100,
          sent: 4,
          recv: 0,
          last: null,
          avg: null,
          best: null,
          worst: null,
          stddev: null,
        },
        {
          number: 2,
          host: "127.0.0.1",
          ip: "127.0.0.1",
          loss: 25,
          sent: 4,
          recv: 3,
          last: 0.05,
          avg: 0.0453,
          best: 0.041,
          worst: 0.05,
          stddev: 0.004,
        },
      ];
      const start = Date.now() - 130 * 60_000;
      for (let i = 0; i < 130; i++) {
        await repo.recordRun({
          result: {
            monitorId: m.id,
            packetLoss: 25,
            packetsSent: 4,
            packetsRecv: 3,
            minRtt: 0.041,
            avgRtt: 0.0453,
            maxRtt: 0.05,
            stdDevRtt: 0.004,
            method: "mtr",
            hopCount: 2,
            hops,
            createdAt: new Date(start + i * 60_000),
          },
          figures: runFigures({ packetsSent: 4, packetsRecv: 3, packetLoss: 25, rttSamplesMs: [0.041, 0.045, 0.05] }),
          state: "threshold_exceeded",
          transition: null,
        });
      }
      const first = await history(m.id);
      expect([first.total, first.page, first.limit, first.data.length]).toEqual([130, 1, 25, 25]);
      const capped = await history(m.id, "?limit=500");
      expect([capped.limit, capped.data.length]).toEqual([100, 100]);
      const last = await history(m.id, "?page=2&limit=100");
      expect(last.data.length).toBe(30);
      // Newest first, and pages do not overlap.
      const ids = [...capped.data, ...last.data].map((r: { id: number }) => r.id);
      expect(new Set(ids).size).toBe(130);
      expect(Date.parse(capped.data[0].createdAt)).toBeGreaterThan(Date.parse(capped.data[1].createdAt));
      for (const row of capped.data) {
        expect(row).not.toHaveProperty("hops");
        expect(row).not.toHaveProperty("mtrData");
      }
      expect(capped.data[0]).toMatchObject({
        packetLoss: 25,
        packetsSent: 4,
        packetsRecv: 3,
        minRtt: 0.041,
        usedMtr: true,
        method: "mtr",
      });
      expect((await c.get(`/api/packetloss/monitors/${m.id}/history?limit=0`)).status).toBe(400);

      const detail = await (await c.get(`/api/packetloss/monitors/${m.id}/history/${capped.data[0].id}`)).json();
      expect(detail.mtrData).toEqual({ destination: "127.0.0.1", ip: "127.0.0.1", hopCount: 2, tests: 4, hops });
      expect((await c.get(`/api/packetloss/monitors/${m.id}/history/999999`)).status).toBe(404);

      // The same runs, charted from their rollups.
      const chart = await (await c.get(`/api/packetloss/monitors/${m.id}/chart?timeRange=1d`)).json();
      expect(chart).toMatchObject({ timeRange: "1d", resolution: 3600, stepSeconds: 3600 });
      expect(chart.summary).toMatchObject({
        runs: 130,
        packetsSent: 520,
        packetsRecv: 390,
        loss: 25,
        min: 0.041,
        max: 0.05,
      });
      expect(chart.points.filter((p: { runs: number }) => p.runs > 0).length).toBeGreaterThanOrEqual(3);
      expect(chart.points.filter((p: { loss: number | null }) => p.loss === null).length).toBeGreaterThan(0);
      expect((await c.get(`/api/packetloss/monitors/${m.id}/chart?timeRange=2y`)).status).toBe(400);
      await c.fetch(`/api/packetloss/monitors/${m.id}`, { method: "DELETE" });
    });

    test("start answers at once; the run probes 127.0.0.1 with mtr, with live progress on /events", async () => {
      const m = await create({ host: "127.0.0.1", name: "live", interval: "1m", packetCount: 3 });
      const events = await c.get("/events");
      const reader = events.body!.getReader();
      const decoder = new TextDecoder();
      let stream = "";
      const readStream = (async () => {
        while (!stream.includes("event: packetloss-finished")) {
          const { done, value } = await reader.read();
          if (done) break;
          stream += typeof value === "string" ? value : decoder.decode(value);
        }
      })();

      const started = performance.now();
      const res = await c.postJson(`/api/packetloss/monitors/${m.id}/start`, {});
      expect(performance.now() - started).toBeLessThan(1000);
      expect(res.status).toBe(202);
      expect((await res.json()).monitor).toMatchObject({ enabled: true });
      const running = await until("a running status", async () => {
        const s = await status(m.id);
        return s.isRunning && s;
      });
      expect(running).toMatchObject({
        type: "packetloss",
        monitorId: m.id,
        host: "127.0.0.1",
        isComplete: false,
        usedMtr: true,
      });
      const done = await until("the result", async () => {
        const s = await status(m.id);
        return s.isComplete && s;
      });
      expect(done).toMatchObject({
        packetLoss: 0,
        packetsSent: 3,
        packetsRecv: 3,
        usedMtr: true,
        method: "mtr",
        hopCount: 1,
        error: null,
      });
      expect(done.minRtt).toBeGreaterThan(0);
      expect(done.minRtt).toBeLessThan(1);
      expect(done.avgRtt).toBeGreaterThanOrEqual(done.minRtt);
      expect(done.maxRtt).toBeGreaterThanOrEqual(done.avgRtt);

      await readStream;
      await reader.cancel();
      expect(stream).toContain("event: packetloss-started");
      expect(stream).toContain("event: packetloss-progress");
      const finished = JSON.parse(stream.split("event: packetloss-finished\ndata: ")[1]!.split("\n")[0]!);
      expect(finished).toMatchObject({
        monitorId: m.id,
        isComplete: true,
        state: "ok",
        result: { method: "mtr", packetLoss: 0 },
      });

      const [row] = (await history(m.id)).data;
      const detail = await (await c.get(`/api/packetloss/monitors/${m.id}/history/${row.id}`)).json();
      expect(detail.mtrData.hops).toEqual([
        expect.objectContaining({ number: 1, host: "127.0.0.1", ip: "127.0.0.1", loss: 0, sent: 3, recv: 3 }),
      ]);
      const monitor = (await list()).find((x) => x.id === m.id)!;
      expect(monitor).toMatchObject({ lastState: "ok", enabled: true, status: "active" });
      expect(monitor.lastRun).not.toBeNull();
      expect(monitor.lastStateChange).not.toBeNull();
      const transitions = await (await c.get(`/api/packetloss/monitors/${m.id}/events`)).json();
      expect(transitions).toEqual([
        expect.objectContaining({ monitorId: m.id, fromState: "unknown", toState: "ok", packetLoss: 0 }),
      ]);

      // A second run in the same state is no transition.
      await c.postJson(`/api/packetloss/monitors/${m.id}/start`, {});
      await until("the second result", async () => (await history(m.id)).total === 2);
      expect((await (await c.get(`/api/packetloss/monitors/${m.id}/events`)).json()).length).toBe(1);
      await c.postJson(`/api/packetloss/monitors/${m.id}/stop`, {});
    }, 40_000);

    test("IPv6: [::1] is stored as ::1 and probed over IPv6 by mtr", async () => {
      const m = await create({ host: "[::1]", name: "v6", packetCount: 2, startImmediately: true });
      expect(m.host).toBe("::1");
      const row = await until("the IPv6 result", async () => (await history(m.id)).data[0]);
      expect(row).toMatchObject({ method: "mtr", packetLoss: 0, packetsRecv: 2, error: null });
      const detail = await (await c.get(`/api/packetloss/monitors/${m.id}/history/${row.id}`)).json();
      expect(detail.mtrData).toMatchObject({ ip: "::1", hops: [expect.objectContaining({ ip: "::1", recv: 2 })] });
      await c.postJson(`/api/packetloss/monitors/${m.id}/stop`, {});
    }, 30_000);

    test("with mtr hidden from PATH the monitor falls back to ping and says so", async () => {
      const bin = mkdtempSync(join(tmpdir(), "netronome-path-"));
      symlinkSync(Bun.which("ping")!, join(bin, "ping"));
      const path = process.env.PATH;
      process.env.PATH = bin;
      try {
        const m = await create({ host: "127.0.0.1", name: "ping only", packetCount: 3, startImmediately: true });
        const row = await until("the ping result", async () => (await history(m.id)).data[0]);
        expect(row).toMatchObject({
          method: "ping",
          usedMtr: false,
          packetsSent: 3,
          packetsRecv: 3,
          packetLoss: 0,
          hopCount: null,
          error: null,
          fallbackReason: "mtr is not installed",
        });
        expect(row.avgRtt).toBeLessThan(1);
        const detail = await (await c.get(`/api/packetloss/monitors/${m.id}/history/${row.id}`)).json();
        expect(detail.mtrData).toBeNull();
        await c.postJson(`/api/packetloss/monitors/${m.id}/stop`, {});
      } finally {
        process.env.PATH = path;
        rmSync(bin, { recursive: true, force: true });
      }
    }, 30_000);

    test("more probes than mtr can send in the interval: the form warns, ping runs, and the result says why", async () => {
      const note = async (query: string) => (await c.get(`/monitors/hop-note?${query}`)).text();
      // Unprivileged (UDP) mtr sends one probe a second: 10 s × 0.8 − 2 s of grace leaves room for 6.
      const warned = await note("intervalMode=preset&interval=10s&packetCount=10&host=x&threshold=5");
      expect(warned).toContain("ping: no hop data.");
      expect(warned).toContain("mtr would need 12 s for 10 probes at one a second");
      expect(warned).toContain("(6 probes fit)");
      expect(await note("intervalMode=preset&interval=10s&packetCount=6")).toBe("");
      expect(await note("intervalMode=preset&interval=1h&packetCount=1000")).toBe("");
      expect(await note("intervalMode=exact&exactTimes=06:00,18:00&packetCount=500")).toBe("");
      // Nothing to say about input that saving would refuse; markup in it is never echoed.
      expect(await note("intervalMode=preset&interval=<b>soon</b>&packetCount=10")).toBe("");
      expect(await note("intervalMode=preset&interval=10s&packetCount=-3")).toBe("");

      const m = await create({
        host: "127.0.0.1",
        name: "too fast",
        interval: "10s",
        packetCount: 10,
        startImmediately: true,
      });
      const row = await until("the ping result", async () => (await history(m.id)).data[0]);
      await c.postJson(`/api/packetloss/monitors/${m.id}/stop`, {});
      expect(row).toMatchObject({ method: "ping", packetsSent: 10, packetsRecv: 10, hopCount: null, error: null });
      expect(row.fallbackReason).toStartWith("mtr would need 12 s for 10 probes at one a second");
      const results = await (await c.get(`/monitors/${m.id}/results`)).text();
      expect(results).toContain("No hops?");
      expect(results).toContain(`ping: no hop data because ${row.fallbackReason.replaceAll("'", "&#x27;")}`);
    }, 30_000);

    test("stop abandons a running test: no result is stored and no more runs come", async () => {
      const m = await create({ host: "127.0.0.1", name: "stopped", packetCount: 5, startImmediately: true });
      await until("the run", async () => (await status(m.id)).isRunning);
      const res = await c.postJson(`/api/packetloss/monitors/${m.id}/stop`, {});
      expect(res.status).toBe(200);
      expect((await res.json()).monitor).toMatchObject({ enabled: false, nextRun: null, status: "stopped" });
      await until("the run to end", async () => !(await status(m.id)).isRunning);
      await Bun.sleep(500);
      expect((await history(m.id)).total).toBe(0);
      expect(t.services.scheduler.get(`monitor:${m.id}`)).toBeUndefined();
    }, 30_000);

    test("max_concurrent_monitors = 1: a second manual run waits in the queue, then runs", async () => {
      const a = await create({ host: "127.0.0.1", name: "first" });
      const b = await create({ host: "127.0.0.2", name: "second" });
      expect((await c.postJson(`/api/packetloss/monitors/${a.id}/start`, {})).status).toBe(202);
      expect((await c.postJson(`/api/packetloss/monitors/${b.id}/start`, {})).status).toBe(202);
      await until("the first run", async () => (await status(a.id)).isRunning);
      expect(await status(b.id)).toMatchObject({ isQueued: true, isRunning: false, isComplete: false });
      expect((await list()).find((x) => x.id === b.id)?.status).toBe("queued");
      const first = await until("the first result", async () => (await history(a.id)).data[0]);
      const second = await until("the second result", async () => (await history(b.id)).data[0]);
      expect(second.packetsRecv).toBe(2);
      const secondMonitor = (await list()).find((x) => x.id === b.id)!;
      // The queued run started only once the first had finished.
      expect(Date.parse(secondMonitor.lastRun as string)).toBeGreaterThanOrEqual(Date.parse(first.createdAt) - 5);
      expect(Date.parse(second.createdAt)).toBeGreaterThan(Date.parse(first.createdAt));
      for (const id of [a.id, b.id]) await c.postJson(`/api/packetloss/monitors/${id}/stop`, {});
    }, 40_000);

    test("a 10-second monitor runs every 10 seconds", async () => {
      const m = await create({ host: "127.0.0.1", name: "fast", interval: "10s", packetCount: 1, enabled: true });
      const rows = await until(
        "two scheduled runs",
        async () => {
          const h = await history(m.id);
          return h.total >= 2 && h.data;
        },
        30_000,
      );
      const gap = Date.parse(rows[0].createdAt) - Date.parse(rows[1].createdAt);
      expect(gap).toBeGreaterThan(9_000);
      expect(gap).toBeLessThan(11_000);
      await c.postJson(`/api/packetloss/monitors/${m.id}/stop`, {});
    }, 40_000);
  });

  describeEachDialect("monitors at start-up", (dialect) => {
    let database: TestDatabase;
    let monitorId: number;
    beforeAll(async () => {
      database = await dialect.create();
      const t = await startTestApp(database, SETTINGS);
      await t.services.auth.createUser("admin", "password123");
      monitorId = (
        await t.services.monitors.create({ host: "127.0.0.1", interval: "1h", packetCount: 1, enabled: true })
      ).id;
      await t.close();
    });
    afterAll(async () => {
      await database.drop();
    });

    test("by default an enabled monitor waits for its next slot", async () => {
      const t = await startTestApp(database, SETTINGS);
      try {
        await t.start();
        const job = t.services.scheduler.get(`monitor:${monitorId}`);
        expect(job?.state).toBe("idle");
        expect(job!.nextRun.getTime() - Date.now()).toBeGreaterThan(50 * 60_000);
        await Bun.sleep(300);
        expect((await t.services.monitors.status(monitorId)).isRunning).toBe(false);
      } finally {
        await t.close();
      }
    });

    test("restore_monitors_on_startup runs every enabled monitor at once", async () => {
      const t = await startTestApp(database, {
        packetloss: { ...SETTINGS.packetloss, restore_monitors_on_startup: true },
      });
      try {
        await t.start();
        await until("the restored run", async () => (await t.services.monitors.status(monitorId)).isComplete, 15_000);
        expect((await t.services.monitors.history(monitorId, 10, 0)).total).toBe(1);
      } finally {
        await t.close();
      }
    });
  });
});
