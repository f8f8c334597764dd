/**
 * `netronome agent` as a real process from source: the HTTP contract of src/protocol/agent.ts (every endpoint's
 * shape), the API key, CORS, hostile input and the live stream from vnstat.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { hostname } from "node:os";
import type { AgentInfo, AgentRoot, HardwareStats, PeakStats, SystemInfo } from "../../src/protocol/agent";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { expectSample } from "../helpers/agent-samples";
import { describeIf, hasCommand } from "../helpers/env";

const PROTECTED = [
  "/events?stream=live-data",
  "/export/historical",
  "/system/info",
  "/system/hardware",
  "/stats/peaks",
];
const hasVnstat = hasCommand("vnstat");

describeIf(hasVnstat, "vnstat is not installed", "agent with an API key, live data from vnstat", () => {
  let agent: AgentProcess;
  beforeAll(async () => {
    agent = await startAgent({ args: ["--interface", "lo"] });
  });
  afterAll(async () => {
    await agent?.stop();
  });

  test("GET / and /netronome/info are public and follow the contract", async () => {
    const root = await (await agent.get("/", { key: null })).json();
    expect(root).toEqual({
      service: "monitor SSE agent",
      host: "127.0.0.1",
      port: agent.port,
      endpoints: {
        live: "/events?stream=live-data",
        historical: "/export/historical",
        peaks: "/stats/peaks",
        system: "/system/info",
        hardware: "/system/hardware",
        measure_servers: "/measure/servers",
        measure_speedtest: "/measure/speedtest",
        measure_probe: "/measure/probe",
        measure_traceroute: "/measure/traceroute",
      },
      authentication: "required",
      auth_methods: ["X-API-Key header", "apikey query parameter"],
      bandwidth_source: "vnstat",
      protocol_version: 1,
      measurement: { root: process.getuid?.() === 0, limits: { speedtest: 1, probe: 10, traceroute: 4 } },
    } satisfies AgentRoot);
    const info = (await (await agent.get("/netronome/info", { key: null })).json()) as AgentInfo;
    expect(info).toEqual({
      type: "netronome-agent",
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      hostname: hostname(),
      listening_host: "127.0.0.1",
      listening_port: agent.port,
      using_tailscale: false,
      protocol_version: 1,
    });
  });

  test("protected endpoints: 401 JSON without the key or with a wrong one; the header or ?apikey= opens them", async () => {
    for (const path of PROTECTED) {
      for (const key of [null, "wrong", `${TEST_API_KEY}x`, TEST_API_KEY.slice(0, -1), ""]) {
        const res = await agent.get(path, { key });
        expect([path, key, res.status]).toEqual([path, key, 401]);
        expect(res.headers.get("content-type")).toContain("application/json");
        expect(await res.json()).toEqual({ error: "unauthorized", message: expect.stringContaining("API key") });
      }
      // A wrong header is not rescued by a right query parameter.
      const sep = path.includes("?") ? "&" : "?";
      const both = await agent.get(`${path}${sep}apikey=${TEST_API_KEY}`, { key: "wrong" });
      expect(both.status).toBe(401);
    }
    const byQuery = await agent.get(`/stats/peaks?apikey=${TEST_API_KEY}`, { key: null });
    expect(byQuery.status).toBe(200);
    const byHeader = await agent.get("/system/info");
    expect(byHeader.status).toBe(200);
  });

  test("no CORS at all: no Access-Control-* header on any answer, preflights refused; unknown paths 404", async () => {
    const origin = { Origin: "https://evil.example" };
    for (const path of ["/", "/netronome/info", ...PROTECTED.filter((p) => !p.startsWith("/events")), "/nope"]) {
      for (const key of [null, TEST_API_KEY]) {
        const res = await agent.get(path, { key, headers: origin });
        for (const name of res.headers.keys()) expect(name.toLowerCase().startsWith("access-control-")).toBe(false);
        await res.arrayBuffer();
      }
    }
    const preflight = await agent.get("/system/info", {
      method: "OPTIONS",
      headers: { ...origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-api-key" },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    for (const method of ["POST", "PUT", "DELETE", "HEAD"])
      expect([method, (await agent.get("/events?stream=live-data", { method })).status]).toEqual([method, 405]);
    const missing = await agent.get("/admin");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found" });
  });

  test("/system/info and /system/hardware follow the contract", async () => {
    const info = await agent.json<SystemInfo>("/system/info");
    expect(info).toEqual({
      hostname: expect.any(String),
      kernel: expect.stringMatching(/^Linux \d+\.\d+/),
      uptime: expect.any(Number),
      interfaces: expect.any(Object),
      vnstat_version: expect.stringMatching(/^vnStat \d+\.\d+/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      agent_version: expect.any(String),
    });
    expect(info.uptime).toBeGreaterThan(0);
    expect(info.interfaces.lo).toBeUndefined();
    const eth0 = info.interfaces.eth0!;
    expect(eth0).toEqual({
      name: "eth0",
      alias: expect.any(String),
      ip_address: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
      link_speed: expect.any(Number),
      is_up: true,
      bytes_total: expect.any(Number),
      addresses: expect.arrayContaining([eth0.ip_address]),
    });

    const hw = await agent.json<HardwareStats>("/system/hardware");
    expect(Object.keys(hw).sort()).toEqual(["cpu", "disks", "memory", "temperature", "updated_at"]);
    expect(hw.cpu).toEqual({
      usage_percent: expect.any(Number),
      cores: expect.any(Number),
      threads: expect.any(Number),
      model: expect.any(String),
      frequency: expect.any(Number),
      load_avg: [expect.any(Number), expect.any(Number), expect.any(Number)],
    });
    expect(hw.cpu.threads).toBeGreaterThanOrEqual(hw.cpu.cores);
    expect(hw.cpu.usage_percent).toBeWithin(0, 100.01);
    expect(Object.keys(hw.memory).sort()).toEqual(
      [
        "available",
        "buffers",
        "cached",
        "free",
        "swap_percent",
        "swap_total",
        "swap_used",
        "total",
        "used",
        "used_percent",
        "zfs_arc",
      ].sort(),
    );
    expect(hw.memory.used + hw.memory.available).toBe(hw.memory.total);
    const root = hw.disks.find((d) => d.path === "/")!;
    expect(Object.keys(root).sort()).toEqual([
      "device",
      "free",
      "fstype",
      "model",
      "path",
      "serial",
      "total",
      "used",
      "used_percent",
    ]);
    expect(Array.isArray(hw.temperature)).toBe(true);
  });

  test("/stats/peaks follows the contract", async () => {
    const peaks = await agent.json<PeakStats>("/stats/peaks");
    expect(peaks).toEqual({
      peak_rx: expect.any(Number),
      peak_tx: expect.any(Number),
      peak_rx_string: expect.stringMatching(/B\/s$/),
      peak_tx_string: expect.stringMatching(/B\/s$/),
      peak_rx_timestamp: expect.any(String),
      peak_tx_timestamp: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  test("hostile ?interface= values are refused with 400 before vnstat runs", async () => {
    const hostile = [
      "-i",
      "--help",
      "--json",
      "eth0;id",
      "$(reboot)",
      "`id`",
      "a b",
      "../../etc",
      "eth0/..",
      "<script>alert(1)</script>",
      "ëth0",
      "eth0\n--add",
      "x".repeat(10_000),
      ".hidden",
      "a+b+c+d+e+f+g+h+i",
    ];
    for (const value of hostile) {
      const res = await agent.get(`/export/historical?interface=${encodeURIComponent(value)}`);
      expect([value.slice(0, 20), res.status]).toEqual([value.slice(0, 20), 400]);
      expect(await res.json()).toMatchObject({ error: "bad_request", field: "interface" });
    }
    expect(agent.log()).not.toContain("request failed");
  });

  test("/export/historical without vnstat's database answers 503 with vnstat's own message", async () => {
    // This machine runs no vnstat daemon: the agent's HOME has no ~/.vnstatrc, so vnstat looks in /var/lib/vnstat.
    const res = await agent.get("/export/historical?interface=eth0");
    if (res.status === 200) return; // A host with a vnstat database: covered by the history test below.
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "vnstat_unavailable", message: expect.stringContaining("database") });
  });

  test("live stream: vnstat samples as `event: message`, a heartbeat comment, 400 for another stream", async () => {
    for (const query of ["stream=other", "", "stream=live-data2", "stream="]) {
      const res = await agent.get(`/events?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(await res.json()).toMatchObject({ error: "bad_request" });
    }
    const live = await agent.live();
    expect(live.response.headers.get("content-type")).toStartWith("text/event-stream");
    try {
      const samples = await live.waitForSamples(3, 15_000);
      for (const s of samples) expectSample(s);
      // vnstat samples every 2 s (its `seconds` is the elapsed time, later on a busy machine); consecutive indexes
      // (the first may be the latest sample, sent on connect).
      const tail = samples.slice(-2);
      expect(tail[1]!.index).toBe(tail[0]!.index + 1);
      expect(tail[1]!.seconds - tail[0]!.seconds).toBeWithin(2, 5);
      expect(live.raw.some((block) => block.startsWith("event: message\ndata: {"))).toBe(true);
      // A heartbeat comment arrives within 15 s of connecting, besides the samples.
      const deadline = Date.now() + 17_000;
      while (!live.comments.some((c) => c.text === "keepalive") && Date.now() < deadline) await Bun.sleep(200);
      expect(live.comments.map((c) => c.text)).toContain("keepalive");
      expect(live.comments[0]?.text).toBe("connected");
    } finally {
      await live.close();
    }
  }, 40_000);
});
