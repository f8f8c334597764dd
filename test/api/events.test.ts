/**
 * The page event stream (/events) over a real Bun server: a quiet stream is not cut by Bun's idle timeout, and every
 * connection starts with a snapshot (the running test, or how the last one ended) so a page that connects late or
 * reconnects catches up on what it missed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Client, signedInClient, startSqliteTestApp, type TestApp } from "../helpers/app";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";

interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads named events from an SSE body as they arrive. */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = "";
  let closed = false;
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join("\n");
        if (name) events.push({ event: name, data: data ? JSON.parse(data) : null });
      }
    }
    closed = true;
  })();
  return {
    events,
    get closed() {
      return closed;
    },
    async waitFor(name: string, timeoutMs = 20_000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((e) => e.event === name);
        if (found) return found;
        if (closed) throw new Error(`the stream closed before "${name}"; got ${events.map((e) => e.event)}`);
        if (Date.now() > deadline) throw new Error(`no "${name}" within ${timeoutMs} ms`);
        await Bun.sleep(20);
      }
    },
    async stop() {
      await reader.cancel().catch(() => {});
      await pump;
    },
  };
}

describe("the page event stream on a real server", () => {
  let t: TestApp;
  let c: Client;
  let url: string;
  let cookie: string;
  beforeAll(async () => {
    t = await startSqliteTestApp({
      speedtest: { iperf: { test_duration: 1, parallel_conns: 1, timeout: 20, ping: { count: 1, timeout: 2 } } },
    });
    c = await signedInClient(t);
    t.app.listen({ hostname: "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${t.app.server!.port}`;
    cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  });
  afterAll(async () => {
    await t.app.stop(true);
    await t.close();
  });

  const connect = async (query = "") => {
    const res = await fetch(`${url}/events${query}`, { headers: { cookie } });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    return eventReader(res.body!);
  };

  // Bun closes connections that send nothing for 10 s, and heartbeats come every 15 s: before the fix every quiet
  // page lost its stream, and whatever happened until it reconnected.
  test("a stream with nothing to say stays open past Bun's 10 s idle timeout", async () => {
    const stream = await connect();
    await stream.waitFor("stream-ready");
    await Bun.sleep(11_500);
    expect(stream.closed).toBe(false);
    t.services.bus.publish({
      type: "speedtest.cancelled",
      run: { id: "x", testType: "iperf3", serverName: "s", isScheduled: false, startedAt: Date.now(), phases: [] },
    });
    expect((await stream.waitFor("speedtest-cancelled")).data).toMatchObject({ run: { id: "x" } });
    await stream.stop();
  }, 20_000);

  test("it starts with both features' snapshots, then stream-ready", async () => {
    const stream = await connect();
    await stream.waitFor("stream-ready");
    expect(stream.events.map((e) => e.event)).toEqual(["speedtest-snapshot", "packetloss-snapshot", "stream-ready"]);
    expect(stream.events[0]!.data).toEqual({ current: null, last: null });
    expect(stream.events[1]!.data).toEqual({ live: [] });
    expect(stream.events[2]!.data).toEqual({ missed: false });
    await stream.stop();
  });

  describeIf(hasCommand("iperf3"), "iperf3 is not installed", "with a speed test", () => {
    let iperf: Iperf3Server;
    beforeAll(async () => {
      iperf = await Iperf3Server.start();
    });
    afterAll(async () => {
      await iperf?.stop();
    });

    test("a stream that connects mid-test starts with that test; one that connects after it, with its outcome", async () => {
      const renderedAt = Date.now();
      const { run, done } = await t.services.speedtest.start(
        { useIperf: true, serverHost: iperf.address, serverName: "loopback" },
        { scheduled: false },
      );
      const during = await connect();
      const first = await during.waitFor("speedtest-snapshot");
      expect(first.data).toMatchObject({ current: { run: { id: run.id, serverName: "loopback" } } });
      const result = await done;
      // The outcome reaches the stream that was open...
      expect((await during.waitFor("speedtest-finished")).data).toMatchObject({ run: { id: run.id } });
      await during.stop();
      // ...and a stream that opens afterwards (a page whose stream was away, or that was rendered before the test
      // and connected after it) learns it from the snapshot, and that the page missed events.
      const after = await connect(`?since=${renderedAt}`);
      const snapshot = await after.waitFor("speedtest-snapshot");
      expect((await after.waitFor("stream-ready")).data).toEqual({ missed: true });
      expect(snapshot.data).toMatchObject({
        current: null,
        last: { run: { id: run.id }, outcome: "finished", result: { id: result.id, serverName: "loopback" } },
      });
      await after.stop();
      const later = await connect(`?since=${Date.now() + 1}`);
      expect((await later.waitFor("stream-ready")).data).toEqual({ missed: false });
      await later.stop();
    });
  });
});
