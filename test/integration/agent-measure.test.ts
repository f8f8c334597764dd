/**
 * The agent's measurement endpoints on a real agent process with real tools on 127.0.0.1: the contract (API key,
 * methods, what GET / advertises), validation before anything starts, each kind's stream (progress, then one
 * outcome or failure), per-kind limits under parallel requests, and that a hub closing the stream, or the agent
 * shutting down, kills the measuring tool.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { AgentRoot } from "../../src/protocol/agent";
import type { MeasurementFailure, ProbeOutcome, TracerouteOutcome } from "../../src/protocol/measurements";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";
import { childrenOf, commandOf, isAlive } from "../helpers/processes";

const tools = ["iperf3", "mtr", "ping", "traceroute"].every(hasCommand);
const PATHS = ["/measure/speedtest", "/measure/probe", "/measure/traceroute"];
const TRACE = {
  host: "127.0.0.1",
  maxHops: 5,
  waitSeconds: 1,
  queries: 2,
  numeric: true,
  maxSilentHops: 3,
  timeoutSeconds: 10,
};
const PROBE = { host: "127.0.0.1", family: 4, count: 3, budgetSeconds: 10, icmp: false, dns: false };
const ENV = {
  NETRONOME__IPERF_TEST_DURATION: "2",
  NETRONOME__IPERF_PARALLEL_CONNS: "2",
  NETRONOME__IPERF_PING_COUNT: "2",
  NETRONOME__IPERF_PING_INTERVAL: "200",
  NETRONOME__PACKETLOSS_MAX_CONCURRENT_MONITORS: "2",
};

/** Children of the agent running `command` (the agent's own vnstat is not a measurement). */
const toolsOf = (agent: AgentProcess, command: string) =>
  childrenOf(agent.proc.pid).filter((pid) => commandOf(pid) === command);

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

describeIf(tools, "iperf3, mtr, ping or traceroute is missing", "agent measurement endpoints", () => {
  let agent: AgentProcess;
  let iperf3: Iperf3Server;
  beforeAll(async () => {
    [agent, iperf3] = await Promise.all([startAgent({ args: ["--interface", "lo"], env: ENV }), Iperf3Server.start()]);
  });
  afterAll(async () => {
    await Promise.all([agent?.stop(), iperf3?.stop()]);
  });

  test("GET / advertises the endpoints and limits; every one needs the key; each serves one method", async () => {
    const root = (await (await agent.get("/", { key: null })).json()) as AgentRoot;
    expect(root.endpoints).toMatchObject({
      measure_servers: "/measure/servers",
      measure_speedtest: "/measure/speedtest",
      measure_probe: "/measure/probe",
      measure_traceroute: "/measure/traceroute",
    });
    expect(root.measurement).toEqual({
      root: process.getuid?.() === 0,
      limits: { speedtest: 1, probe: 2, traceroute: 4 },
    });
    for (const path of PATHS) {
      for (const key of [null, "wrong"]) expect((await agent.post(path, PROBE, { key })).status).toBe(401);
      expect((await agent.get(path)).status).toBe(405);
    }
    expect((await agent.get("/measure/servers?provider=iperf3", { key: null })).status).toBe(401);
    expect(await (await agent.get("/measure/servers?provider=iperf3")).json()).toEqual([]);
    const unknown = await agent.get("/measure/servers?provider=netperf");
    expect([unknown.status, await unknown.json()]).toEqual([
      400,
      { error: "bad_request", message: 'provider: no provider "netperf" here', field: "provider" },
    ]);
  });

  test("bad requests get 400 naming the field, and nothing starts", async () => {
    const before = childrenOf(agent.proc.pid).sort();
    const cases: [string, unknown, string | undefined][] = [
      ["/measure/probe", { ...PROBE, host: "-oProxyCommand=id" }, "host"],
      ["/measure/probe", { ...PROBE, host: "a;reboot" }, "host"],
      ["/measure/probe", { ...PROBE, host: "<script>alert(1)</script>" }, "host"],
      ["/measure/probe", { ...PROBE, host: "x".repeat(10_000) }, "host"],
      ["/measure/probe", { ...PROBE, host: "bücher.例え.jp" }, "host"],
      ["/measure/probe", { ...PROBE, host: "127.0.0.1:80" }, "host"],
      ["/measure/probe", { ...PROBE, host: 42 }, "host"],
      ["/measure/probe", { ...PROBE, family: 6 }, "family"],
      ["/measure/probe", { ...PROBE, count: 0 }, "count"],
      ["/measure/probe", { ...PROBE, count: 1.5 }, "count"],
      ["/measure/probe", { ...PROBE, count: "10" }, "count"],
      ["/measure/probe", { ...PROBE, budgetSeconds: -1 }, "budgetSeconds"],
      ["/measure/probe", { ...PROBE, icmp: "yes" }, "icmp"],
      ["/measure/traceroute", { ...TRACE, maxHops: 256 }, "maxHops"],
      ["/measure/traceroute", { ...TRACE, waitSeconds: Number.NaN }, "waitSeconds"],
      ["/measure/traceroute", { ...TRACE, host: "--help" }, "host"],
      ["/measure/speedtest", { provider: "netperf" }, "provider"],
      ["/measure/speedtest", { provider: "iperf3", host: "--help" }, "host"],
      ["/measure/speedtest", { provider: "iperf3", host: "'; rm -rf /" }, "host"],
      ["/measure/speedtest", { provider: "iperf3", host: "127.0.0.1", enableUpload: 1 }, "enableUpload"],
      [
        "/measure/speedtest",
        {
          provider: "librespeed",
          libreSpeedServer: {
            name: "x",
            server: "file:///etc/passwd",
            dlURL: "a",
            ulURL: "b",
            pingURL: "c",
            getIpURL: "d",
          },
        },
        "libreSpeedServer",
      ],
      ["/measure/probe", [PROBE], undefined],
      ["/measure/probe", "null", undefined],
      ["/measure/probe", "{not json", undefined],
      ["/measure/probe", { ...PROBE, padding: "x".repeat(20_000) }, undefined],
    ];
    for (const [path, body, field] of cases) {
      const res = await agent.post(path, body);
      const answer = (await res.json()) as { error: string; message: string; field?: string };
      expect([path, field, res.status, answer.error, answer.field]).toEqual([path, field, 400, "bad_request", field]);
      expect(answer.message.length).toBeGreaterThan(5);
    }
    const wrongType = await agent.post("/measure/probe", JSON.stringify(PROBE), {
      headers: { "content-type": "text/plain" },
    });
    expect(wrongType.status).toBe(400);
    expect(childrenOf(agent.proc.pid).sort()).toEqual(before);
  });

  test("a traceroute streams the resolved address and hops, then its outcome", async () => {
    const events = await (await agent.measure("/measure/traceroute", TRACE)).all();
    expect(events[0]).toEqual({ event: "progress", data: { type: "resolved", ip: "127.0.0.1" } });
    expect(events.filter((e) => e.event === "progress").length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)!.event).toBe("outcome");
    const outcome = events.at(-1)!.data as TracerouteOutcome;
    expect(outcome).toMatchObject({ ip: "127.0.0.1", terminatedEarly: false, timedOut: false });
    expect(outcome.hops).toHaveLength(1);
    expect(outcome.hops[0]).toMatchObject({ number: 1, ip: "127.0.0.1", loss: 0, timeout: false });
    expect(events.filter((e) => e.event === "outcome" || e.event === "failure")).toHaveLength(1);
  });

  test("a probe sends exactly its count and reports progress on the way", async () => {
    const events = await (await agent.measure("/measure/probe", PROBE)).all();
    const outcome = events.at(-1)!;
    expect(outcome.event).toBe("outcome");
    expect(outcome.data).toMatchObject({
      ip: "127.0.0.1",
      packetsSent: 3,
      packetsRecv: 3,
      packetLoss: 0,
    } satisfies Partial<ProbeOutcome>);
    const sent = events.filter((e) => e.event === "progress").map((e) => (e.data as { sent: number }).sent);
    expect(sent.length).toBeGreaterThan(0);
    expect([...sent].sort((a, b) => a - b)).toEqual(sent);
  }, 30_000);

  test("a measurement that fails ends with one failure event of the same kind a local run throws", async () => {
    const unknown = await (
      await agent.measure("/measure/probe", { ...PROBE, host: "no-such-host.invalid", family: 0 })
    ).all();
    expect(unknown.at(-1)).toEqual({
      event: "failure",
      data: {
        kind: "failed",
        measurement: "probe",
        message: "unknown host no-such-host.invalid",
        method: expect.any(String),
      } satisfies MeasurementFailure,
    });
    const closed = await (
      await agent.measure("/measure/speedtest", {
        provider: "iperf3",
        host: `127.0.0.1:${iperf3.port + 1}`,
        enableDownload: true,
        enableUpload: false,
      })
    ).all();
    expect(closed.at(-1)).toMatchObject({ event: "failure", data: { kind: "failed", measurement: "speedtest" } });
    expect(String((closed.at(-1)!.data as MeasurementFailure).message)).toContain("refused");
  }, 30_000);

  test("one speed test at a time: a second is refused as busy; closing the stream kills iperf3 and frees the slot", async () => {
    const request = { provider: "iperf3", host: `127.0.0.1:${iperf3.port}`, enableDownload: true, enableUpload: true };
    const stream = await agent.measure("/measure/speedtest", { ...request, udp: false });
    await stream.waitForEvent("progress");
    const busy = await agent.post("/measure/speedtest", request);
    expect(busy.status).toBe(429);
    expect(busy.headers.get("retry-after")).toBe("5"); // RFC 9110 delay-seconds: when asking again may succeed
    expect(await busy.json()).toMatchObject({ message: "busy: a speed test is already running on this agent" });
    await waitUntil(() => toolsOf(agent, "iperf3").length > 0, "iperf3 to start");
    const running = toolsOf(agent, "iperf3");
    await stream.close();
    await waitUntil(() => running.every((pid) => !isAlive(pid)), "iperf3 to be killed", 5_000);
    // The slot is free again at once (the agent may still be winding the run down: a few tries).
    let again: Response | undefined;
    for (let i = 0; i < 40 && again?.status !== 200; i++) {
      if (again) await Bun.sleep(50);
      again = await agent.post("/measure/speedtest", request);
    }
    expect(again!.status).toBe(200);
    await again!.body?.cancel();
  }, 30_000);

  test("100 parallel probes: at most the limit run, the rest are refused as busy, every run completes", async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => agent.post("/measure/probe", { ...PROBE, count: 3, budgetSeconds: 10 })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const accepted = answers.filter((a) => a.status === 200);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(accepted.length).toBeLessThanOrEqual(2);
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);
      expect(await refused.json()).toMatchObject({
        message: "busy: 2 packet-loss probes are already running on this agent",
      });
    }
    for (const a of accepted) {
      const text = await a.text();
      expect(text).toContain("event: outcome");
      expect(text).toContain('"packetsSent":3');
    }
  }, 30_000);
});

describeIf(hasCommand("mtr"), "mtr is missing", "agent measurements and the agent's life", () => {
  test("SIGTERM during a probe: the stream ends without an outcome, mtr is killed, the agent exits 0", async () => {
    const agent = await startAgent({ args: ["--interface", "lo"] });
    const stream = await agent.measure("/measure/probe", { ...PROBE, count: 20, budgetSeconds: 60 });
    await stream.waitForEvent("progress");
    const mtr = toolsOf(agent, "mtr");
    expect(mtr.length).toBeGreaterThan(0);
    expect(await agent.stop()).toBe(0);
    await stream.ended();
    expect(stream.events.some((e) => e.event === "outcome" || e.event === "failure")).toBe(false);
    await waitUntil(() => mtr.every((pid) => !isAlive(pid)), "mtr to be killed", 5_000);
  }, 30_000);

  test("without an API key, or with --disable-measurements, no measurement endpoint exists", async () => {
    const variants: { key?: null; flags: string[] }[] = [
      { key: null, flags: [] },
      { flags: ["--disable-measurements"] },
    ];
    for (const opts of variants) {
      const agent = await startAgent({ key: opts.key, args: ["--interface", "lo", ...opts.flags] });
      try {
        const root = (await (await agent.get("/")).json()) as AgentRoot;
        expect(Object.keys(root.endpoints).filter((k) => k.startsWith("measure"))).toEqual([]);
        expect(root.measurement).toBeUndefined();
        expect((await agent.post("/measure/probe", PROBE, { key: TEST_API_KEY })).status).toBe(404);
        if ("key" in opts)
          expect(agent.log()).toContain("the hub cannot run speed tests, traceroutes or packet-loss probes");
      } finally {
        await agent.stop();
      }
    }
  }, 30_000);
});
