import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server, iperf3ClientPids } from "../helpers/iperf3-server";

const FAST_IPERF = {
  speedtest: {
    iperf: { test_duration: 1, parallel_conns: 2, timeout: 20, ping: { count: 2, interval: 200, timeout: 2 } },
  },
};

describeIf(hasCommand("iperf3"), "iperf3 is not installed", "speed tests through the API", () => {
  describeEachDialect("iperf3 against a real server on 127.0.0.1", (dialect) => {
    let database: TestDatabase;
    let t: TestApp;
    let iperf: Iperf3Server;
    let c: Client;
    beforeAll(async () => {
      database = await dialect.create();
      t = await startTestApp(database, FAST_IPERF);
      iperf = await Iperf3Server.start();
      c = await signedInClient(t);
    });
    afterAll(async () => {
      await iperf?.stop();
      await t.close();
      await database.drop();
    });

    test("POST /api/speedtest runs download and upload and answers with the stored result", async () => {
      const res = await c.postJson("/api/speedtest", {
        useIperf: true,
        serverHost: iperf.address,
        serverName: "local",
      });
      expect(res.status).toBe(200);
      const r = await res.json();
      expect(r).toMatchObject({ testType: "iperf3", serverName: "local", isScheduled: false, error: null });
      expect(r.downloadSpeed).toBeGreaterThan(10);
      expect(r.uploadSpeed).toBeGreaterThan(10);
      expect(typeof r.latency).toBe("number");
      expect(r.bytesDownloaded).toBeGreaterThan(0);
      const history = await (await c.get("/api/speedtest/history?timeRange=1d&limit=500")).json();
      expect(history.limit).toBe(100);
      expect(history.total).toBe(1);
      expect(history.data[0]).toEqual(r);
    });

    test("a second manual test while one runs gets 409; the first completes", async () => {
      const first = c.postJson("/api/speedtest", { useIperf: true, serverHost: iperf.address });
      await Bun.sleep(100);
      const second = await c.postJson("/api/speedtest", { useIperf: true, serverHost: iperf.address });
      expect(second.status).toBe(409);
      expect((await second.json()).message).toBe("a test is already running");
      expect((await first).status).toBe(200);
    });

    test.each(["", "-oProxy", "a b", "host;rm -rf /", "$(id)", "x".repeat(254), "host:99999"])(
      "an invalid host %p is refused with 400 and nothing is started",
      async (host) => {
        const before = (await (await c.get("/api/speedtest/history?timeRange=all")).json()).total;
        const res = await c.postJson("/api/speedtest", { useIperf: true, serverHost: host });
        expect(res.status).toBe(400);
        expect((await res.json()).message).toStartWith("serverHost:");
        expect(iperf3ClientPids(iperf.port)).toEqual([]);
        expect((await (await c.get("/api/speedtest/history?timeRange=all")).json()).total).toBe(before);
      },
    );

    test("cancelling kills iperf3 and writes no row", async () => {
      const before = (await (await c.get("/api/speedtest/history?timeRange=all")).json()).total;
      const running = c.postJson("/api/speedtest", { useIperf: true, serverHost: iperf.address });
      for (let i = 0; i < 100 && iperf3ClientPids(iperf.port).length === 0; i++) await Bun.sleep(20);
      expect((await (await c.postJson("/api/speedtest/cancel", {})).json()).cancelled).toBe(true);
      const res = await running;
      expect(res.status).toBe(409);
      expect((await res.json()).error).toBe("cancelled");
      for (let i = 0; i < 50 && iperf3ClientPids(iperf.port).length; i++) await Bun.sleep(20);
      expect(iperf3ClientPids(iperf.port)).toEqual([]);
      expect((await (await c.get("/api/speedtest/history?timeRange=all")).json()).total).toBe(before);
    });

    test("a refused port is stored as a failed result with a plain-English error", async () => {
      const res = await c.postJson("/api/speedtest", { useIperf: true, serverHost: "127.0.0.1:1" });
      expect(res.status).toBe(200);
      const r = await res.json();
      expect(r.error).toContain("connection refused");
      expect(r.downloadSpeed).toBeNull();
    });

    test("saved iperf3 servers: create, list, run by ID, delete; unknown IDs are 404", async () => {
      const created = await c.postJson("/api/iperf/servers", { name: "Lab box", host: "127.0.0.1", port: iperf.port });
      expect(created.status).toBe(201);
      const { server } = await created.json();
      expect(server).toMatchObject({ name: "Lab box", host: "127.0.0.1", port: iperf.port });
      const list = await (await c.get("/api/iperf/servers")).json();
      expect(list.map((s: { name: string }) => s.name)).toContain("Lab box");
      const servers = await (await c.get("/api/servers?testType=iperf3")).json();
      expect(servers[0]).toMatchObject({ id: server.serverId, isIperf: true, name: "Lab box" });
      const run = await c.postJson("/api/speedtest", {
        useIperf: true,
        serverIds: [server.serverId],
        enableUpload: false,
      });
      const r = await run.json();
      expect(r.serverName).toBe("Lab box");
      expect(r.uploadSpeed).toBeNull();
      expect((await c.postJson("/api/speedtest", { useIperf: true, serverIds: ["iperf-9999"] })).status).toBe(404);
      expect((await c.fetch(`/api/iperf/servers/${server.id}`, { method: "DELETE" })).status).toBe(200);
      expect((await c.fetch(`/api/iperf/servers/${server.id}`, { method: "DELETE" })).status).toBe(404);
      const bad = await c.postJson("/api/iperf/servers", { name: "x", host: "-bad" });
      expect(bad.status).toBe(400);
    });

    test("history export as CSV and JSON", async () => {
      const csv = await c.get("/api/speedtest/history/export?format=csv");
      expect(csv.headers.get("content-type")).toContain("text/csv");
      expect(csv.headers.get("content-disposition")).toContain("attachment");
      const lines = (await csv.text()).trim().split("\r\n");
      expect(lines[0]).toStartWith("id,createdAt,testType,serverId,serverName");
      const json = await (await c.get("/api/speedtest/history/export?format=json")).json();
      expect(json.length).toBe(lines.length - 1);
      expect(typeof json[0].downloadSpeed).toBe("number");
      expect((await c.get("/api/speedtest/history/export?format=xml")).status).toBe(400);
    });

    test("chart points leave failed runs out", async () => {
      const chart = await (await c.get("/api/speedtest/chart?timeRange=1d")).json();
      expect(chart.points.length).toBeGreaterThan(0);
      for (const p of chart.points) expect(p.download === null || p.download > 0).toBe(true);
    });

    test("schedules: bad intervals are refused listing the accepted forms; a scheduled run is marked", async () => {
      for (const interval of ["5x", "exact:25:00", ""]) {
        const res = await c.postJson("/api/schedules", {
          interval,
          options: { useIperf: true, serverHost: iperf.address },
        });
        expect(res.status).toBe(400);
        const message = (await res.json()).message;
        expect(message).toContain("interval");
        expect(message).toContain("exact:14:00");
      }
      const noHost = await c.postJson("/api/schedules", { interval: "1h", options: { useIperf: true } });
      expect(noHost.status).toBe(400);
      const created = await c.postJson("/api/schedules", {
        interval: "exact:03:00,15:00",
        options: { useIperf: true, serverHost: iperf.address, enableUpload: false },
      });
      expect(created.status).toBe(201);
      const schedule = await created.json();
      expect(schedule.nextRun).toBeString();
      expect(new Date(schedule.nextRun).getTime()).toBeGreaterThan(Date.now());
      expect(schedule.description).toContain("daily at 03:00 and 15:00");
      expect(t.services.scheduler.runNow(`schedule:${schedule.id}`)).toBe(true);
      let latest: { isScheduled: boolean } | undefined;
      for (let i = 0; i < 200; i++) {
        latest = (await (await c.get("/api/speedtest/history?limit=1")).json()).data[0];
        if (latest?.isScheduled) break;
        await Bun.sleep(50);
      }
      expect(latest?.isScheduled).toBe(true);
      const updated = await c.fetch(`/api/schedules/${schedule.id}`, {
        method: "PUT",
        json: { interval: "30m", enabled: false },
      });
      expect(updated.status).toBe(200);
      const list = await (await c.get("/api/schedules")).json();
      expect(list[0]).toMatchObject({ interval: "30m", enabled: false, nextRun: null });
      expect((await c.fetch(`/api/schedules/${schedule.id}`, { method: "DELETE" })).status).toBe(200);
      expect((await c.fetch(`/api/schedules/${schedule.id}`, { method: "DELETE" })).status).toBe(404);
    });

    test("a scheduled test waiting for the slot is withdrawn when its schedule is deleted", async () => {
      const manual = c.postJson("/api/speedtest", { useIperf: true, serverHost: iperf.address });
      await Bun.sleep(100);
      const created = await c.postJson("/api/schedules", {
        interval: "12h",
        options: { useIperf: true, serverHost: iperf.address },
      });
      const schedule = await created.json();
      expect(t.services.scheduler.runNow(`schedule:${schedule.id}`)).toBe(true);
      await Bun.sleep(100);
      expect((await c.fetch(`/api/schedules/${schedule.id}`, { method: "DELETE" })).status).toBe(200);
      expect((await manual).status).toBe(200);
      await Bun.sleep(500);
      const history = await (await c.get("/api/speedtest/history?timeRange=all&limit=100")).json();
      expect(history.data.filter((r: { isScheduled: boolean }) => r.isScheduled).length).toBe(1);
      expect(t.services.speedtest.current()).toBeUndefined();
    });

    test("the event stream carries live progress and the result", async () => {
      const res = await c.get("/events");
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const reader = res.body!.getReader();
      const events: string[] = [];
      const reading = (async () => {
        const decoder = new TextDecoder();
        let text = "";
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline && !text.includes("event: speedtest-finished")) {
          const { done, value } = await reader.read();
          if (done) break;
          text += typeof value === "string" ? value : decoder.decode(value);
        }
        events.push(...[...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]!));
        await reader.cancel();
      })();
      await Bun.sleep(50);
      expect((await c.postJson("/api/speedtest", { useIperf: true, serverHost: iperf.address })).status).toBe(200);
      await reading;
      // Every connection starts with the state a page needs (nothing running yet), then the live events.
      expect(events.slice(0, 3)).toEqual(["speedtest-snapshot", "packetloss-snapshot", "stream-ready"]);
      const live = events.slice(3);
      expect(live[0]).toBe("speedtest-started");
      expect(live).toContain("speedtest-progress");
      expect(live.at(-1)).toBe("speedtest-finished");
      expect(new Set(live).size).toBeGreaterThanOrEqual(3);
    });
  });
});
