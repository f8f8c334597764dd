/**
 * One connection against fake agents and misbehaving servers on 127.0.0.1: online with samples, a killed and
 * restarted agent, a wrong key, a silent stream, an incompatible or foreign server, a redirect, a hung server.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { silentLogger } from "../../src/core/log";
import { AgentConnection, type ConnectionSettings, type StateChange } from "../../src/hub/agent-connection";
import { normaliseAgentUrl } from "../../src/hub/agent-url";
import type { LiveSample } from "../../src/protocol/agent";
import { type FakeAgent, startFakeAgent } from "../servers/agent-server";

const FAST: ConnectionSettings = { reconnectMaxMs: 1000, staleAfterMs: 2000, requestTimeoutMs: 1500 };

interface Watched {
  connection: AgentConnection;
  changes: StateChange[];
  samples: LiveSample[];
  onlineCalls: number;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function watch(url: string, apiKey: string | null = null, settings = FAST): Watched {
  const w: Watched = { changes: [], samples: [], onlineCalls: 0 } as unknown as Watched;
  w.connection = new AgentConnection(
    { url: normaliseAgentUrl(url), apiKey },
    { state: null, since: null, lastSeen: null },
    settings,
    {
      state: (c) => w.changes.push(c),
      live: (s) => w.samples.push(s),
      online: () => {
        w.onlineCalls++;
      },
    },
    silentLogger,
  );
  w.connection.start();
  cleanups.push(() => w.connection.stop());
  return w;
}

function agent(options: Parameters<typeof startFakeAgent>[0] = {}): FakeAgent {
  const a = startFakeAgent({ intervalMs: 100, ...options });
  cleanups.push(() => a.stop());
  return a;
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

const lastState = (w: Watched) => w.changes.at(-1)?.to;

describe("agent connection", () => {
  test("goes online, reads capabilities and identity, streams samples and gathers rates", async () => {
    const a = agent({ apiKey: "k3y" });
    const w = watch(a.url, "k3y");
    await until("online", () => lastState(w) === "online");
    expect(w.changes[0]).toMatchObject({ from: null, to: "online" });
    await until("samples", () => w.samples.length >= 3);
    const view = w.connection.view();
    expect(view.capabilities).toEqual({ system: true, hardware: true, peaks: true, historical: true });
    expect(view.info?.version).toBe("0.1.0-fake");
    expect(view.root?.protocol_version).toBe(1);
    expect(w.onlineCalls).toBe(1);
    const rates = w.connection.takeRates();
    expect(rates.rx!.count).toBeGreaterThanOrEqual(3);
    expect(rates.rx!.max).toBeGreaterThanOrEqual(rates.rx!.min);
    expect(w.connection.takeRates()).toEqual({ rx: null, tx: null });
    // The key travels in the header only, never in a URL.
    expect(a.requests.filter((r) => r.path.startsWith("/events")).every((r) => r.key === "k3y")).toBe(true);
    expect(a.requests.some((r) => r.path.includes("k3y"))).toBe(false);
  });

  test("a killed agent is offline at once; restarted on its port it is online again without help", async () => {
    const first = startFakeAgent({ intervalMs: 100 });
    const port = first.port;
    const w = watch(first.url);
    await until("online", () => lastState(w) === "online");
    await first.stop();
    const offline = await until("offline", () => w.changes.find((c) => c.to === "offline"));
    expect(offline.reason).toBeTruthy();
    expect(offline.lastSeen).not.toBeNull();
    const again = agent({ port });
    await until("online again", () => lastState(w) === "online" && w.changes.length >= 3, 8000);
    expect(again.streams()).toBe(1);
  });

  test("a wrong key is 'unauthorized: check the API key', not offline", async () => {
    const a = agent({ apiKey: "right" });
    const w = watch(a.url, "wrong");
    const change = await until("unauthorized", () => w.changes.find((c) => c.to === "unauthorized"));
    expect(change.reason).toBe("unauthorized: check the API key");
    expect(w.changes.some((c) => c.to === "offline")).toBe(false);
  });

  test("a stream that goes silent (no data, no heartbeat) counts as lost after stale_after", async () => {
    const a = agent({ heartbeatMs: 0 });
    const w = watch(a.url);
    await until("online", () => lastState(w) === "online");
    a.silent = true;
    const started = Date.now();
    const change = await until("offline", () => w.changes.find((c) => c.to === "offline"), 6000);
    expect(change.reason).toContain("no data or heartbeat");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  test("heartbeats alone keep a quiet stream alive", async () => {
    const a = agent({ intervalMs: 60_000, heartbeatMs: 300 });
    const w = watch(a.url);
    await until("online", () => lastState(w) === "online");
    await Bun.sleep(3000);
    expect(lastState(w)).toBe("online");
  });

  test("the original agent (no heartbeats, no protocol version) is read as version 1", async () => {
    const a = agent({ original: true });
    const w = watch(a.url);
    await until("samples", () => w.samples.length >= 2);
    expect(w.connection.view().info?.version).toBe("v0.9.3");
  });

  test("an agent of a newer protocol is incompatible and says the hub needs updating", async () => {
    const a = agent({ protocolVersion: 99 });
    const w = watch(a.url);
    const change = await until("incompatible", () => w.changes.find((c) => c.to === "incompatible"));
    expect(change.reason).toContain("needs a newer hub");
    expect(a.streams()).toBe(0);
  });

  test("agents without system metrics have those polls switched off by their endpoints map", async () => {
    const a = agent({ systemMetrics: false });
    const w = watch(a.url);
    await until("online", () => lastState(w) === "online");
    expect(w.connection.view().capabilities).toMatchObject({ system: false, hardware: false, peaks: true });
  });

  function server(fetch: (req: Request) => Response | Promise<Response>) {
    const s = Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 0, fetch });
    cleanups.push(() => s.stop(true));
    return `http://127.0.0.1:${s.port}`;
  }

  test("a server that is not an agent is incompatible", async () => {
    const url = server(() => Response.json({ status: "ok", version: "1.2.3" }));
    const w = watch(url);
    const change = await until("incompatible", () => w.changes.find((c) => c.to === "incompatible"));
    expect(change.reason).toContain("not answer as a Netronome agent");
  });

  test("redirects are never followed", async () => {
    let elsewhereHit = false;
    const elsewhere = server(() => {
      elsewhereHit = true;
      return Response.json({ service: "monitor SSE agent", endpoints: {} });
    });
    const url = server(() => new Response(null, { status: 302, headers: { location: `${elsewhere}/` } }));
    const w = watch(url);
    const change = await until("incompatible", () => w.changes.find((c) => c.to === "incompatible"));
    expect(change.reason).toContain("redirect");
    expect(elsewhereHit).toBe(false);
  });

  test("a server that accepts and never answers is offline after the request deadline", async () => {
    const url = server(() => new Promise<Response>(() => {}));
    const w = watch(url);
    const change = await until("offline", () => w.changes.find((c) => c.to === "offline"), 5000);
    expect(change.reason).toContain("did not answer in time");
  });

  test("an event stream line without end is cut off, not buffered forever", async () => {
    const a = agent();
    const url = server((req) => {
      const path = new URL(req.url).pathname;
      if (path !== "/events") return fetch(`${a.url}${path}`);
      // 32 KiB every 100 ms: slow enough to stay within the stream's byte allowance (1 MiB burst, then 64 KiB/s)
      // until the line passes 1 MiB, so it is the line limit that ends it.
      const chunk = new TextEncoder().encode("x".repeat(32 * 1024));
      let sent = 0;
      return new Response(
        new ReadableStream({
          async pull(c) {
            if (sent++ >= 40) return;
            await Bun.sleep(100);
            c.enqueue(chunk);
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    });
    const w = watch(url);
    const change = await until("incompatible", () => w.changes.find((c) => c.to === "incompatible"));
    expect(change.reason).toContain("longer than");
  });

  test("stop() closes the stream and ends the loop promptly", async () => {
    const a = agent();
    const w = watch(a.url);
    await until("online", () => lastState(w) === "online");
    const started = Date.now();
    await w.connection.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await until("stream closed", () => a.streams() === 0, 2000);
    const changes = w.changes.length;
    await Bun.sleep(1500);
    expect(w.changes.length).toBe(changes);
  });
});
