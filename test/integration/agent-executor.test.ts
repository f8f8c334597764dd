/**
 * The hub's agent executor against real agent processes on 127.0.0.1: it returns what the local executor returns
 * (same shapes, same counts, the same error classes and messages for failures), and an agent that is away, refuses,
 * is busy, restarts or goes silent mid-run makes it throw MachineUnavailable, never a half result. Aborting stops
 * the agent's tool.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { configFrom } from "../../src/config/load";
import { BadInput } from "../../src/core/errors";
import { createAgentExecutor } from "../../src/hub/agent-executor";
import { createLocalExecutor, type Executor, MachineUnavailable } from "../../src/measure/executor";
import { ProbeFailed } from "../../src/measure/probes/loss-probe";
import { ProviderError } from "../../src/measure/providers/provider";
import { createProviders } from "../../src/measure/providers/registry";
import type { MeasurementCapacity } from "../../src/protocol/agent";
import type { ProbeRequest, SpeedTestRequest, TracerouteRequest } from "../../src/protocol/measurements";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";
import { childrenOf, commandOf, isAlive } from "../helpers/processes";
import { freePort } from "../helpers/server-process";

const tools = ["iperf3", "mtr", "ping", "traceroute"].every(hasCommand);
const IPERF_ENV = {
  NETRONOME__IPERF_TEST_DURATION: "1",
  NETRONOME__IPERF_PARALLEL_CONNS: "2",
  NETRONOME__IPERF_TIMEOUT: "15",
  NETRONOME__IPERF_PING_COUNT: "2",
  NETRONOME__IPERF_PING_INTERVAL: "200",
  NETRONOME__IPERF_PING_TIMEOUT: "1",
};
const PROBE: ProbeRequest = { host: "127.0.0.1", family: 4, count: 3, budgetSeconds: 10, icmp: false, dns: false };
const TRACE: TracerouteRequest = {
  host: "127.0.0.1",
  family: 4,
  maxHops: 5,
  waitSeconds: 1,
  queries: 2,
  numeric: true,
  maxSilentHops: 3,
  timeoutSeconds: 10,
};
const never = () => new AbortController().signal;

function remote(agent: AgentProcess, opts: { key?: string | null; silenceMs?: number; url?: string } = {}) {
  let capacity: MeasurementCapacity | undefined;
  const executor = createAgentExecutor(
    {
      name: "edge <1>",
      target: () => ({ url: opts.url ?? agent.url, apiKey: opts.key === undefined ? TEST_API_KEY : opts.key }),
      capacity: () => capacity,
    },
    { silenceMs: opts.silenceMs },
  );
  return { executor, setCapacity: (c: MeasurementCapacity) => (capacity = c) };
}

function local(): Executor {
  const { config, dir } = configFrom({
    speedtest: {
      iperf: { test_duration: 1, parallel_conns: 2, timeout: 15, ping: { count: 2, interval: 200, timeout: 1 } },
    },
  });
  return createLocalExecutor({ providers: createProviders({ speedtest: config.speedtest, dir }) });
}

async function error(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error("it did not fail");
}

/** The type of every value, recursively: what "returns the same" means for runs whose figures differ. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return value === null ? "null" : typeof value;
}

describeIf(tools, "iperf3, mtr, ping or traceroute is missing", "agent executor", () => {
  let agent: AgentProcess;
  let iperf3: Iperf3Server;
  beforeAll(async () => {
    [agent, iperf3] = await Promise.all([
      startAgent({ args: ["--interface", "lo"], env: IPERF_ENV }),
      Iperf3Server.start(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([agent?.stop(), iperf3?.stop()]);
  });

  test("probeHost follows what the agent said, and is the safe plan before it said anything", () => {
    const { executor, setCapacity } = remote(agent);
    expect(executor.probeHost).toEqual({ root: false });
    setCapacity({ root: true, limits: { speedtest: 1, probe: 10, traceroute: 4 } });
    expect(executor.probeHost).toEqual({ root: true });
  });

  test("a traceroute and a probe come back as the local executor's do, with live progress", async () => {
    const { executor } = remote(agent);
    const progress: unknown[] = [];
    const [there, here] = await Promise.all([
      executor.runTraceroute(TRACE, { signal: never(), onProgress: (p) => progress.push(p) }),
      local().runTraceroute(TRACE, { signal: never() }),
    ]);
    expect(shape(there)).toEqual(shape(here));
    expect({ ...there, durationMs: 0 }).toEqual({ ...here, hops: there.hops, durationMs: 0 });
    expect(there.hops.map((h) => h.ip)).toEqual(here.hops.map((h) => h.ip));
    expect(progress[0]).toEqual({ type: "resolved", ip: "127.0.0.1" });

    const probeProgress: { sent: number }[] = [];
    const [p1, p2] = await Promise.all([
      executor.runProbe(PROBE, { signal: never(), onProgress: (p) => probeProgress.push(p) }),
      local().runProbe(PROBE, { signal: never() }),
    ]);
    expect(shape(p1)).toEqual(shape(p2));
    expect([p1.method, p1.packetsSent, p1.packetsRecv, p1.rttSamplesMs.length]).toEqual([
      p2.method,
      3,
      3,
      p2.rttSamplesMs.length,
    ]);
    expect(probeProgress.length).toBeGreaterThan(0);
  }, 60_000);

  test("a speed test comes back as the local one's; server lists too", async () => {
    const request: SpeedTestRequest = {
      provider: "iperf3",
      host: `127.0.0.1:${iperf3.port}`,
      enableDownload: true,
      enableUpload: false,
    };
    const phases = new Set<string>();
    const there = await remote(agent).executor.runSpeedTest(request, {
      signal: never(),
      onProgress: (p) => phases.add(p.phase),
    });
    const here = await local().runSpeedTest(request, { signal: never() });
    expect(shape(there)).toEqual(shape(here));
    expect(there.downloadMbps).toBeGreaterThan(0);
    expect([there.uploadMbps, there.serverHost]).toEqual([null, here.serverHost]);
    expect([...phases]).toEqual(["latency", "download"]);
    expect(await remote(agent).executor.listServers("iperf3", never())).toEqual([]);
  }, 60_000);

  test("failures are the errors a local run throws, with the same messages", async () => {
    const { executor } = remote(agent);
    const closed: SpeedTestRequest = {
      provider: "iperf3",
      host: `127.0.0.1:${freePort()}`,
      enableDownload: true,
      enableUpload: false,
    };
    const [there, here] = await Promise.all([
      error(executor.runSpeedTest(closed, { signal: never() })),
      error(local().runSpeedTest(closed, { signal: never() })),
    ]);
    expect(there).toBeInstanceOf(ProviderError);
    expect(there.message).toBe(here.message);

    const unknown = { ...PROBE, host: "no-such-host.invalid", family: 0 as const };
    const [lost, lostHere] = await Promise.all([
      error(executor.runProbe(unknown, { signal: never() })),
      error(local().runProbe(unknown, { signal: never() })),
    ]);
    expect(lost).toBeInstanceOf(ProbeFailed);
    expect([lost.message, (lost as ProbeFailed).method]).toEqual([lostHere.message, (lostHere as ProbeFailed).method]);

    const hostile = await error(executor.runProbe({ ...PROBE, host: "-oX" }, { signal: never() }));
    expect(hostile).toBeInstanceOf(BadInput);
    expect([hostile.message, (hostile as BadInput).field]).toEqual(["host: must not start with '-'", "host"]);
    const provider = await error(executor.listServers("netperf" as never, never()));
    expect(provider).toBeInstanceOf(BadInput);
  }, 60_000);

  test("busy, a wrong key, a closed port: MachineUnavailable with its reason, in plain words", async () => {
    const request: SpeedTestRequest = {
      provider: "iperf3",
      host: `127.0.0.1:${iperf3.port}`,
      enableDownload: true,
      enableUpload: true,
    };
    const first = remote(agent).executor.runSpeedTest(request, { signal: never() });
    await Bun.sleep(300);
    const busy = await error(remote(agent).executor.runSpeedTest(request, { signal: never() }));
    expect(busy).toBeInstanceOf(MachineUnavailable);
    expect([(busy as MachineUnavailable).reason, busy.message]).toEqual([
      "busy",
      'agent "edge <1>" is busy: busy: a speed test is already running on this agent',
    ]);
    await first;

    const wrongKey = await error(remote(agent, { key: "wrong" }).executor.runProbe(PROBE, { signal: never() }));
    expect([(wrongKey as MachineUnavailable).reason, wrongKey.message]).toEqual([
      "refused",
      `agent "edge <1>" refused the hub's API key`,
    ]);
    const away = remote(agent, { url: `http://127.0.0.1:${freePort()}` }).executor;
    for (const attempt of [away.runProbe(PROBE, { signal: never() }), away.listServers("speedtest", never())]) {
      const e = await error(attempt);
      expect(e).toBeInstanceOf(MachineUnavailable);
      expect([(e as MachineUnavailable).reason, e.message]).toEqual([
        "unreachable",
        'agent "edge <1>" is unreachable: cannot reach the agent: connection refused',
      ]);
    }
  }, 60_000);

  test("aborting a speed test stops the agent's iperf3 and rejects with the reason", async () => {
    const controller = new AbortController();
    const run = remote(agent).executor.runSpeedTest(
      { provider: "iperf3", host: `127.0.0.1:${iperf3.port}`, enableDownload: true, enableUpload: true },
      { signal: controller.signal, onProgress: () => {} },
    );
    let iperf: number[] = [];
    for (let i = 0; i < 200 && iperf.length === 0; i++) {
      await Bun.sleep(25);
      iperf = childrenOf(agent.proc.pid).filter((pid) => commandOf(pid) === "iperf3");
    }
    expect(iperf.length).toBeGreaterThan(0);
    controller.abort(new Error("cancelled by the user"));
    expect((await error(run)).message).toBe("cancelled by the user");
    for (let i = 0; i < 200 && iperf.some(isAlive); i++) await Bun.sleep(25);
    expect(iperf.filter(isAlive)).toEqual([]);
  }, 30_000);
});

describeIf(hasCommand("mtr"), "mtr is missing", "agent executor and the agent's life", () => {
  test("an agent killed mid-probe (a restart): MachineUnavailable 'lost', no outcome", async () => {
    const agent = await startAgent({ args: ["--interface", "lo"] });
    try {
      let progress = 0;
      const run = remote(agent).executor.runProbe(
        { ...PROBE, count: 30, budgetSeconds: 60 },
        { signal: never(), onProgress: () => progress++ },
      );
      for (let i = 0; i < 400 && progress === 0; i++) await Bun.sleep(25);
      expect(progress).toBeGreaterThan(0);
      agent.proc.kill("SIGKILL");
      const e = await error(run);
      expect(e).toBeInstanceOf(MachineUnavailable);
      expect((e as MachineUnavailable).reason).toBe("lost");
      expect(e.message).toStartWith('the connection to agent "edge <1>" was lost during the measurement');
    } finally {
      await agent.stop();
    }
  }, 30_000);

  test("an agent that stops answering mid-probe (SIGSTOP) is given up after the silence limit", async () => {
    const agent = await startAgent({ args: ["--interface", "lo"] });
    try {
      let progress = 0;
      const run = remote(agent, { silenceMs: 1500 }).executor.runProbe(
        { ...PROBE, count: 30, budgetSeconds: 60 },
        { signal: never(), onProgress: () => progress++ },
      );
      for (let i = 0; i < 400 && progress === 0; i++) await Bun.sleep(25);
      agent.proc.kill("SIGSTOP");
      const started = Date.now();
      const e = await error(run);
      expect((e as MachineUnavailable).reason).toBe("lost");
      expect(e.message).toContain("it went silent");
      expect(Date.now() - started).toBeLessThan(10_000);
      agent.proc.kill("SIGCONT");
    } finally {
      await agent.stop();
    }
  }, 30_000);

  test("an agent without measurements is refused in plain words", async () => {
    const agent = await startAgent({ args: ["--interface", "lo", "--disable-measurements"] });
    try {
      const e = await error(remote(agent).executor.runTraceroute(TRACE, { signal: never() }));
      expect([(e as MachineUnavailable).reason, e.message]).toEqual([
        "refused",
        'agent "edge <1>" runs no measurements (it needs an API key, and a version that has them, without disable_measurements)',
      ]);
    } finally {
      await agent.stop();
    }
  }, 30_000);
});

test("a busy agent (429 with Retry-After) is asked once: the hub never retries, let alone sooner than it says", async () => {
  const asked: string[] = [];
  const agent = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      asked.push(new URL(request.url).pathname);
      return Response.json(
        { error: "too_many_requests", message: "busy: 2 packet-loss probes are already running on this agent" },
        { status: 429, headers: { "retry-after": "1" } },
      );
    },
  });
  try {
    const { executor } = remote({ url: `http://127.0.0.1:${agent.port}` } as AgentProcess);
    const busy = await error(executor.runProbe(PROBE, { signal: never() }));
    expect([(busy as MachineUnavailable).reason, busy.message]).toEqual([
      "busy",
      'agent "edge <1>" is busy: busy: 2 packet-loss probes are already running on this agent',
    ]);
    await Bun.sleep(1_500); // past the Retry-After: a retry, early or on time, would have arrived by now
    expect(asked).toEqual(["/measure/probe"]);
  } finally {
    agent.stop(true);
  }
});
