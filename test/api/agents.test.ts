/**
 * The agent API on both dialects against fake agents on 127.0.0.1: the original's fields and URL handling, the
 * key stored encrypted and never answered, live state, the agent's documents with their fallback to what was
 * stored, history, and changes that reach the connections at once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { AppEvent } from "../../src/server/events";
import { type Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";
import { type FakeAgent, startFakeAgent } from "../servers/agent-server";

const FIELDS = [
  "id",
  "name",
  "url",
  "apiKey",
  "enabled",
  "interface",
  "isTailscale",
  "tailscaleHostname",
  "discoveredAt",
  "createdAt",
  "updatedAt",
];
const SETTINGS = { monitor: { poll_interval: "1s", reconnect_interval: "1s", stale_after: "3s" } };

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 10_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describeEachDialect("agents API", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  let c: Client;
  const events: AppEvent[] = [];
  const fakes: FakeAgent[] = [];
  const fake = (o: Parameters<typeof startFakeAgent>[0] = {}) => {
    const a = startFakeAgent({ intervalMs: 200, ...o });
    fakes.push(a);
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
    await Promise.all(fakes.map((f) => f.stop()));
    await database.drop();
  });

  const api = (path = "") => `/api/monitor/agents${path}`;
  const create = async (body: Record<string, unknown>) => {
    const res = await c.postJson(api(), body);
    expect(res.status).toBe(201);
    return res.json();
  };
  const status = async (id: number) => (await c.get(api(`/${id}/status`))).json();
  const list = async () => (await (await c.get(api())).json()) as Record<string, unknown>[];

  test("create, read, edit and delete with the original's fields; the key is 'configured', never itself", async () => {
    const a = fake({ apiKey: "hunter2-key" });
    const created = await create({ name: "NAS", url: `${a.url}/`, apiKey: "hunter2-key", enabled: false });
    for (const field of FIELDS) expect(created).toHaveProperty(field);
    expect(created).toMatchObject({
      name: "NAS",
      url: `${a.url}/events?stream=live-data`,
      apiKey: "configured",
      enabled: false,
      interface: "",
      isTailscale: false,
      state: null,
      monitored: false,
    });
    // Encrypted at rest: the column holds neither the key nor anything that contains it.
    const [row] = await t.db.db.select().from(t.db.t.agents).where(eq(t.db.t.agents.id, created.id));
    expect(row!.apiKey).toStartWith("v1:");
    expect(row!.apiKey).not.toContain("hunter2");
    for (const body of [await (await c.get(api(`/${created.id}`))).text(), JSON.stringify(await list())])
      expect(body).not.toContain("hunter2");

    // "configured" keeps the stored key; a URL given with the stream suffix stays as it is.
    const put = await c.fetch(api(`/${created.id}`), {
      method: "PUT",
      json: { name: "NAS 2", url: `${a.url}/events?stream=live-data`, apiKey: "configured" },
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      name: "NAS 2",
      url: `${a.url}/events?stream=live-data`,
      apiKey: "configured",
    });
    const [kept] = await t.db.db.select().from(t.db.t.agents).where(eq(t.db.t.agents.id, created.id));
    expect(kept!.apiKey).toBe(row!.apiKey);

    // An empty key removes it.
    const cleared = await (await c.fetch(api(`/${created.id}`), { method: "PUT", json: { apiKey: "" } })).json();
    expect(cleared.apiKey).toBeNull();

    const del = await c.fetch(api(`/${created.id}`), { method: "DELETE" });
    expect(del.status).toBe(204);
    expect((await c.get(api(`/${created.id}`))).status).toBe(404);
    expect((await c.fetch(api(`/${created.id}`), { method: "DELETE" })).status).toBe(404);
  });

  test.each([
    [{ url: "http://127.0.0.1:1" }, "name"],
    [{ name: "  ", url: "http://127.0.0.1:1" }, "name"],
    [{ name: "x", url: "" }, "url"],
    [{ name: "x", url: "ftp://127.0.0.1:21" }, "url"],
    [{ name: "x", url: "http://admin:pw@127.0.0.1:8200" }, "url"],
    [{ name: "x", url: "http://127.0.0.1:8200/?apikey=abc" }, "url"],
    [{ name: "x", url: "javascript:alert(1)" }, "url"],
    [{ name: "x", url: "http://127.0.0.1:1", apiKey: "has space" }, "apiKey"],
    [{ name: "x", url: "http://127.0.0.1:1", apiKey: "line\r\nX-Injected: 1" }, "apiKey"],
    [{ name: "x", url: "http://127.0.0.1:1", apiKey: "configured" }, "apiKey"],
    [{ name: "x", url: "http://127.0.0.1:1", interface: "eth0; rm -rf" }, "interface"],
    [{ name: "x".repeat(101), url: "http://127.0.0.1:1" }, "name"],
  ])("%p is refused with 400 naming %s, and nothing is written", async (body, field) => {
    const before = (await list()).length;
    const res = await c.postJson(api(), body);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toStartWith(`${field}:`);
    expect((await list()).length).toBe(before);
  });

  test("an enabled agent goes online at once: status, live samples, system, hardware, peaks, vnstat, events", async () => {
    const a = fake({ apiKey: "k", hostname: "<b>nas</b>" });
    events.length = 0;
    const created = await create({ name: "Live", url: a.url, apiKey: "k" });
    const s = await until("online", async () => {
      const st = await status(created.id);
      return st.connected && st.liveData ? st : undefined;
    });
    expect(s).toMatchObject({ connected: true, state: "online", monitored: true });
    expect(s.liveData.rx.bytespersecond).toBeGreaterThan(0);
    expect(events.find((e) => e.type === "agent.state")).toMatchObject({
      type: "agent.state",
      agentId: created.id,
      agentName: "Live",
      from: null,
      to: "online",
    });
    await until("agent.live", () => events.find((e) => e.type === "agent.live"));
    const metrics = await until("agent.metrics", () => events.find((e) => e.type === "agent.metrics"));
    expect(metrics).toMatchObject({ agentId: created.id, metrics: { cpuPercent: 23.5, diskUsedPercentMax: 71.1 } });

    const system = await (await c.get(api(`/${created.id}/system`))).json();
    expect(system).toMatchObject({
      hostname: "<b>nas</b>",
      kernel: "Linux 6.1.0-18-amd64",
      agent_version: "0.1.0-fake",
    });
    expect(system.from_cache).toBeUndefined();
    expect((await (await c.get(api(`/${created.id}/hardware`))).json()).cpu.cores).toBe(8);
    expect((await (await c.get(api(`/${created.id}/peaks`))).json()).peak_rx).toBe(117_440_512);
    const native = await (await c.get(api(`/${created.id}/native?interface=eth0`))).json();
    expect(native.interfaces.map((i: { name: string }) => i.name)).toEqual(["eth0"]);
    expect(a.requests.some((r) => r.path === "/export/historical?interface=eth0")).toBe(true);
  });

  test("?interface= is validated before any request: query smuggling is refused", async () => {
    const a = fake();
    const created = await create({ name: "Iface", url: a.url });
    await until("online", async () => (await status(created.id)).connected);
    const seen = a.requests.length;
    for (const bad of ["eth0%26apikey%3Dx", "eth0%20x", "..%2Fetc", "a".repeat(65)]) {
      const res = await c.get(api(`/${created.id}/native?interface=${bad}`));
      expect(res.status).toBe(400);
      expect((await res.json()).message).toStartWith("interface:");
    }
    // (The hourly export may run meanwhile, but never with an interface from these requests.)
    expect(a.requests.slice(seen).some((r) => r.path.includes("interface="))).toBe(false);
  });

  test("offline: status says since when; documents come from what was stored, marked from_cache", async () => {
    const a = fake();
    const created = await create({ name: "Goes away", url: a.url });
    await until(
      "polled",
      async () =>
        (await (await c.get(api(`/${created.id}/system`))).json()).hostname &&
        (await t.services.agents.snapshot(created.id)).info?.hardwareAt,
    );
    await c.get(api(`/${created.id}/native`));
    await a.stop();
    const s = await until(
      "offline",
      async () => {
        const st = await status(created.id);
        return st.state === "offline" ? st : undefined;
      },
      5000,
    );
    expect(s.connected).toBe(false);
    expect(Date.parse(s.since)).toBeGreaterThan(Date.now() - 10_000);
    expect(Date.parse(s.lastSeen)).toBeLessThanOrEqual(Date.parse(s.since));
    const system = await (await c.get(api(`/${created.id}/system`))).json();
    expect(system).toMatchObject({ hostname: "nas-01", from_cache: true, cpu_cores: 8 });
    expect(Object.keys(system.interfaces)).toEqual(["eth0", "wg0"]);
    const hardware = await (await c.get(api(`/${created.id}/hardware`))).json();
    expect(hardware).toMatchObject({ from_cache: true, uptime: 1_234_567 });
    expect(hardware.disks).toHaveLength(2);
    const native = await (await c.get(api(`/${created.id}/native`))).json();
    expect(native).toMatchObject({ from_cache: true, vnstatversion: "2.10" });
    expect(native.interfaces.map((i: { name: string }) => i.name)).toEqual(["eth0", "wg0"]);
    const peaks = await (await c.get(api(`/${created.id}/peaks`))).json();
    expect(peaks).toMatchObject({ from_cache: true, peak_tx: 23_068_672 });
  });

  test("never reached and nothing stored: 503 with the original's message", async () => {
    const created = await create({ name: "Nowhere", url: "http://127.0.0.1:9" });
    for (const path of ["system", "hardware", "peaks", "native"]) {
      const res = await c.get(api(`/${created.id}/${path}`));
      expect(res.status).toBe(503);
      expect((await res.json()).message).toBe("Agent is offline and no cached data available");
    }
  });

  test("a wrong key shows as unauthorized with its reason, never as offline", async () => {
    const a = fake({ apiKey: "right" });
    const created = await create({ name: "Wrong key", url: a.url, apiKey: "wrong" });
    const s = await until("unauthorized", async () => {
      const st = await status(created.id);
      return st.state === "unauthorized" ? st : undefined;
    });
    expect(s.reason).toBe("unauthorized: check the API key");
    // Fixing the key reconnects at once.
    await c.fetch(api(`/${created.id}`), { method: "PUT", json: { apiKey: "right" } });
    await until("online after the fix", async () => (await status(created.id)).connected);
  });

  test("disable, enable, edit and delete reach the connection without a restart", async () => {
    const a = fake();
    const b = fake();
    const created = await create({ name: "Toggle", url: a.url });
    await until("online", async () => (await status(created.id)).connected);
    expect(a.streams()).toBe(1);
    const stopped = await (await c.fetch(api(`/${created.id}/stop`), { method: "POST" })).json();
    expect(stopped).toMatchObject({
      message: "Agent stopped successfully",
      agent: { enabled: false, monitored: false },
    });
    await until("stream closed", () => a.streams() === 0);
    expect((await status(created.id)).connected).toBe(false);
    await c.fetch(api(`/${created.id}/start`), { method: "POST" });
    await until("online again", async () => (await status(created.id)).connected);
    await c.fetch(api(`/${created.id}`), { method: "PUT", json: { url: b.url } });
    await until("moved to the other agent", () => b.streams() === 1 && a.streams() === 0);
    await c.fetch(api(`/${created.id}`), { method: "DELETE" });
    await until("closed on delete", () => b.streams() === 0);
    expect(t.services.scheduler.get(`agent:${created.id}:poll`)).toBeUndefined();
  });

  test("thirty edits at once leave exactly one connection, to the last URL saved", async () => {
    const a = fake();
    const b = fake();
    const created = await create({ name: "Busy", url: a.url });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        c.fetch(api(`/${created.id}`), { method: "PUT", json: { url: (i % 2 ? b : a).url, name: `Busy ${i}` } }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const saved = await (await c.get(api(`/${created.id}`))).json();
    const target = saved.url.startsWith(a.url) ? a : b;
    await until("one stream", () => target.streams() === 1);
    await Bun.sleep(500);
    expect(a.streams() + b.streams()).toBe(1);
    expect(t.services.scheduler.list().filter((j) => j.id === `agent:${created.id}:poll`)).toHaveLength(1);
    await c.fetch(api(`/${created.id}`), { method: "DELETE" });
  });

  test("hostile names are stored and answered as plain text; huge bodies are refused", async () => {
    const name = `<script>alert(1)</script> "quoted" 'single' \u202e ${"é".repeat(20)}`;
    const created = await create({ name, url: "http://127.0.0.1:9", enabled: false });
    expect(created.name).toBe(name);
    const huge = await c.postJson(api(), { name: "x", url: `http://127.0.0.1/${"a".repeat(100_000)}` });
    expect(huge.status).toBe(400);
  });

  test("history: polled figures and live rates as chart series, with gaps as null", async () => {
    const a = fake();
    const created = await create({ name: "History", url: a.url });
    await until("two polls", async () => {
      const h = await (await c.get(api(`/${created.id}/history?timeRange=1d`))).json();
      const cpu = h.series?.find((s: { metric: string }) => s.metric === "cpu");
      return cpu && h.series.some((s: { metric: string }) => s.metric === "rx") ? h : undefined;
    });
    const h = await (await c.get(api(`/${created.id}/history?timeRange=1d&metrics=disk,temperature,rx`))).json();
    expect(h).toMatchObject({ timeRange: "1d", resolution: 60, stepSeconds: 60 });
    expect(h.times).toHaveLength(h.series[0].avg.length);
    expect(h.series.map((s: { metric: string; label: string }) => `${s.metric}:${s.label}`).sort()).toEqual([
      "disk:/",
      "disk:/mnt/storage",
      "rx:",
      "temperature:acpitz_0",
      "temperature:k10temp_tctl",
      "temperature:nvme_composite",
    ]);
    const disk = h.series.find((s: { label: string }) => s.label === "/mnt/storage");
    expect(disk.avg.filter((v: number | null) => v !== null).at(-1)).toBeCloseTo(71.1);
    expect(disk.avg.filter((v: number | null) => v === null).length).toBeGreaterThan(1000);
    const rx = h.series.find((s: { metric: string }) => s.metric === "rx");
    const last = rx.avg.filter((v: number | null) => v !== null).at(-1);
    expect(last).toBeGreaterThan(1_000_000);
    const week = await (await c.get(api(`/${created.id}/history?timeRange=1w&metrics=cpu`))).json();
    expect(week).toMatchObject({ resolution: 3600, stepSeconds: 3600 });
    const bad = await c.get(api(`/${created.id}/history?metrics=cpu,passwords`));
    expect(bad.status).toBe(400);
  });

  test("without a session the API answers 401 and reveals nothing", async () => {
    const res = await t.app.handle(new Request(`http://localhost${api()}`));
    expect(res.status).toBe(401);
  });
});

describeEachDialect("agents with [monitor] enabled = false", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  let c: Client;
  const a = startFakeAgent({ intervalMs: 200 });
  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database, { monitor: { enabled: false } });
    await t.start();
    c = await signedInClient(t);
  });
  afterAll(async () => {
    await t.close();
    await a.stop();
    await database.drop();
  });

  test("agents are kept and listed, but never contacted; start is refused", async () => {
    const res = await c.postJson("/api/monitor/agents", { name: "Off", url: a.url });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created.monitored).toBe(false);
    await Bun.sleep(1500);
    expect(a.requests).toEqual([]);
    expect(await (await c.get(`/api/monitor/agents/${created.id}/status`)).json()).toMatchObject({
      connected: false,
      monitored: false,
    });
    expect((await c.fetch(`/api/monitor/agents/${created.id}/start`, { method: "POST" })).status).toBe(409);
  });
});
