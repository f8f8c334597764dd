/**
 * `netronome agent` as a real process from source: the HTTP contract of src/protocol/agent.ts, the API key, live
 * data from vnstat and from /proc/net/dev, vnstat supervision, peaks across restarts and a clean shutdown.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { PEAKS_WRITE_DELAY_MS } from "../../src/agent/peaks";
import type {
  AgentInfo,
  AgentRoot,
  HardwareStats,
  HistoricalExport,
  LiveDirection,
  LiveSample,
  PeakStats,
  SystemInfo,
} from "../../src/protocol/agent";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { describeIf, hasCommand } from "../helpers/env";
import { createChain, netnsAvailable } from "../helpers/netns";
import { commandOf, isAlive } from "../helpers/processes";

const PROTECTED = [
  "/events?stream=live-data",
  "/export/historical",
  "/system/info",
  "/system/hardware",
  "/stats/peaks",
];
const hasVnstat = hasCommand("vnstat");

/** Serves `size` bytes per request on loopback, so a test can make traffic the agent must see. */
function trafficServer(size: number) {
  const body = new Uint8Array(size);
  return Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(body) });
}

async function pull(server: ReturnType<typeof trafficServer>, times: number): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < times; i++)
    bytes += (await (await fetch(`http://127.0.0.1:${server.port}/`)).arrayBuffer()).byteLength;
  return bytes;
}

function expectDirection(d: LiveDirection) {
  expect(d).toEqual({
    ratestring: expect.stringMatching(/^\d+(\.\d\d)? [kMGT]?bit\/s$/),
    bytespersecond: expect.any(Number),
    packetspersecond: expect.any(Number),
    bytes: expect.any(Number),
    packets: expect.any(Number),
    totalbytes: expect.any(Number),
    totalpackets: expect.any(Number),
  });
  for (const v of Object.values(d)) if (typeof v === "number") expect(Number.isInteger(v) && v >= 0).toBe(true);
  expect(d.totalbytes).toBeGreaterThanOrEqual(d.bytes);
}

function expectSample(s: LiveSample) {
  expect(Object.keys(s).sort()).toEqual(["index", "rx", "seconds", "tx"]);
  expect(s.index).toBeGreaterThanOrEqual(1);
  expect(s.seconds).toBeGreaterThanOrEqual(0);
  expectDirection(s.rx);
  expectDirection(s.tx);
}

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
      },
      authentication: "required",
      auth_methods: ["X-API-Key header", "apikey query parameter"],
      bandwidth_source: "vnstat",
      protocol_version: 1,
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
      // vnstat samples every 2 s; consecutive indexes (the first may be the latest sample, sent on connect).
      const tail = samples.slice(-2);
      expect(tail[1]!.index).toBe(tail[0]!.index + 1);
      expect(tail[1]!.seconds - tail[0]!.seconds).toBe(2);
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

describeIf(hasVnstat, "vnstat is not installed", "vnstat supervision and shutdown", () => {
  test("vnstat live is started again after it is killed, and samples resume", async () => {
    const agent = await startAgent({ args: ["--interface", "lo", "--disable-system-metrics"] });
    try {
      const live = await agent.live();
      await live.waitForSamples(1);
      const [first] = agent.children().filter((pid) => commandOf(pid) === "vnstat");
      expect(first).toBeDefined();
      process.kill(first!, "SIGKILL");
      let second: number | undefined;
      const deadline = Date.now() + 10_000;
      while (!second && Date.now() < deadline) {
        second = agent.children().find((pid) => commandOf(pid) === "vnstat" && pid !== first);
        await Bun.sleep(100);
      }
      expect(second).toBeDefined();
      const before = live.samples.length;
      await live.waitForSamples(before + 2, 10_000);
      // The new vnstat numbers its samples from 1 again.
      expect(live.samples.slice(before).some((s) => s.sample.index === 1)).toBe(true);
      expect(agent.log()).toContain("vnstat ended; starting it again");
      await live.close();
    } finally {
      await agent.stop();
    }
  }, 30_000);

  test("SIGTERM: live streams end, vnstat is stopped, the process exits 0 with nothing left behind", async () => {
    const agent = await startAgent({ args: ["--interface", "lo"] });
    const live = await agent.live();
    await live.waitForSamples(1);
    const children = agent.children();
    expect(children.map(commandOf)).toContain("vnstat");
    const started = Date.now();
    expect(await agent.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    await live.ended();
    for (const pid of children) expect(isAlive(pid)).toBe(false);
  }, 30_000);

  test("vnstat that cannot read the interface: the agent falls back to /proc/net/dev and says so", async () => {
    // vnstat refuses an interface that does not exist (yet); so does /proc/net/dev, which waits for it.
    const agent = await startAgent({ args: ["--interface", "nosuchif0", "--disable-system-metrics"] });
    try {
      const deadline = Date.now() + 10_000;
      let root: AgentRoot | undefined;
      while (Date.now() < deadline) {
        root = (await (await agent.get("/")).json()) as AgentRoot;
        if (root.bandwidth_source === "procfs") break;
        await Bun.sleep(100);
      }
      expect(root?.bandwidth_source).toBe("procfs");
      expect(agent.log()).toContain("vnstat cannot measure the interface");
      expect(agent.log()).toContain("Unable to get interface");
      expect(agent.log()).toContain("waiting for it");
    } finally {
      await agent.stop();
    }
  }, 20_000);
});

describe("agent without vnstat: /proc/net/dev", () => {
  let agent: AgentProcess;
  let traffic: ReturnType<typeof trafficServer>;
  // Kept across the restart below: the agent's state (peaks) lives under its HOME.
  const home = mkdtempSync(join(tmpdir(), "netronome-agent-home-"));
  // PATH without vnstat (Bun itself is started by its absolute path).
  const start = () => startAgent({ args: ["--interface", "lo"], env: { PATH: "/nonexistent" }, home });
  beforeAll(async () => {
    traffic = trafficServer(16 * 1024 * 1024);
    agent = await start();
  });
  afterAll(async () => {
    await agent?.stop();
    traffic?.stop(true);
    rmSync(home, { recursive: true, force: true });
  });

  test("GET / says procfs; samples every second with rates that account for the loopback traffic made", async () => {
    expect(((await (await agent.get("/")).json()) as AgentRoot).bandwidth_source).toBe("procfs");
    const live = await agent.live();
    try {
      await live.waitForSamples(2);
      const from = live.samples.length;
      const made = await pull(traffic, 8);
      const target = from + 3;
      const samples = (await live.waitForSamples(target)).slice(from - 1);
      for (const s of samples) expectSample(s);
      // Other tests share lo, so only a lower bound holds: every byte made was counted (both directions on lo).
      const counted = samples.slice(1).reduce((sum, s) => sum + s.rx.bytes, 0);
      expect(counted).toBeGreaterThanOrEqual(made);
      expect(samples.slice(1).reduce((sum, s) => sum + s.tx.bytes, 0)).toBeGreaterThanOrEqual(made);
      for (const [a, b] of samples.slice(1).map((s, i) => [samples[i]!, s] as const)) {
        expect(b.index).toBe(a.index + 1);
        expect(b.rx.totalbytes).toBe(a.rx.totalbytes + b.rx.bytes);
        // About one second per sample: the rate and the bytes of the sample agree within 35 %.
        expect(Math.abs(b.rx.bytespersecond - b.rx.bytes) / Math.max(b.rx.bytes, 1)).toBeLessThan(0.35);
      }
      const gaps = live.samples.slice(from).map((s, i, all) => (i ? s.at - all[i - 1]!.at : 1000));
      for (const gap of gaps) expect(gap).toBeWithin(500, 2000);
    } finally {
      await live.close();
    }
  }, 30_000);

  test("peaks survive a restart, and a crash once they were written", async () => {
    await pull(traffic, 4);
    const peakSeen = async () => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const peaks = await agent.json<PeakStats>("/stats/peaks");
        if (peaks.peak_rx > 16 * 1024 * 1024 || Date.now() > deadline) return peaks;
        await Bun.sleep(200);
      }
    };
    const before = await peakSeen();
    expect(before.peak_rx).toBeGreaterThan(16 * 1024 * 1024);
    const port = agent.port;
    expect(await agent.stop("SIGTERM")).toBe(0);
    agent = await start();
    expect(agent.port).not.toBe(port);
    const after = await agent.json<PeakStats>("/stats/peaks");
    expect(after.peak_rx).toBeGreaterThanOrEqual(before.peak_rx);
    expect(after.peak_rx_timestamp >= before.peak_rx_timestamp).toBe(true);

    // A higher peak, saved a few seconds after it was seen, survives kill -9.
    const big = trafficServer(64 * 1024 * 1024);
    try {
      await pull(big, 3);
    } finally {
      big.stop(true);
    }
    const higher = await agent.json<PeakStats>("/stats/peaks");
    await Bun.sleep(PEAKS_WRITE_DELAY_MS + 500);
    await agent.stop("SIGKILL");
    agent = await start();
    expect((await agent.json<PeakStats>("/stats/peaks")).peak_rx).toBeGreaterThanOrEqual(higher.peak_rx);
  }, 40_000);
});

describe("agent under many clients", () => {
  const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

  test("150 live streams that vanish mid-stream and 150 parallel hardware requests: all served, nothing leaks", async () => {
    const agent = await startAgent({ args: ["--interface", "lo"], env: { PATH: "/nonexistent" } });
    try {
      const first = await agent.live();
      await first.waitForSamples(1);
      await first.close();
      await Bun.sleep(300);
      const baseline = openFds(agent.proc.pid);
      const streams = await Promise.all(Array.from({ length: 150 }, () => agent.live()));
      await Promise.all(streams.map((s) => s.waitForSamples(2)));
      // Connection: close, so that idle keep-alive sockets of the test's own client do not count.
      const answers = await Promise.all(
        Array.from({ length: 150 }, () => agent.get("/system/hardware", { headers: { connection: "close" } })),
      );
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
      await Promise.all(answers.map((r) => r.arrayBuffer()));
      // The clients go away without a word (their sockets close).
      await Promise.all(streams.map((s) => s.close()));
      const deadline = Date.now() + 10_000;
      while (openFds(agent.proc.pid) > baseline + 2 && Date.now() < deadline) await Bun.sleep(200);
      expect(openFds(agent.proc.pid)).toBeLessThanOrEqual(baseline + 2);
      // Still serving.
      const after = await agent.live();
      await after.waitForSamples(1);
      await after.close();
    } finally {
      await agent.stop();
    }
  }, 60_000);
});

describe("agent options as a process", () => {
  test("--disable-system-metrics: no /system routes and GET / does not list them; bandwidth still served", async () => {
    const agent = await startAgent({
      args: ["--interface", "lo", "--disable-system-metrics"],
      env: { PATH: "/nonexistent" },
    });
    try {
      const root = (await (await agent.get("/")).json()) as AgentRoot;
      expect(Object.keys(root.endpoints).sort()).toEqual(["historical", "live", "peaks"]);
      for (const path of ["/system/info", "/system/hardware"]) expect((await agent.get(path)).status).toBe(404);
      expect((await agent.get("/stats/peaks")).status).toBe(200);
    } finally {
      await agent.stop();
    }
  });

  test("no API key: everything open, a clear warning at start; disk globs from the environment", async () => {
    const agent = await startAgent({
      key: null,
      args: ["--interface", "lo"],
      env: { PATH: "/nonexistent", NETRONOME__AGENT_DISK_INCLUDES: "/dev/sh*", NETRONOME__AGENT_DISK_EXCLUDES: "/" },
    });
    try {
      const root = (await (await agent.get("/")).json()) as AgentRoot;
      expect(root).toMatchObject({ authentication: "none", auth_methods: [] });
      expect(agent.log()).toContain("WRN no API key: anyone who can reach 127.0.0.1");
      const hw = (await (await agent.get("/system/hardware", { key: null })).json()) as HardwareStats;
      expect(hw.disks.map((d) => d.path)).toContain("/dev/shm");
      expect(hw.disks.map((d) => d.path)).not.toContain("/");
    } finally {
      await agent.stop();
    }
  });

  test("a config file's [agent] section, with flags on top", async () => {
    const dir = mkdtempSync(join(tmpdir(), "netronome-agent-conf-"));
    const file = join(dir, "agent.toml");
    writeFileSync(
      file,
      '[agent]\napi_key = "key-from-the-config-file"\ndisable_system_metrics = true\n[logging]\nlevel = "debug"\n',
    );
    const agent = await startAgent({
      key: null,
      args: ["--config", file, "--interface", "lo"],
      env: { PATH: "/nonexistent" },
    });
    try {
      expect((await agent.get("/stats/peaks", { key: null })).status).toBe(401);
      expect((await agent.get("/stats/peaks", { key: "key-from-the-config-file" })).status).toBe(200);
      expect((await agent.get("/system/info", { key: "key-from-the-config-file" })).status).toBe(404);
      expect(agent.log()).toContain(`config=${file}`);
    } finally {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeIf(
  netnsAvailable && hasVnstat && hasCommand("vnstatd"),
  "needs root, iproute2, vnstat and vnstatd",
  "vnstat history from a real database",
  () => {
    test("/export/historical: vnstat's JSON v2 with the traffic made, the agent's clock; 404 for an unknown interface", async () => {
      const chain = await createChain();
      const home = mkdtempSync(join(tmpdir(), "netronome-vnstat-"));
      // vnstat and vnstatd read ~/.vnstatrc: a private database, polled every 2 s.
      writeFileSync(
        join(home, ".vnstatrc"),
        [
          `DatabaseDir "${home}/db"`,
          `PidFile "${home}/vnstatd.pid"`,
          `LogFile "${home}/vnstatd.log"`,
          "UseLogging 1",
          "PollInterval 2",
          "UpdateInterval 2",
          "SaveInterval 1",
        ].join("\n"),
      );
      const env = { PATH: process.env.PATH ?? "", HOME: home };
      let daemon: ReturnType<typeof Bun.spawn> | undefined;
      let agent: AgentProcess | undefined;
      try {
        for (const argv of [
          ["vnstatd", "--initdb"],
          ["vnstat", "--add", "-i", chain.rootLink],
        ]) {
          const r = Bun.spawnSync(argv, { env, cwd: home, stdout: "pipe", stderr: "pipe" });
          expect([argv.join(" "), r.exitCode]).toEqual([argv.join(" "), 0]);
        }
        daemon = Bun.spawn(["vnstatd", "-n"], { env, cwd: home, stdout: "ignore", stderr: "ignore" });
        await Bun.sleep(1000);
        const ping = Bun.spawnSync(["ping", "-n", "-q", "-c", "30", "-i", "0.05", "-s", "1000", chain.hopIps[0]!]);
        expect(ping.exitCode).toBe(0);
        await Bun.sleep(3000);
        // vnstatd writes its counters to the database when it stops.
        daemon.kill("SIGTERM");
        await daemon.exited;

        agent = await startAgent({ home, env: { PATH: process.env.PATH ?? "" } });
        const res = await agent.get(`/export/historical?interface=${chain.rootLink}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-disposition")).toBe('inline; filename="monitor-historical.json"');
        const data = (await res.json()) as HistoricalExport;
        const nowSeconds = Date.now() / 1000;
        expect(data).toMatchObject({ vnstatversion: expect.stringMatching(/^2\./), jsonversion: "2" });
        expect(data.server_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
        expect(Math.abs(Date.parse(data.server_time) / 1000 - nowSeconds)).toBeLessThan(10);
        expect(Math.abs(data.server_time_unix - nowSeconds)).toBeLessThan(10);
        expect(data.timezone_offset).toBe(new Date().getTimezoneOffset() * -60 || 0);
        expect(data.interfaces.map((i) => i.name)).toEqual([chain.rootLink]);
        const traffic = data.interfaces[0]!.traffic;
        // 30 echo requests and replies of 1028-byte IP packets each way.
        expect(traffic.total.tx).toBeGreaterThanOrEqual(30 * 1000);
        expect(traffic.total.rx).toBeGreaterThanOrEqual(30 * 1000);
        expect(traffic.hour?.at(-1)).toMatchObject({
          time: { hour: expect.any(Number), minute: 0 },
          tx: traffic.total.tx,
        });
        expect(traffic.day?.at(-1)?.tx).toBe(traffic.total.tx);

        // Without ?interface= and without a configured one: every interface vnstat knows.
        const all = await agent.json<HistoricalExport>("/export/historical");
        expect(all.interfaces.map((i) => i.name)).toEqual([chain.rootLink]);
        const unknown = await agent.get("/export/historical?interface=nosuchif0");
        expect(unknown.status).toBe(404);
        expect(await unknown.json()).toEqual({
          error: "interface_not_found",
          message: expect.stringContaining("nosuchif0"),
        });
        // /system/info takes the interface's totals from vnstat's database.
        const info = await agent.json<SystemInfo>("/system/info");
        expect(info.interfaces[chain.rootLink]?.bytes_total).toBe(traffic.total.rx + traffic.total.tx);
      } finally {
        daemon?.kill("SIGKILL");
        await agent?.stop();
        await chain.destroy();
        rmSync(home, { recursive: true, force: true });
      }
    }, 40_000);
  },
);
