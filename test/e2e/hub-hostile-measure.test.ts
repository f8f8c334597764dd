/**
 * The hub binary asking a hostile agent (a compromised monitored host, or whoever sits on the plain-HTTP link to it)
 * to measure: its measurement streams must be held to their purpose like its live stream is.
 *
 * - valid progress events as fast as the hub reads them (defect: every one was parsed and published to every open
 *   page, as the live stream's samples were before it was bounded);
 * - an error answer whose body never comes (defect: the deadline ended with the headers, so the run, and the
 *   machine's one speed-test slot, waited for ever);
 * - figures outside what a measurement can be (defect: a loss of 250 %, 2.5 packets or -3 ms were stored as results);
 * - a traceroute with hop after hop after hop (defect: every new hop number was kept and searched, without end).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { AGENT_PROTOCOL_VERSION, AGENT_SERVICE, AGENT_TYPE, MEASURE_PATHS } from "../../src/protocol/agent";
import { ADMIN, registerAdmin } from "../helpers/admin";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { type ServerProcess, startServer } from "../helpers/server-process";

/** What the hostile agent may send on one stream before the test gives up on the hub stopping it. */
const FLOOD_LIMIT = 256 << 20;

type Mode = "progress-flood" | "stalled-error" | "absurd-figures" | "endless-hops";
let mode: Mode = "progress-flood";
/** Bytes the measurement streams carried. */
let streamed = 0;

const encoder = new TextEncoder();
const event = (name: string, data: unknown) => encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
const speedProgress = (i: number) =>
  event("progress", { phase: "download", percent: (i / 1000) % 100, mbps: 100 + (i % 50) });
const hop = (n: number) => ({
  number: n,
  host: null,
  ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
  rtts: [1],
  loss: 0,
  annotations: [],
  responders: [{ host: "x", ip: "10.0.0.1", rtts: [1] }],
  timeout: false,
});

/** A stream that sends `next(i)` chunk after chunk, as fast as the hub reads, up to FLOOD_LIMIT. */
function endless(next: (i: number) => Uint8Array) {
  let sent = 0;
  let i = 0;
  return new Response(
    new ReadableStream({
      pull(c) {
        if (sent >= FLOOD_LIMIT) return c.close();
        const parts: Uint8Array[] = [];
        for (let k = 0; k < 50; k++) parts.push(next(i++));
        const chunk = Buffer.concat(parts);
        c.enqueue(chunk);
        sent += chunk.byteLength;
        streamed += chunk.byteLength;
      },
    }),
    { headers: { "content-type": "text/event-stream" } },
  );
}

function measurement(path: string): Response {
  if (mode === "progress-flood") return endless(speedProgress);
  if (mode === "stalled-error") {
    // An error document is announced and never comes.
    return new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(encoder.encode('{"error":'));
        },
      }),
      { status: 503, headers: { "content-type": "application/json", "content-length": "200" } },
    );
  }
  if (mode === "endless-hops") return endless((i) => event("progress", { type: "hop", hop: hop(i + 1) }));
  if (path === MEASURE_PATHS.measure_probe)
    return new Response(
      event("outcome", {
        method: "ping",
        ip: "127.0.0.1",
        packetLoss: 250,
        packetsSent: 2.5,
        packetsRecv: -1,
        minRtt: -3,
        avgRtt: 1,
        maxRtt: 1e308,
        stdDevRtt: 0,
        rttSamplesMs: [1, -3],
        hops: null,
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  return new Response(
    event("outcome", {
      serverId: "1",
      serverName: "absurd",
      serverHost: "absurd.example",
      downloadMbps: -5,
      uploadMbps: 1e300,
      latencyMs: -1,
      jitterMs: 0,
      packetLoss: 400,
      isp: null,
      bytesDownloaded: -10,
      bytesUploaded: 1.5,
      durationMs: 1e300,
    }),
    { headers: { "content-type": "text/event-stream" } },
  );
}

const agent = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  fetch(req, server) {
    const path = new URL(req.url).pathname;
    const port = server.port;
    if (path === "/")
      return Response.json({
        service: AGENT_SERVICE,
        host: "127.0.0.1",
        port,
        endpoints: {
          live: "/events?stream=live-data",
          historical: "/export/historical",
          peaks: "/stats/peaks",
          ...MEASURE_PATHS,
        },
        authentication: "none",
        auth_methods: [],
        bandwidth_source: "procfs",
        protocol_version: AGENT_PROTOCOL_VERSION,
        measurement: { root: false, limits: { speedtest: 1, probe: 10, traceroute: 2 } },
      });
    if (path === "/netronome/info")
      return Response.json({
        type: AGENT_TYPE,
        version: "0.1.0",
        hostname: "hostile",
        listening_host: "127.0.0.1",
        listening_port: port,
        using_tailscale: false,
        protocol_version: AGENT_PROTOCOL_VERSION,
      });
    if (req.method === "POST" && Object.values(MEASURE_PATHS).includes(path as never)) return measurement(path);
    return Response.json({ error: "not_found", message: "no such endpoint" }, { status: 404 });
  },
});

let hub: ServerProcess;
let token: string;
let agentId: number;
const auth = () => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, { ...init, headers: { ...auth(), ...(init.headers ?? {}) } });

beforeAll(async () => {
  hub = await startServer([await compiledBinary(), "serve"], {
    env: { NETRONOME__MONITOR_RECONNECT_INTERVAL: "60s" },
  });
  await registerAdmin(hub.url);
  const login = await fetch(`${hub.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  token = (await login.json()).access_token;
  const created = await api("/api/monitor/agents", {
    method: "POST",
    body: JSON.stringify({ name: "hostile", url: `http://127.0.0.1:${agent.port}` }),
  });
  expect(created.status).toBe(201);
  agentId = (await created.json()).id;
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await hub?.stop();
  agent.stop(true);
});

/** The newest speed-test result from the hostile agent, once there is one more than `before`. */
async function nextResult(before: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const history = await (await api(`/api/speedtest/history?agentId=${agentId}&timeRange=all`)).json();
    if (history.total > before) return history.data[0];
    if (Date.now() > deadline) return undefined;
    await Bun.sleep(100);
  }
}

const resultCount = async () =>
  (await (await api(`/api/speedtest/history?agentId=${agentId}&timeRange=all`)).json()).total as number;

test("progress as fast as the hub reads it: a few reach the pages, then the run is given up", async () => {
  mode = "progress-flood";
  streamed = 0;
  const before = await resultCount();
  const page = await fetch(`${hub.url}/events`, { headers: { authorization: `Bearer ${token}` } });
  const reader = page.body!.getReader();
  let progressEvents = 0;
  const decoder = new TextDecoder("utf-8");
  const counting = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      progressEvents += decoder.decode(value, { stream: true }).split("event: speedtest-progress").length - 1;
    }
  })();
  void api("/api/speedtest", { method: "POST", body: JSON.stringify({ testType: "speedtest", agentId }) }).catch(
    () => undefined,
  );
  const latencies: number[] = [];
  const end = Date.now() + 5_000;
  while (Date.now() < end) {
    const started = performance.now();
    await (await fetch(`${hub.url}/health`)).arrayBuffer();
    latencies.push(performance.now() - started);
    await Bun.sleep(50);
  }
  const result = await nextResult(before, 20_000);
  await reader.cancel();
  await counting.catch(() => undefined);
  latencies.sort((a, b) => a - b);
  console.log("flood:", {
    progressEvents,
    streamedMB: streamed >> 20,
    healthMedianMs: latencies[latencies.length >> 1],
  });
  // Progress says where a run is now: a handful a second is all a page can show.
  expect(progressEvents).toBeLessThanOrEqual(5 * 10 + 10);
  // What the hub read, plus what the sockets between them buffer.
  expect(streamed).toBeLessThan(64 << 20);
  expect(result?.error).toMatch(/hostile.*far more than a measurement needs/);
}, 60_000);

test("an error answer whose body never comes: the run ends as unreachable at the request deadline", async () => {
  mode = "stalled-error";
  const before = await resultCount();
  const started = Date.now();
  void api("/api/speedtest", { method: "POST", body: JSON.stringify({ testType: "speedtest", agentId }) }).catch(
    () => undefined,
  );
  const result = await nextResult(before, 25_000);
  expect(result?.error).toMatch(/agent "hostile" is unreachable/);
  expect(Date.now() - started).toBeLessThan(20_000);
  // The machine's speed-test slot is free again.
  expect((await (await api(`/api/speedtest/status?agentId=${agentId}`)).json()).isComplete).toBe(true);
}, 60_000);

test("figures no measurement can have are an unreadable answer, never stored as results", async () => {
  mode = "absurd-figures";
  const before = await resultCount();
  void api("/api/speedtest", { method: "POST", body: JSON.stringify({ testType: "speedtest", agentId }) }).catch(
    () => undefined,
  );
  const result = await nextResult(before, 15_000);
  expect(result?.error).toMatch(/agent "hostile" sent an answer this hub cannot read/);
  expect([result?.downloadSpeed, result?.uploadSpeed, result?.latency]).toEqual([null, null, null]);

  const monitor = await api("/api/packetloss/monitors", {
    method: "POST",
    body: JSON.stringify({ host: "127.0.0.1", name: "absurd", interval: "1h", packetCount: 3, agentId }),
  });
  expect(monitor.status).toBe(201);
  const { id } = await monitor.json();
  expect((await api(`/api/packetloss/monitors/${id}/start`, { method: "POST" })).status).toBe(202);
  let rows: { packetLoss: number | null; agentUnreachable: boolean; error: string | null }[] = [];
  for (let i = 0; i < 150 && rows.length === 0; i++) {
    rows = (await (await api(`/api/packetloss/monitors/${id}/history`)).json()).data;
    if (rows.length === 0) await Bun.sleep(100);
  }
  expect(rows).toHaveLength(1);
  expect(rows[0]!.packetLoss).toBeNull();
  expect(rows[0]!.agentUnreachable).toBe(true);
  expect(rows[0]!.error).toMatch(/sent an answer this hub cannot read/);
}, 60_000);

test("a traceroute with an endless number of hops is refused at the first hop past the limit", async () => {
  mode = "endless-hops";
  streamed = 0;
  const started = Date.now();
  const res = await api(`/api/traceroute?host=127.0.0.1&agentId=${agentId}`, { signal: AbortSignal.timeout(30_000) });
  expect(res.status).toBe(503);
  expect((await res.json()).message).toMatch(/hostile/);
  expect(Date.now() - started).toBeLessThan(10_000);
  // What the hub read, plus what the sockets between them buffer.
  expect(streamed).toBeLessThan(64 << 20);
  const rss = Number(/VmHWM:\s+(\d+)/.exec(await Bun.file(`/proc/${hub.proc.pid}/status`).text())![1]) * 1024;
  expect(rss).toBeLessThan(400 << 20);
}, 60_000);
