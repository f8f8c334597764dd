/**
 * The local executor with real tools on 127.0.0.1: every request is plain data, and every progress event,
 * outcome and failure survives a JSON round trip unchanged, so the same calls can cross to an agent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { configFrom } from "../../src/config/load";
import { BadInput } from "../../src/core/errors";
import { createLocalExecutor, type Executor } from "../../src/measure/executor";
import { fromFailure, toFailure } from "../../src/measure/failure";
import { createProviders, PROVIDER_IDS } from "../../src/measure/providers/registry";
import type {
  ProbeRequest,
  SpeedTestRequest,
  TracerouteProgress,
  TracerouteRequest,
} from "../../src/protocol/measurements";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";

/** Parsed back from JSON: equal only when the value is plain data (no Dates, classes, functions, undefined in arrays). */
const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));

function executorFor(overrides: Record<string, Record<string, unknown>> = {}): Executor {
  const { config, dir } = configFrom({
    speedtest: {
      iperf: { test_duration: 1, parallel_conns: 2, timeout: 15, ping: { count: 2, interval: 200, timeout: 1 } },
    },
    ...overrides,
  });
  return createLocalExecutor({ providers: createProviders({ speedtest: config.speedtest, dir }) });
}

describe("local executor", () => {
  test("builds one provider per registry entry and says whether it runs as root", async () => {
    const { config, dir } = configFrom({});
    expect(Object.keys(createProviders({ speedtest: config.speedtest, dir }))).toEqual([...PROVIDER_IDS]);
    const executor = executorFor();
    expect(executor.probeHost).toEqual({ root: process.getuid?.() === 0 });
    // Host providers list nothing themselves (the hub offers its saved servers).
    expect(await executor.listServers("iperf3", new AbortController().signal)).toEqual([]);
    // A provider this side does not have (a request off the wire) is bad input naming the field.
    const unknown = { provider: "netperf" as never, host: "127.0.0.1", enableDownload: true, enableUpload: true };
    const refused = await executor.runSpeedTest(unknown, { signal: new AbortController().signal }).catch((e) => e);
    expect(refused).toBeInstanceOf(BadInput);
    expect(refused).toMatchObject({ field: "provider", message: 'provider: no provider "netperf" here' });
  });

  describeIf(hasCommand("iperf3") && hasCommand("ping"), "iperf3 or ping is missing", "speed test", () => {
    let server: Iperf3Server;
    beforeAll(async () => {
      server = await Iperf3Server.start();
    });
    afterAll(async () => {
      await server?.stop();
    });

    test("an iperf3 request runs through the registry; progress and measurement are plain data", async () => {
      const request: SpeedTestRequest = viaJson({
        provider: "iperf3",
        host: server.address,
        enableDownload: true,
        enableUpload: false,
      });
      const progress: unknown[] = [];
      const m = await executorFor().runSpeedTest(request, {
        signal: new AbortController().signal,
        onProgress: (p) => progress.push(p),
      });
      expect(m.downloadMbps).toBeGreaterThan(0);
      expect(m.uploadMbps).toBeNull();
      expect(m.bytesUploaded).toBe(0);
      expect(m.serverHost).toBe(server.address);
      expect(viaJson(m)).toEqual(m);
      expect(progress.length).toBeGreaterThan(2);
      expect(viaJson(progress)).toEqual(progress);
    }, 30_000);

    test("a failed test comes back as a failure that crosses the wire as the same error", async () => {
      const closed = `127.0.0.1:${server.port + 1}`;
      const error = await executorFor()
        .runSpeedTest(
          { provider: "iperf3", host: closed, enableDownload: true, enableUpload: false },
          { signal: new AbortController().signal },
        )
        .catch((e: unknown) => e);
      const failure = toFailure(error, "speedtest");
      expect(failure).toMatchObject({ kind: "failed", measurement: "speedtest" });
      const back = fromFailure(viaJson(failure!));
      expect(back.constructor).toBe((error as Error).constructor);
      expect(back.message).toBe((error as Error).message);
    }, 30_000);
  });

  describeIf(hasCommand("ping"), "ping is missing", "packet-loss probe", () => {
    test("a request for 127.0.0.1 measures every probe; outcome and progress are plain data", async () => {
      const request: ProbeRequest = {
        host: "127.0.0.1",
        family: 4,
        count: 5,
        budgetSeconds: 60,
        icmp: true,
        dns: false,
      };
      const progress: unknown[] = [];
      const outcome = await executorFor().runProbe(viaJson(request), {
        signal: new AbortController().signal,
        onProgress: (p) => progress.push(p),
      });
      expect(outcome).toMatchObject({ ip: "127.0.0.1", packetsSent: 5, packetsRecv: 5, packetLoss: 0 });
      expect(outcome.rttSamplesMs).toHaveLength(5);
      expect(viaJson(outcome)).toEqual(outcome);
      expect(viaJson(progress)).toEqual(progress);
    }, 30_000);

    test("an unknown host fails as a probe failure naming the method", async () => {
      const error = await executorFor()
        .runProbe(
          { host: "no-such-host.invalid", family: 0, count: 2, budgetSeconds: 60, icmp: false, dns: false },
          { signal: new AbortController().signal },
        )
        .catch((e: unknown) => e);
      const failure = toFailure(error, "probe")!;
      expect(failure).toMatchObject({ kind: "failed", message: "unknown host no-such-host.invalid" });
      expect(fromFailure(viaJson(failure))).toMatchObject({ message: failure.message, method: failure.method });
    }, 30_000);
  });

  describeIf(hasCommand("traceroute"), "traceroute is missing", "traceroute", () => {
    const request: TracerouteRequest = {
      host: "127.0.0.1",
      family: 4,
      maxHops: 3,
      waitSeconds: 1,
      queries: 1,
      numeric: true,
      maxSilentHops: 3,
      timeoutSeconds: 20,
    };

    test("events come as resolved, then hops; the outcome is plain data", async () => {
      const events: TracerouteProgress[] = [];
      const outcome = await executorFor().runTraceroute(viaJson(request), {
        signal: new AbortController().signal,
        onProgress: (e) => events.push(e),
      });
      expect(events[0]).toEqual({ type: "resolved", ip: "127.0.0.1" });
      expect(events.slice(1).every((e) => e.type === "hop")).toBe(true);
      expect(outcome).toMatchObject({ ip: "127.0.0.1", terminatedEarly: false, timedOut: false });
      expect(outcome.hops.at(-1)?.ip).toBe("127.0.0.1");
      expect(viaJson(outcome)).toEqual(outcome);
      expect(viaJson(events)).toEqual(events);
    }, 30_000);

    test("a request that cannot become an argv is refused before anything runs, as bad input", async () => {
      const error = await executorFor()
        .runTraceroute({ ...request, host: "-oBad" }, { signal: new AbortController().signal })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadInput);
      expect(fromFailure(viaJson(toFailure(error, "traceroute")!))).toBeInstanceOf(BadInput);
    });
  });
});
