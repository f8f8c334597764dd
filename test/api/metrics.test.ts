/** /metrics on both dialects, read by a strict exposition parser; and the parser itself, on good and bad input. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";
import { type ParsedFamily, parseExposition } from "../helpers/prometheus";

const HOSTILE = 'Évry "Fibre" \\ ISP\nsecond line <b>';

describe("the exposition parser", () => {
  test("accepts a well-formed exposition", () => {
    const families = parseExposition(
      [
        "# HELP http_requests_total The total number of HTTP requests.",
        "# TYPE http_requests_total counter",
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"} 3 1395066363000',
        "# HELP odd A \\\\ backslash and a \\n newline",
        "# TYPE odd gauge",
        'odd{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
        'odd{x="y"} -Inf',
        "",
      ].join("\n"),
    );
    expect(families.get("http_requests_total")!.samples).toHaveLength(2);
    const odd = families.get("odd")!;
    expect(odd.help).toBe("A \\ backslash and a \n newline");
    expect(odd.samples[0]!.labels).toEqual({ path: "C:\\DIR\\FILE.TXT", error: 'Cannot find file:\n"FILE.TXT"' });
    expect(odd.samples[1]!.value).toBe(Number.NEGATIVE_INFINITY);
  });

  test.each([
    ["no final newline", "# TYPE a gauge\na 1"],
    ["a sample before its TYPE", "a 1\n"],
    ["a value that is not a float", "# TYPE a gauge\na one\n"],
    ["a repeated series", '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ["a family declared twice", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a again\n"],
    ["a bad escape", '# TYPE a gauge\na{x="\\t"} 1\n'],
    ["an unescaped quote", '# TYPE a gauge\na{x="say "hi""} 1\n'],
    ["a sample of another family", "# TYPE a gauge\nb 1\n"],
    ["a bad metric name", "# TYPE 1a gauge\n1a 1\n"],
    ["a repeated label", '# TYPE a gauge\na{x="1",x="2"} 1\n'],
  ])("rejects %s", (_, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});

describeEachDialect("/metrics", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  let readToken: string;
  let families: Map<string, ParsedFamily>;
  const at = (iso: string) => new Date(iso);

  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database);
    await signedInClient(t);
    readToken = (await t.services.tokens.create({ id: 1, username: "admin", role: "admin" }, { name: "prom" })).token;
    const { db, t: tables } = t.db;
    const base = { bytesDownloaded: 1, bytesUploaded: 1, durationMs: 1000, isScheduled: true };
    await db.insert(tables.speedTests).values([
      {
        ...base,
        testType: "iperf3",
        serverId: "lab:5201",
        serverName: "lab",
        serverHost: "lab",
        downloadMbps: 900,
        uploadMbps: 400,
        latencyMs: 1.5,
        jitterMs: 0.2,
        createdAt: at("2026-12-01T10:00:00Z"),
      },
      {
        ...base,
        testType: "iperf3",
        serverId: "lab:5201",
        serverName: "lab",
        serverHost: "lab",
        downloadMbps: 941.5,
        uploadMbps: 420,
        latencyMs: 1.25,
        jitterMs: 0.1,
        createdAt: at("2026-12-02T10:00:00Z"),
      },
      {
        ...base,
        testType: "iperf3",
        serverId: "lab:5201",
        serverName: "lab",
        serverHost: "lab",
        error: "connection refused",
        createdAt: at("2026-12-03T10:00:00Z"),
      },
      // The same server measured from an agent at another site: its own series, never the hub's figure.
      {
        ...base,
        testType: "iperf3",
        serverId: "lab:5201",
        serverName: "lab",
        serverHost: "lab",
        downloadMbps: 50,
        uploadMbps: 10,
        latencyMs: 30,
        jitterMs: 2,
        agentId: 7,
        agentName: 'branch "east"',
        createdAt: at("2026-12-02T12:00:00Z"),
      },
      {
        ...base,
        testType: "speedtest",
        serverId: "4711",
        serverName: HOSTILE,
        serverHost: "x",
        downloadMbps: 95.2,
        uploadMbps: 38.1,
        latencyMs: 12,
        jitterMs: null,
        createdAt: at("2026-12-02T11:00:00Z"),
      },
    ]);
    const [monitor] = await db
      .insert(tables.packetLossMonitors)
      .values({
        host: "1.1.1.1",
        name: "cloudflare",
        interval: "60s",
        packetCount: 10,
        threshold: 5,
        enabled: true,
        lastState: "threshold_exceeded",
        lastRun: at("2026-12-03T09:00:00Z"),
      })
      .returning();
    await db
      .insert(tables.packetLossMonitors)
      .values({ host: "192.0.2.1", name: "idle", interval: "60s", packetCount: 10, threshold: 5 });
    await db.insert(tables.packetLossResults).values([
      {
        monitorId: monitor!.id,
        packetLoss: 0,
        packetsSent: 10,
        packetsRecv: 10,
        minRtt: 8,
        avgRtt: 9,
        maxRtt: 11,
        method: "ping",
        createdAt: at("2026-12-03T08:00:00Z"),
      },
      {
        monitorId: monitor!.id,
        packetLoss: 20,
        packetsSent: 10,
        packetsRecv: 8,
        minRtt: 8.5,
        avgRtt: 10.25,
        maxRtt: 14,
        method: "ping",
        createdAt: at("2026-12-03T09:00:00Z"),
      },
    ]);
    // An agent that is configured but paused: listed, not up, no figures (real agents: test/integration).
    await t.services.agents.create({ name: 'edge "west"', url: "http://127.0.0.1:9", enabled: false });

    const res = await new Client(t.app).get("/metrics", { headers: { authorization: `Bearer ${readToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    families = parseExposition(await res.text());
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  /** The sample with these labels ("" matches a label that is absent, as in Prometheus). */
  const value = (name: string, labels: Record<string, string>) =>
    families.get(name)!.samples.find((s) => Object.entries(labels).every(([k, v]) => (s.labels[k] ?? "") === v))?.value;

  test("needs an identity; a read token, a viewer's session and an admin's all read it", async () => {
    expect((await new Client(t.app).get("/metrics")).status).toBe(401);
    expect((await new Client(t.app).get("/metrics", { headers: { authorization: "Bearer ntr_wrong" } })).status).toBe(
      401,
    );
    await t.services.users.create({ username: "grafana", password: "grafana-pass", role: "viewer" });
    const viewer = new Client(t.app);
    await viewer.postJson("/api/auth/login", { username: "grafana", password: "grafana-pass" });
    expect((await viewer.get("/metrics")).status).toBe(200);
  });

  test("every family has its HELP and TYPE", () => {
    for (const f of families.values()) {
      expect(f.help.length).toBeGreaterThan(10);
      expect(f.type).toBe("gauge");
    }
    expect(families.get("netronome_build_info")!.samples[0]!.labels).toMatchObject({ version: expect.any(String) });
  });

  test("the latest successful figures per server, in bits per second and seconds; the failed run shows as failed", () => {
    const lab = { provider: "iperf3", server_id: "lab:5201", agent_id: "" };
    expect(value("netronome_speedtest_download_bits_per_second", lab)).toBe(941.5e6);
    expect(value("netronome_speedtest_upload_bits_per_second", lab)).toBe(420e6);
    expect(value("netronome_speedtest_latency_seconds", lab)).toBe(0.00125);
    expect(value("netronome_speedtest_timestamp_seconds", lab)).toBe(Date.parse("2026-12-02T10:00:00Z") / 1000);
    expect(value("netronome_speedtest_last_run_success", lab)).toBe(0);
    expect(value("netronome_speedtest_last_run_timestamp_seconds", lab)).toBe(
      Date.parse("2026-12-03T10:00:00Z") / 1000,
    );
    expect(families.get("netronome_speedtest_download_bits_per_second")!.samples).toHaveLength(3);
  });

  test("tests of one server from an agent are the agent's own series, labelled with it", () => {
    // Defect: the latest test per server was taken whichever machine ran it, so a branch office's 50 Mbit/s replaced
    // the hub's 941 Mbit/s to the same server, and the series flipped between the two sites.
    const fromAgent = { provider: "iperf3", server_id: "lab:5201", agent_id: "7", agent: 'branch "east"' };
    expect(value("netronome_speedtest_download_bits_per_second", fromAgent)).toBe(50e6);
    expect(value("netronome_speedtest_last_run_success", fromAgent)).toBe(1);
    const here = { provider: "iperf3", server_id: "lab:5201", agent_id: "", agent: "" };
    expect(value("netronome_speedtest_download_bits_per_second", here)).toBe(941.5e6);
    expect(value("netronome_speedtest_last_run_success", here)).toBe(0);
  });

  test("label values survive quotes, backslashes, line breaks and markup; a missing figure is left out", () => {
    expect(value("netronome_speedtest_download_bits_per_second", { server_id: "4711" })).toBe(95.2e6);
    const sample = families
      .get("netronome_speedtest_download_bits_per_second")!
      .samples.find((s) => s.labels.server_id === "4711")!;
    expect(sample.labels.server).toBe(HOSTILE);
    expect(value("netronome_speedtest_jitter_seconds", { server_id: "4711" })).toBeUndefined();
    expect(value("netronome_speedtest_last_run_success", { server_id: "4711" })).toBe(1);
  });

  test("monitors: state as one series per state, the latest loss as a ratio, RTTs in seconds", () => {
    const cf = { name: "cloudflare" };
    expect(value("netronome_monitor_state", { ...cf, state: "threshold_exceeded" })).toBe(1);
    expect(value("netronome_monitor_state", { ...cf, state: "ok" })).toBe(0);
    expect(value("netronome_monitor_packet_loss_ratio", cf)).toBe(0.2);
    expect(value("netronome_monitor_rtt_avg_seconds", cf)).toBe(0.01025);
    expect(value("netronome_monitor_packets_received", cf)).toBe(8);
    expect(value("netronome_monitor_enabled", cf)).toBe(1);
    expect(value("netronome_monitor_enabled", { name: "idle" })).toBe(0);
    expect(value("netronome_monitor_state", { name: "idle", state: "unknown" })).toBe(1);
    expect(value("netronome_monitor_packet_loss_ratio", { name: "idle" })).toBeUndefined();
  });

  test("a paused agent is listed as not up, without figures", () => {
    const edge = { agent: 'edge "west"' };
    expect(value("netronome_agent_up", edge)).toBe(0);
    expect(value("netronome_agent_enabled", edge)).toBe(0);
    expect(value("netronome_agent_cpu_usage_ratio", edge)).toBeUndefined();
  });
});
