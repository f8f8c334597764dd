/**
 * The iperf3 provider against real iperf3 servers started here on 127.0.0.1
 * (random free ports). Traffic stays on loopback; every wait is bounded.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BadInput } from "../../src/core/errors";
import { createIperf3Provider, type Iperf3Settings } from "../../src/measure/providers/iperf3";
import { ProviderError, type RunOptions } from "../../src/measure/providers/provider";
import type { SpeedTestProgress as Progress } from "../../src/protocol/measurements";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Process, Iperf3Server, iperf3ClientPids } from "../helpers/iperf3-server";
import { recordingRunOptions } from "../helpers/provider-run";
import { freePort } from "../helpers/server-process";

const SETTINGS: Iperf3Settings = {
  testDurationSeconds: 1,
  parallelStreams: 2,
  timeoutSeconds: 15,
  pingCount: 2,
  pingIntervalMs: 200,
  pingTimeoutSeconds: 1,
};

const runOptions = (host: string, overrides: Partial<RunOptions> = {}) => recordingRunOptions({ host, ...overrides });

function phaseOrder(progress: Progress[]): string[] {
  return progress.map((p) => p.phase).filter((phase, i, all) => i === 0 || all[i - 1] !== phase);
}

function expectPlausibleMbps(value: number | null): void {
  expect(value).toBeNumber();
  expect(Number.isFinite(value)).toBe(true);
  expect(value!).toBeGreaterThan(0);
}

describeIf(
  hasCommand("iperf3") && hasCommand("ping"),
  "iperf3 or ping is not installed",
  "iperf3 provider against a local server",
  () => {
    let port: number;
    let server: Iperf3Server;

    beforeAll(async () => {
      server = await Iperf3Server.start();
      port = server.port;
    });
    afterAll(async () => {
      await server?.stop();
    });

    test("TCP download and upload over 2 streams, with ping latency and live progress in phase order", async () => {
      const options = runOptions(`127.0.0.1:${port}`);
      const result = await createIperf3Provider(SETTINGS).run(options);

      expectPlausibleMbps(result.downloadMbps);
      expectPlausibleMbps(result.uploadMbps);
      expect(result.bytesDownloaded).toBeGreaterThan(0);
      expect(result.bytesUploaded).toBeGreaterThan(0);
      expectPlausibleMbps(result.latencyMs);
      expect(result.jitterMs).toBeGreaterThanOrEqual(0);
      expect(result.packetLoss).toBeNull();
      expect(result).toMatchObject({ serverHost: `127.0.0.1:${port}`, serverId: `iperf3-127.0.0.1:${port}` });
      expect(result.durationMs).toBeGreaterThan(2000);

      expect(phaseOrder(options.progress)).toEqual(["latency", "download", "upload"]);
      expect(options.progress.some((p) => p.phase === "latency" && (p.latencyMs ?? 0) > 0)).toBe(true);
      for (const phase of ["download", "upload"] as const) {
        const updates = options.progress.filter((p) => p.phase === phase);
        // Start, at least one live interval, and the final figure.
        expect(updates.length).toBeGreaterThanOrEqual(3);
        expect(updates.every((p) => p.percent >= 0 && p.percent <= 100)).toBe(true);
        expect(updates.slice(1).every((p) => (p.mbps ?? 0) > 0)).toBe(true);
        expect(updates.at(-1)).toEqual({
          phase,
          mbps: phase === "download" ? result.downloadMbps! : result.uploadMbps!,
          percent: 100,
        });
      }
    });

    test("a single stream over IPv6 ([::1]:port), download only", async () => {
      const options = runOptions(`[::1]:${port}`, { enableUpload: false, serverId: "saved-7" });
      const result = await createIperf3Provider({ ...SETTINGS, parallelStreams: 1 }).run(options);
      expectPlausibleMbps(result.downloadMbps);
      expect(result.uploadMbps).toBeNull();
      expect(result.bytesUploaded).toBe(0);
      expectPlausibleMbps(result.latencyMs);
      expect(result).toMatchObject({ serverId: "saved-7", serverHost: `[::1]:${port}` });
      expect(phaseOrder(options.progress)).toEqual(["latency", "download"]);
      // Single-stream interval lines drive progress: half-second intervals, then the final figure.
      const live = options.progress.filter((p) => p.phase === "download" && (p.mbps ?? 0) > 0);
      expect(live.length).toBeGreaterThanOrEqual(2);
      expect(live.every((p) => p.percent > 0 && p.percent <= 100)).toBe(true);
      expect(live.at(-1)!.percent).toBe(100);
    });

    test("UDP mode reports jitter and loss at the target rate", async () => {
      const options = runOptions(`127.0.0.1:${port}`, { udp: true });
      const result = await createIperf3Provider({ ...SETTINGS, udpTargetMbps: 20 }).run(options);
      for (const mbps of [result.downloadMbps, result.uploadMbps]) {
        expectPlausibleMbps(mbps);
        expect(mbps!).toBeLessThan(40);
      }
      expect(result.jitterMs).toBeNumber();
      expect(result.jitterMs!).toBeGreaterThanOrEqual(0);
      expect(result.packetLoss).toBeNumber();
      expect(result.packetLoss!).toBeGreaterThanOrEqual(0);
      expect(result.packetLoss!).toBeLessThanOrEqual(100);
    });

    test("a port nobody listens on gives 'connection refused'", async () => {
      const attempt = createIperf3Provider(SETTINGS).run(runOptions(`127.0.0.1:${freePort()}`));
      await expect(attempt).rejects.toThrow(ProviderError);
      await expect(attempt).rejects.toThrow("connection refused");
    });

    test("hosts are validated before anything is spawned", async () => {
      await expect(createIperf3Provider(SETTINGS).run(runOptions("-oops"))).rejects.toThrow(BadInput);
      await expect(createIperf3Provider(SETTINGS).run(runOptions("127.0.0.1;id"))).rejects.toThrow(BadInput);
      await expect(createIperf3Provider(SETTINGS).run(runOptions(" "))).rejects.toThrow(
        "an iperf3 server host is required",
      );
    });

    test("an already aborted signal rejects with its reason", async () => {
      const controller = new AbortController();
      const reason = new Error("cancelled before start");
      controller.abort(reason);
      const attempt = createIperf3Provider(SETTINGS).run(
        runOptions(`127.0.0.1:${port}`, { signal: controller.signal }),
      );
      await expect(attempt).rejects.toBe(reason);
    });

    test("without iperf3 on PATH: 'iperf3 is not installed'", async () => {
      const savedPath = process.env.PATH;
      const emptyDir = mkdtempSync(join(tmpdir(), "netronome-nopath-"));
      process.env.PATH = emptyDir;
      try {
        const attempt = createIperf3Provider(SETTINGS).run(runOptions(`127.0.0.1:${port}`));
        await expect(attempt).rejects.toThrow(ProviderError);
        await expect(attempt).rejects.toThrow("iperf3 is not installed");
      } finally {
        process.env.PATH = savedPath;
        rmSync(emptyDir, { recursive: true, force: true });
      }
    });
  },
);

describeIf(hasCommand("iperf3"), "iperf3 is not installed", "iperf3 provider failures mid-test", () => {
  let port: number;
  let server: Iperf3Server;

  beforeEach(async () => {
    server = await Iperf3Server.start();
    port = server.port;
  });
  afterEach(async () => {
    await server?.stop();
  });

  test("a server busy with another client gives the busy message", async () => {
    const occupier = new Iperf3Process(["-c", "127.0.0.1", "-p", String(port), "-t", "30", "-i", "0.2"]);
    try {
      await occupier.waitFor(/sec\s/);
      const attempt = createIperf3Provider(SETTINGS).run(runOptions(`127.0.0.1:${port}`));
      await expect(attempt).rejects.toThrow(ProviderError);
      await expect(attempt).rejects.toThrow("the server is busy running a test");
    } finally {
      await occupier.stop();
    }
  });

  test("aborting mid-test rejects with the reason and leaves no iperf3 client behind", async () => {
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const options = runOptions(`127.0.0.1:${port}`, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === "download" && (p.mbps ?? 0) > 0) controller.abort(reason);
      },
    });
    const attempt = createIperf3Provider({ ...SETTINGS, testDurationSeconds: 30 }).run(options);
    const started = Date.now();
    await expect(attempt).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(iperf3ClientPids(port)).toEqual([]);
  });

  test("a run that outlives the per-run timeout is stopped with a plain message", async () => {
    const attempt = createIperf3Provider({ ...SETTINGS, testDurationSeconds: 10, timeoutSeconds: 1 }).run(
      runOptions(`127.0.0.1:${port}`, { enableUpload: false }),
    );
    await expect(attempt).rejects.toThrow("the iperf3 download test did not finish within 1 s");
    expect(iperf3ClientPids(port)).toEqual([]);
  });
});
