/**
 * "Run from" through the hub's API with real agent processes on 127.0.0.1, on both dialects: speed tests,
 * traceroutes and monitors run on an agent and record it; history, chart and export filter by it; each machine has
 * its own speed-test slot; an agent that is away at a monitor's slot gives an "agent unreachable" run (not 100 %
 * loss); an agent killed mid-test gives a failed result with no figures; cancel from the hub stops the agent's
 * iperf3; an agent that monitors use cannot be deleted.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { type Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";
import { childrenOf, commandOf, isAlive } from "../helpers/processes";

const SETTINGS = {
  monitor: { poll_interval: "1s", reconnect_interval: "1s", stale_after: "5s" },
  speedtest: {
    iperf: { test_duration: 1, parallel_conns: 2, timeout: 15, ping: { count: 2, interval: 200, timeout: 1 } },
  },
};
const AGENT_ENV = {
  NETRONOME__IPERF_TEST_DURATION: "1",
  NETRONOME__IPERF_PARALLEL_CONNS: "2",
  NETRONOME__IPERF_PING_COUNT: "2",
  NETRONOME__IPERF_PING_INTERVAL: "200",
};

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

const tools = ["iperf3", "mtr", "traceroute"].every(hasCommand);

describeIf(tools, "iperf3, mtr or traceroute is missing", "run from an agent", () =>
  describeEachDialect("run from an agent", (dialect) => {
    let database: TestDatabase;
    let t: TestApp;
    let c: Client;
    let iperf3: Iperf3Server;
    let agent: AgentProcess;
    let agentId: number;
    beforeAll(async () => {
      database = await dialect.create();
      [t, iperf3, agent] = await Promise.all([
        startTestApp(database, SETTINGS),
        Iperf3Server.start(),
        startAgent({ args: ["--interface", "lo"], env: AGENT_ENV }),
      ]);
      await t.start();
      c = await signedInClient(t);
      const res = await c.postJson("/api/monitor/agents", { name: "Edge <1>", url: agent.url, apiKey: TEST_API_KEY });
      agentId = (await res.json()).id;
      await until(
        "the agent online",
        async () => (await (await c.get(`/api/monitor/agents/${agentId}/status`)).json()).connected,
      );
    }, 60_000);
    afterAll(async () => {
      await t?.close();
      await Promise.all([agent?.stop("SIGKILL").catch(() => {}), iperf3?.stop()]);
      await database?.drop();
    });

    const iperfTest = (extra: Record<string, unknown> = {}) => ({
      testType: "iperf3",
      serverHost: `127.0.0.1:${iperf3.port}`,
      enableDownload: true,
      enableUpload: false,
      ...extra,
    });

    test("a speed test runs on the agent and records it; history, chart and export filter by machine", async () => {
      const there = await (await c.postJson("/api/speedtest", iperfTest({ agentId }))).json();
      expect(there).toMatchObject({ agentId, agentName: "Edge <1>", error: null });
      expect(there.downloadSpeed).toBeGreaterThan(0);
      const here = await (await c.postJson("/api/speedtest", iperfTest())).json();
      expect(here).toMatchObject({ agentId: null, agentName: null, error: null });

      const ids = async (query: string) =>
        (await (await c.get(`/api/speedtest/history?timeRange=all&${query}`)).json()).data.map(
          (r: { id: number }) => r.id,
        );
      expect(await ids(`agentId=${agentId}`)).toEqual([there.id]);
      expect(await ids("agentId=local")).toEqual([here.id]);
      expect((await ids("")).sort()).toEqual([here.id, there.id].sort());
      const chart = await (await c.get(`/api/speedtest/chart?timeRange=all&agentId=${agentId}`)).json();
      expect(chart.points.length).toBe(1);
      const csv = await (await c.get(`/api/speedtest/history/export?format=csv&agentId=${agentId}`)).text();
      expect(csv.trim().split("\r\n")).toHaveLength(2);
      expect(csv).toContain(`${agentId},Edge <1>`);
      expect((await c.get("/api/speedtest/history?agentId=nope")).status).toBe(400);
      expect((await c.postJson("/api/speedtest", iperfTest({ agentId: 999_999 }))).status).toBe(400);
    }, 60_000);

    test("one test at a time per machine: the agent and this server test together; a second on the agent is refused", async () => {
      const slow = iperfTest({ agentId, enableUpload: true });
      const first = c.postJson("/api/speedtest", slow);
      await until("the test on the agent", async () => t.services.speedtest.current(agentId));
      const second = await c.postJson("/api/speedtest", slow);
      expect(second.status).toBe(409);
      expect((await second.json()).message).toBe("a test is already running on Edge <1>");
      const local = await c.postJson("/api/speedtest", iperfTest());
      expect(local.status).toBe(200);
      expect((await first).status).toBe(200);
    }, 60_000);

    test("cancel from the hub stops the agent's iperf3 and stores nothing", async () => {
      const before = (await (await c.get("/api/speedtest/history?timeRange=all")).json()).total;
      const run = c.postJson("/api/speedtest", iperfTest({ agentId, enableUpload: true }));
      const iperf = await until("iperf3 on the agent", async () => {
        const pids = childrenOf(agent.proc.pid).filter((pid) => commandOf(pid) === "iperf3");
        return pids.length ? pids : undefined;
      });
      expect(await (await c.postJson("/api/speedtest/cancel", { agentId })).json()).toEqual({ cancelled: true });
      expect((await run).status).toBe(409);
      await until("iperf3 gone", async () => iperf.every((pid) => !isAlive(pid)), 5_000);
      expect((await (await c.get("/api/speedtest/history?timeRange=all")).json()).total).toBe(before);
    }, 60_000);

    test("a traceroute from the agent says where it ran", async () => {
      const trace = await (await c.get(`/api/traceroute?host=127.0.0.1&agentId=${agentId}`)).json();
      expect(trace).toMatchObject({ destination: "127.0.0.1", agentId, from: "Edge <1>", complete: true });
    }, 30_000);

    test("a monitor runs from the agent; the agent in use cannot be deleted", async () => {
      const created = await c.postJson("/api/packetloss/monitors", {
        host: "127.0.0.1",
        interval: "1h",
        packetCount: 3,
        agentId,
        startImmediately: true,
      });
      expect(created.status).toBe(201);
      const monitor = await created.json();
      expect(monitor.agentId).toBe(agentId);
      const history = await until("a result", async () => {
        const h = await (await c.get(`/api/packetloss/monitors/${monitor.id}/history`)).json();
        return h.data?.length ? h : undefined;
      });
      expect(history.data[0]).toMatchObject({
        agentId,
        agentUnreachable: false,
        packetsSent: 3,
        packetsRecv: 3,
        packetLoss: 0,
      });
      const refused = await c.fetch(`/api/monitor/agents/${agentId}`, { method: "DELETE" });
      expect(refused.status).toBe(409);
      expect((await refused.json()).message).toContain("1 monitor run from this agent");
    }, 60_000);

    test("an agent that restarts mid-test: a failed result that says so, with no figures", async () => {
      const other = await startAgent({
        args: ["--interface", "lo"],
        env: { ...AGENT_ENV, NETRONOME__IPERF_TEST_DURATION: "10" },
      });
      try {
        const res = await c.postJson("/api/monitor/agents", {
          name: "Restarting",
          url: other.url,
          apiKey: TEST_API_KEY,
        });
        const id = (await res.json()).id;
        const run = c.postJson("/api/speedtest", iperfTest({ agentId: id }));
        await until("iperf3 on the agent", async () =>
          childrenOf(other.proc.pid).some((pid) => commandOf(pid) === "iperf3"),
        );
        other.proc.kill("SIGKILL");
        const result = await (await run).json();
        expect(result).toMatchObject({ agentId: id, downloadSpeed: null, uploadSpeed: null, latency: null });
        expect(result.error).toContain('the connection to agent "Restarting" was lost during the measurement');
        expect(await c.fetch(`/api/monitor/agents/${id}`, { method: "DELETE" })).toHaveProperty("status", 204);
      } finally {
        await other.stop("SIGKILL").catch(() => {});
      }
    }, 60_000);

    test("the agent away at a monitor's slot: 'agent unreachable', not lost packets, and the state stays", async () => {
      const monitor = await (
        await c.postJson("/api/packetloss/monitors", { host: "127.0.0.1", interval: "1h", packetCount: 2, agentId })
      ).json();
      await agent.stop("SIGKILL");
      await c.fetch(`/api/packetloss/monitors/${monitor.id}/start`, { method: "POST" });
      const history = await until("an unreachable run", async () => {
        const h = await (await c.get(`/api/packetloss/monitors/${monitor.id}/history`)).json();
        return h.data?.length ? h : undefined;
      });
      expect(history.data[0]).toMatchObject({ agentId, agentUnreachable: true, packetLoss: null, packetsSent: 0 });
      expect(history.data[0].error).toContain('agent "Edge <1>" is unreachable');
      const list = (await (await c.get("/api/packetloss/monitors")).json()) as { id: number; lastState: string }[];
      expect(list.find((m) => m.id === monitor.id)?.lastState).toBe("unknown");
      const chart = await t.services.monitors.chart(monitor.id, "1h");
      expect([chart.summary.runs, chart.summary.packetsSent]).toEqual([0, 0]);
      // A scheduled speed test from it at that moment is a failed result that says why.
      const failed = await (await c.postJson("/api/speedtest", iperfTest({ agentId }))).json();
      expect(failed).toMatchObject({ agentId, downloadSpeed: null, uploadSpeed: null });
      expect(failed.error).toContain("unreachable");
    }, 60_000);
  }),
);
