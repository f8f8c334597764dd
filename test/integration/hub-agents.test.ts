/**
 * The hub against real `netronome agent` processes (from source) on 127.0.0.1, on both dialects: live data in the
 * API, the agent's own documents, kill -9 → offline within seconds, a restart on the same port → online again
 * without touching the hub, and a wrong key → unauthorized (the agent answers 401), never offline.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { AppEvent } from "../../src/server/events";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { type Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";

const SETTINGS = { monitor: { poll_interval: "1s", reconnect_interval: "1s", stale_after: "5s" } };

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

describeEachDialect("the hub with real agents", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  let c: Client;
  const agents: AgentProcess[] = [];
  const events: AppEvent[] = [];
  const agent = async (o: Parameters<typeof startAgent>[0] = {}) => {
    const a = await startAgent({ args: ["--interface", "lo"], ...o });
    agents.push(a);
    return a;
  };
  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database, SETTINGS);
    t.services.bus.on((e) => events.push(e));
    await t.start();
    c = await signedInClient(t);
  });
  afterAll(async () => {
    await t.close();
    for (const a of agents) await a.stop("SIGKILL").catch(() => {});
    await database.drop();
  });

  const status = async (id: number) => (await c.get(`/api/monitor/agents/${id}/status`)).json();

  test("added, it streams live data and the hub reads its system, hardware, peaks and vnstat", async () => {
    const a = await agent();
    const res = await c.postJson("/api/monitor/agents", { name: "Local", url: a.url, apiKey: TEST_API_KEY });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const s = await until("live data", async () => {
      const st = await status(id);
      return st.connected && st.liveData ? st : undefined;
    });
    expect(s.liveData.rx.bytespersecond).toBeGreaterThanOrEqual(0);
    await until("agent.live", async () => events.some((e) => e.type === "agent.live" && e.agentId === id));
    await until("agent.metrics", async () => events.some((e) => e.type === "agent.metrics" && e.agentId === id));
    const system = await (await c.get(`/api/monitor/agents/${id}/system`)).json();
    expect(system.hostname).toBe(require("node:os").hostname());
    expect(system.kernel).toStartWith("Linux ");
    expect(system.agent_version).toBeTruthy();
    expect(Object.keys(system.interfaces).length).toBeGreaterThan(0);
    for (const [name, iface] of Object.entries(system.interfaces)) expect(iface).toMatchObject({ name });
    const hardware = await (await c.get(`/api/monitor/agents/${id}/hardware`)).json();
    expect(hardware.cpu.threads).toBeGreaterThan(0);
    expect(hardware.disks.some((d: { path: string }) => d.path === "/")).toBe(true);
    expect((await c.get(`/api/monitor/agents/${id}/peaks`)).status).toBe(200);
    expect([200, 503]).toContain((await c.get(`/api/monitor/agents/${id}/native`)).status);
    const history = await until("history", async () => {
      const h = await (await c.get(`/api/monitor/agents/${id}/history?metrics=cpu,rx`)).json();
      return h.series.length === 2 ? h : undefined;
    });
    expect(history.series.map((x: { metric: string }) => x.metric).sort()).toEqual(["cpu", "rx"]);
  }, 40_000);

  test("kill -9 → offline within seconds; restarted on its port → online again, the hub untouched", async () => {
    const first = await agent();
    const { id } = await (
      await c.postJson("/api/monitor/agents", { name: "Flaky", url: first.url, apiKey: TEST_API_KEY })
    ).json();
    await until("a poll", async () => events.some((e) => e.type === "agent.metrics" && e.agentId === id));
    await first.stop("SIGKILL");
    const killedAt = Date.now();
    const offline = await until("offline", async () => {
      const st = await status(id);
      return st.state === "offline" ? st : undefined;
    });
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(offline.reason).toBeTruthy();
    expect(events.find((e) => e.type === "agent.state" && e.agentId === id && e.to === "offline")).toMatchObject({
      from: "online",
      agentName: "Flaky",
    });
    // The last figures stay readable, marked as such.
    expect(await (await c.get(`/api/monitor/agents/${id}/hardware`)).json()).toMatchObject({ from_cache: true });
    await agent({ port: first.port });
    await until("online again", async () => (await status(id)).connected);
  }, 40_000);

  test("a wrong key: the agent answers 401 and the hub says unauthorized, not offline", async () => {
    const a = await agent();
    expect((await a.get("/system/info", { key: "wrong" })).status).toBe(401);
    const { id } = await (
      await c.postJson("/api/monitor/agents", { name: "Locked", url: a.url, apiKey: "wrong" })
    ).json();
    const st = await until("unauthorized", async () => {
      const s = await status(id);
      return s.state === "unauthorized" ? s : undefined;
    });
    expect(st).toMatchObject({ connected: false, reason: "unauthorized: check the API key" });
    expect(events.some((e) => e.type === "agent.state" && e.agentId === id && e.to === "offline")).toBe(false);
  }, 30_000);
});
