/**
 * The traceroute API and live stream through app.handle, with the real
 * traceroute. Traces go to loopback, or to the namespace chain this file
 * creates (10.213.0.0/16), always numeric: no reverse DNS query may leave the machine.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client, signedInClient, startSqliteTestApp, type TestApp } from "../helpers/app";
import { describeIf, hasCommand } from "../helpers/env";
import { createChain, dropTracerouteProbes, type NetnsChain, netnsAvailable } from "../helpers/netns";
import { pidsOf } from "../helpers/processes";

const NUMERIC = { resolve_hostnames: false, wait_seconds: 1, max_hops: 5 };

/** Pids of running traceroute processes whose command line mentions `target`. */
const tracerouteProcesses = (target: string) => pidsOf("traceroute", [target]);

async function waitFor(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await Bun.sleep(20)) if (await condition()) return true;
  return condition();
}

interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a stream's SSE messages until `until` says stop (or the stream ends), then cancels it. */
async function readEvents(res: Response, until: (e: StreamEvent) => boolean = () => false): Promise<StreamEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: StreamEvent[] = [];
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += typeof value === "string" ? value : decoder.decode(value);
    let end = buffer.indexOf("\n\n");
    let stop = false;
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      const name = block.match(/^event: (.+)$/m)?.[1];
      const data = block.match(/^data: (.+)$/m)?.[1];
      if (!name || data === undefined) continue;
      const event = { event: name, data: JSON.parse(data) };
      events.push(event);
      if (until(event)) stop = true;
    }
    if (stop) break;
  }
  await reader.cancel();
  return events;
}

describeIf(hasCommand("traceroute"), "traceroute is not installed", "traceroute API", () => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await startSqliteTestApp({ traceroute: NUMERIC });
    c = await signedInClient(t);
  });
  afterAll(async () => {
    await t.close();
  });

  test("every route requires a session", async () => {
    const anonymous = new Client(t.app);
    for (const path of [
      "/api/traceroute?host=127.0.0.1",
      "/api/traceroute/status",
      "/traceroute/stream?host=127.0.0.1",
    ])
      expect([path, (await anonymous.get(path)).status]).toEqual([path, 401]);
    const panel = await anonymous.get("/traceroute/panel");
    expect(panel.status).toBe(303);
    expect(panel.headers.get("location")).toStartWith("/login");
    expect(tracerouteProcesses("127.0.0.1")).toEqual([]);
  });

  test("GET /api/traceroute answers with the original's shape and numeric RTTs", async () => {
    const res = await c.get("/api/traceroute?host=127.0.0.1");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ destination: "127.0.0.1", ip: "127.0.0.1", totalHops: 1, complete: true });
    expect(body.hops).toHaveLength(1);
    const [hop] = body.hops;
    expect(hop).toMatchObject({ number: 1, host: "127.0.0.1", ip: "127.0.0.1", timeout: false, loss: 0 });
    for (const key of ["rtt1", "rtt2", "rtt3"]) {
      expect(typeof hop[key]).toBe("number");
      expect(hop[key]).toBeGreaterThan(0);
    }
    expect(hop.rtts).toEqual([hop.rtt1, hop.rtt2, hop.rtt3]);
    // Loopback is not a global address: GeoIP has nothing to add, and the original omits empty fields.
    expect(Object.keys(hop)).not.toContain("countryCode");
    expect(body).toMatchObject({ terminatedEarly: false, timedOut: false, maxHops: 5 });
  });

  test.each([
    ["localhost", "localhost", "127.0.0.1"],
    ["http://127.0.0.1:8080/status?verbose=1", "127.0.0.1", "127.0.0.1"],
    ["127.0.0.1:443", "127.0.0.1", "127.0.0.1"],
    ["  127.0.0.1  ", "127.0.0.1", "127.0.0.1"],
    ["::1", "::1", "::1"],
    ["[::1]", "::1", "::1"],
    ["[::1]:7575", "::1", "::1"],
    ["https://[::1]/", "::1", "::1"],
  ])("the host form %p is accepted", async (input, destination, ip) => {
    const res = await c.get(`/api/traceroute?host=${encodeURIComponent(input)}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ destination, ip, complete: true });
    expect(body.hops[0].ip).toBe(ip);
  });

  test.each([
    ["", "host: required"],
    ["-n", "host: must not start with '-'"],
    ["--help", "host: must not start with '-'"],
    ["127.0.0.1 -m 200", "host: must not contain whitespace"],
    ["a\tb", "host: must not contain whitespace"],
    ["127.0.0.1;id", "host: must not contain shell metacharacters"],
    ["$(id)", "host: must not contain shell metacharacters"],
    ["`id`", "host: must not contain shell metacharacters"],
    ["x|cat", "host: must not contain shell metacharacters"],
    [`${"a".repeat(63)}.`.repeat(4).slice(0, 254), "host: is longer than 253 characters"],
    ["exa mple.com:80", "host: must not contain whitespace"],
    ["[::1", "host: malformed bracketed IPv6 address"],
    ["127.0.0.1:99999", "host: port must be between 1 and 65535"],
  ])("the invalid host %p is refused with 400 naming the field, and nothing is started", async (input, message) => {
    await c.get("/api/traceroute?host=127.0.0.1");
    for (const path of ["/api/traceroute", "/traceroute/stream"]) {
      const res = await c.get(`${path}?host=${encodeURIComponent(input)}`);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.message).toStartWith(message);
      expect(body.field ?? body.fields?.[0]?.field).toBe("host");
    }
    expect((await c.get("/api/traceroute")).status).toBe(400);
    // The refused requests never became the latest trace, and no traceroute is running.
    const status = await (await c.get("/api/traceroute/status")).json();
    expect(status).toMatchObject({ host: "127.0.0.1", isComplete: true, totalHops: 1 });
    expect(tracerouteProcesses(input.trim())).toEqual([]);
  });

  test("the live stream sends start, the resolved address, each hop, then done", async () => {
    const res = await c.get("/traceroute/stream?host=127.0.0.1", { headers: { accept: "text/event-stream" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = await readEvents(res);
    expect(events.map((e) => e.event)).toEqual(["start", "resolved", "hop", "done"]);
    expect(events[0]!.data).toEqual({ destination: "127.0.0.1", from: "this server", maxHops: 5 });
    expect(events[1]!.data).toEqual({ ip: "127.0.0.1" });
    expect(events[2]!.data).toMatchObject({ hop: { number: 1, ip: "127.0.0.1", timeout: false }, progress: 20 });
    expect(events[3]!.data).toMatchObject({ destination: "127.0.0.1", ip: "127.0.0.1", totalHops: 1, complete: true });
  });

  test("a traceroute failure is a 422 from the API and an error event on the stream", async () => {
    // A link-local address without an interface: the kernel refuses the socket, so no probe is ever sent.
    const api = await c.get("/api/traceroute?host=fe80::1");
    expect(api.status).toBe(422);
    expect((await api.json()).message).toBe("traceroute failed: connect: Invalid argument");
    const events = await readEvents(await c.get("/traceroute/stream?host=fe80::1"));
    expect(events.map((e) => e.event)).toEqual(["start", "resolved", "error"]);
    expect(events[2]!.data).toEqual({ message: "traceroute failed: connect: Invalid argument" });
  });

  test("the panel pre-fills the host, escaped, and links to the monitors", async () => {
    const res = await c.get(`/traceroute/panel?host=${encodeURIComponent('"><script>x</script>')}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).not.toContain("<script>x</script>");
    expect(page).toContain('x-data="traceroute(');
    expect(page).toContain("RTT 3");
    expect(page).not.toContain("RTT 4");
  });
});

describeIf(
  hasCommand("traceroute") && netnsAvailable,
  "needs root, iproute2 and traceroute",
  "long traces in a namespace chain",
  () => {
    let chain: NetnsChain;
    let t: TestApp;
    let c: Client;
    beforeAll(async () => {
      chain = await createChain();
      // The target drops traceroute's UDP probes, so a trace stays on silent hops for seconds.
      const drop = await dropTracerouteProbes(chain);
      expect(drop.exitCode).toBe(0);
      t = await startSqliteTestApp({
        traceroute: { resolve_hostnames: false, wait_seconds: 3, max_hops: 30, max_silent_hops: 30, max_concurrent: 2 },
      });
      c = await signedInClient(t);
    });
    afterAll(async () => {
      await t?.close();
      await chain?.destroy();
    });

    test("closing the stream kills traceroute", async () => {
      const res = await c.get(`/traceroute/stream?host=${chain.targetIp}`);
      expect(res.status).toBe(200);
      let runningAtFirstHop: number[] = [];
      const events = await readEvents(res, (e) => {
        if (e.event !== "hop") return false;
        runningAtFirstHop = tracerouteProcesses(chain.targetIp);
        return true;
      });
      expect(events.at(-1)!.data).toMatchObject({ hop: { number: 1, ip: chain.hopIps[0] } });
      expect(runningAtFirstHop).toHaveLength(1);
      // readEvents cancelled the stream as soon as the first hop arrived.
      expect(await waitFor(() => tracerouteProcesses(chain.targetIp).length === 0)).toBe(true);
      const status = async () => (await c.get("/api/traceroute/status")).json();
      expect(await status()).toMatchObject({ destination: chain.targetIp });
      // The trace winds down (and is marked complete) a moment after its process has gone.
      expect(await waitFor(async () => (await status()).isComplete)).toBe(true);
    });

    test("over a real socket, a browser going away kills traceroute", async () => {
      t.app.listen({ port: 0, hostname: "127.0.0.1" });
      try {
        const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
        const leaving = new AbortController();
        const res = await fetch(`http://127.0.0.1:${t.app.server!.port}/traceroute/stream?host=${chain.targetIp}`, {
          headers: { cookie },
          signal: leaving.signal,
        });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let text = "";
        while (!text.includes("event: hop")) text += decoder.decode((await reader.read()).value);
        expect(tracerouteProcesses(chain.targetIp)).toHaveLength(1);
        leaving.abort();
        expect(await waitFor(() => tracerouteProcesses(chain.targetIp).length === 0)).toBe(true);
      } finally {
        await t.app.stop(true);
      }
    });

    test("at most max_concurrent traces run at once; the next is refused with 429 until one ends", async () => {
      const first = await c.get(`/traceroute/stream?host=${chain.targetIp}`);
      const second = await c.get(`/traceroute/stream?host=${chain.targetIp}`);
      expect(await waitFor(() => tracerouteProcesses(chain.targetIp).length === 2)).toBe(true);
      const third = await c.get(`/api/traceroute?host=${chain.targetIp}`);
      expect(third.status).toBe(429);
      expect(third.headers.get("retry-after")).toBe("5");
      expect((await third.json()).message).toBe("2 traceroutes are already running; try again when one has finished");
      expect(tracerouteProcesses(chain.targetIp)).toHaveLength(2);
      await first.body!.cancel();
      await second.body!.cancel();
      expect(await waitFor(() => tracerouteProcesses(chain.targetIp).length === 0)).toBe(true);
      // A slot is given back once its trace has wound down, a moment after the process is gone.
      expect(await waitFor(async () => (await c.get("/api/traceroute?host=127.0.0.1")).status === 200)).toBe(true);
    });
  },
);

describe("traceroute settings", () => {
  test("out-of-range values are refused at start-up", async () => {
    await expect(startSqliteTestApp({ traceroute: { queries: 11 } })).rejects.toThrow(/queries/);
  });
});
