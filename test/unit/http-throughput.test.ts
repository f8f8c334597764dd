import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { libreSpeedLatency, measureHttpPings, speedtestNetLatency } from "../../src/measure/providers/http-latency";
import {
  measureDownload,
  measureUpload,
  nextUploadSize,
  PROGRESS_INTERVAL_MS,
  type ThroughputSample,
  type TransferOptions,
  UPLOAD_MAX_BYTES,
  UPLOAD_MIN_BYTES,
} from "../../src/measure/providers/http-throughput";
import { withDeadline } from "../../src/measure/providers/http-util";
import { ProviderError } from "../../src/measure/providers/provider";
import { PROVIDERS } from "../../src/measure/providers/registry";
import { type RunningLibreSpeedServer, startLibreSpeedServer } from "../servers/librespeed-server";
import { type RunningSpeedtestNetServer, startSpeedtestNetServer } from "../servers/speedtestnet-server";

const MiB = 1024 * 1024;

describe("latency formulas", () => {
  test("speedtest.net: mean and population standard deviation", () => {
    const { latencyMs, jitterMs } = speedtestNetLatency([10, 20, 30]);
    expect(latencyMs).toBe(20);
    expect(jitterMs).toBeCloseTo(Math.sqrt(200 / 3), 10);
    expect(speedtestNetLatency([7]).jitterMs).toBe(0);
  });

  test("LibreSpeed: mean and librespeed-cli's smoothed jitter, first difference ignored", () => {
    // d at i=2: 5 → 0.2·5 = 1; i=3: 15 → 0.8·1 + 0.2·15 = 3.8; i=4: 5 → 0.8·3.8 + 0.2·5 = 4.04; i=5: 1 < 4.04 → 0.7·4.04 + 0.3·1
    const { latencyMs, jitterMs } = libreSpeedLatency([10, 20, 15, 30, 25, 24]);
    expect(latencyMs).toBeCloseTo(124 / 6, 10);
    expect(jitterMs).toBeCloseTo(0.7 * 4.04 + 0.3, 10);
    // A jump between the first two samples alone leaves jitter at 0.
    expect(libreSpeedLatency([1, 100]).jitterMs).toBe(0);
  });

  test("help texts state the formulas", () => {
    expect(PROVIDERS.speedtest.latencyHelp).toContain("mean");
    expect(PROVIDERS.speedtest.latencyHelp).toContain("population standard deviation");
    expect(PROVIDERS.librespeed.latencyHelp).toContain("0.7·jitter + 0.3·d");
    expect(PROVIDERS.librespeed.latencyHelp).toContain("0.8·jitter + 0.2·d");
  });
});

describe("upload body sizing", () => {
  test("grows at most 4× per request, shrinks towards slow links, and stays within bounds", () => {
    expect(nextUploadSize(UPLOAD_MIN_BYTES, 1)).toBe(4 * UPLOAD_MIN_BYTES);
    expect(nextUploadSize(UPLOAD_MAX_BYTES, 1)).toBe(UPLOAD_MAX_BYTES);
    expect(nextUploadSize(UPLOAD_MIN_BYTES * 8, 1000)).toBe(UPLOAD_MIN_BYTES * 4);
    expect(nextUploadSize(UPLOAD_MIN_BYTES, 60_000)).toBe(UPLOAD_MIN_BYTES);
  });
});

describe("transfers against a local LibreSpeed backend", () => {
  let server: RunningLibreSpeedServer;
  let garbageUrl: string;
  let emptyUrl: string;

  beforeAll(async () => {
    server = await startLibreSpeedServer();
    garbageUrl = `${server.url}/s/1/backend/garbage.php?ckSize=100`;
    emptyUrl = `${server.url}/s/1/backend/empty.php`;
  });
  afterAll(() => server.stop());
  beforeEach(() => server.setFaults({}));

  const options = (overrides: Partial<TransferOptions> = {}): TransferOptions => ({
    streams: 2,
    graceMs: 300,
    durationMs: 1000,
    requestTimeoutMs: 5000,
    signal: new AbortController().signal,
    label: "test transfer",
    ...overrides,
  });

  test("download: the rate is the window's bytes over the window's length", async () => {
    const sentBefore = server.counters.downloadBytes;
    const result = await measureDownload(garbageUrl, options());
    expect(result.bytes).toBeGreaterThan(0);
    expect(result.mbps).toBeCloseTo((result.bytes * 8) / 1e6 / (result.durationMs / 1000), 6);
    expect(result.durationMs).toBeGreaterThan(950);
    expect(result.durationMs).toBeLessThan(1300);
    expect(result.totalBytes).toBeGreaterThan(result.bytes);
    expect(server.counters.downloadBytes - sentBefore).toBeGreaterThanOrEqual(result.totalBytes);
  });

  test("download: chunked bodies are counted to the byte", async () => {
    // 1 MiB responses: every response the server finished is counted in full, the two cut at the end in part.
    const sentBefore = server.counters.downloadBytes;
    const result = await measureDownload(`${server.url}/s/1/backend/garbage.php?ckSize=1`, options());
    const sent = server.counters.downloadBytes - sentBefore;
    expect(result.totalBytes).toBeLessThanOrEqual(sent);
    expect(sent - result.totalBytes).toBeLessThanOrEqual(2 * MiB);
  });

  test("download: Content-Length bodies are counted to the byte", async () => {
    const speedtest: RunningSpeedtestNetServer = await startSpeedtestNetServer();
    try {
      // random350x350.jpg is 245 388 bytes: complete responses count in full, the two cut at the end in part.
      const imageBytes = 245_388;
      const result = await measureDownload(`${speedtest.url}/srv/1001/speedtest/random350x350.jpg`, options());
      const sent = speedtest.counters.downloadBytes;
      expect(sent % imageBytes).toBe(0);
      expect(result.totalBytes).toBeLessThanOrEqual(sent);
      expect(sent - result.totalBytes).toBeLessThanOrEqual(2 * imageBytes);
    } finally {
      await speedtest.stop();
    }
  });

  test("upload: only POSTs the server answered count, and the server got every counted byte", async () => {
    const receivedBefore = server.counters.uploadBytes;
    const result = await measureUpload(emptyUrl, options());
    expect(result.bytes).toBeGreaterThan(0);
    expect(server.counters.uploadBytes - receivedBefore).toBeGreaterThanOrEqual(result.totalBytes);
  });

  test("upload: the rate runs from answer to answer, so POSTs cut by the window's edges do not skew it", async () => {
    // Answers come 600 ms after each body, beyond the 500 ms target, so every POST keeps the minimum size and takes
    // just over 600 ms; counting the POSTs answered within the 2 s window would give 3 or 4 of them (−10 % or +31 %).
    const answerDelayMs = 600;
    server.setFaults({ upload: { delayMs: answerDelayMs } });
    const result = await measureUpload(emptyUrl, options({ streams: 1, graceMs: 700, durationMs: 2000 }));
    const perPostMbps = (UPLOAD_MIN_BYTES * 8) / 1e6 / (answerDelayMs / 1000);
    expect(result.mbps).toBeLessThanOrEqual(perPostMbps);
    expect(result.mbps).toBeGreaterThan(perPostMbps * 0.95);
  });

  test("the warm-up is discarded: a slow start does not drag the rate down", async () => {
    // One stream paced at 4 MB/s whose first response only starts after 600 ms of the 700 ms warm-up.
    const bytesPerSecond = 4_000_000;
    server.setFaults({ download: { delayMs: 600, bytesPerSecond } });
    const result = await measureDownload(garbageUrl, options({ streams: 1, graceMs: 700, durationMs: 1000 }));
    const pacedMbps = (bytesPerSecond * 8) / 1e6;
    // Counting the warm-up would give about (100 + 1000) / 1700 of the paced rate.
    expect(result.mbps).toBeGreaterThan(pacedMbps * 0.85);
    expect(result.mbps).toBeLessThan(pacedMbps * 1.15);
    expect(result.totalBytes - result.bytes).toBeGreaterThan(0);
  });

  test("live samples: throttled, percent rising to 100, the last one equal to the result", async () => {
    const samples: ThroughputSample[] = [];
    const result = await measureDownload(garbageUrl, options({ onSample: (s) => samples.push(s) }));
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.length).toBeLessThanOrEqual(1300 / PROGRESS_INTERVAL_MS + 2);
    for (let i = 1; i < samples.length; i++)
      expect(samples[i]!.percent).toBeGreaterThanOrEqual(samples[i - 1]!.percent);
    expect(samples.at(-1)).toEqual({ mbps: result.mbps, percent: 100 });
  });

  test("abort: every request stops at once and the promise rejects with the abort reason", async () => {
    server.setFaults({ download: { bytesPerSecond: 20 * MiB } });
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const running = measureDownload(garbageUrl, options({ streams: 3, signal: controller.signal }));
    await Bun.sleep(400);
    expect(server.counters.activeTransfers).toBe(3);
    const abortedAt = performance.now();
    controller.abort(reason);
    expect(await running.catch((error: unknown) => error)).toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(200);
    await Bun.sleep(100);
    expect(server.counters.activeTransfers).toBe(0);
    const sentAfterAbort = server.counters.downloadBytes;
    await Bun.sleep(300);
    expect(server.counters.downloadBytes).toBe(sentAfterAbort);
  });

  test("an already aborted signal rejects before any request", async () => {
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    const requestsBefore = server.counters.downloadRequests;
    await expect(measureDownload(garbageUrl, options({ signal: controller.signal }))).rejects.toThrow("too late");
    expect(server.counters.downloadRequests).toBe(requestsBefore);
  });

  test("an HTTP error status fails the phase at once, naming the status", async () => {
    server.setFaults({ download: { status: 503 } });
    const startedAt = performance.now();
    const error = await measureDownload(garbageUrl, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain("test transfer failed: the server answered HTTP 503");
    expect(performance.now() - startedAt).toBeLessThan(500);
  });

  test("truncated download bodies give a correct partial measurement", async () => {
    server.setFaults({ download: { truncate: true } });
    const sentBefore = server.counters.downloadBytes;
    const requestsBefore = server.counters.downloadRequests;
    const result = await measureDownload(garbageUrl, options());
    expect(server.counters.downloadRequests - requestsBefore).toBeGreaterThan(2);
    expect(result.mbps).toBeGreaterThan(0);
    expect(result.mbps).toBeCloseTo((result.bytes * 8) / 1e6 / (result.durationMs / 1000), 6);
    expect(server.counters.downloadBytes - sentBefore).toBeGreaterThanOrEqual(result.totalBytes);
  });

  test("truncated upload answers fail the phase: nothing the server acknowledged can be counted", async () => {
    server.setFaults({ upload: { truncate: true } });
    await expect(measureUpload(emptyUrl, options())).rejects.toThrow(
      "test transfer failed: the server closed the connection mid-transfer",
    );
  });

  test("a server that never answers fails with a timeout", async () => {
    server.setFaults({ download: { delayMs: 3000 } });
    await expect(
      measureDownload(garbageUrl, options({ graceMs: 200, durationMs: 1000, requestTimeoutMs: 400 })),
    ).rejects.toThrow(
      "test transfer failed: no data moved during the measurement: no answer from the server within 0.4 s",
    );
  });

  test("a refused connection fails the phase quickly", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const deadUrl = `http://127.0.0.1:${closed.port}/garbage.php`;
    await closed.stop(true);
    const startedAt = performance.now();
    await expect(measureDownload(deadUrl, options())).rejects.toThrow(ProviderError);
    expect(performance.now() - startedAt).toBeLessThan(1000);
  });

  test("pings: the warm-up is discarded and every kept sample is reported", async () => {
    const before = server.counters.pingRequests[1] ?? 0;
    const reported: number[] = [];
    const samples = await measureHttpPings(emptyUrl, {
      count: 5,
      warmup: 1,
      intervalMs: 5,
      requestTimeoutMs: 1000,
      signal: new AbortController().signal,
      label: "test ping",
      onSample: (_, done) => reported.push(done),
    });
    expect(samples).toHaveLength(5);
    expect(reported).toEqual([1, 2, 3, 4, 5]);
    expect(server.counters.pingRequests[1]! - before).toBe(6);
  });

  test("pings: a wrong body counts as a failure, and no success at all fails the probe", async () => {
    await expect(
      measureHttpPings(emptyUrl, {
        count: 2,
        warmup: 0,
        intervalMs: 0,
        requestTimeoutMs: 1000,
        signal: new AbortController().signal,
        label: "test ping",
        expectBody: "test=test",
      }),
    ).rejects.toThrow("test ping failed: http://127.0.0.1");
  });

  test("deadlines become a ProviderError; an abort keeps its own reason", async () => {
    const untilAborted = (signal: AbortSignal) =>
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    await expect(withDeadline("slow thing", 100, new AbortController().signal, untilAborted)).rejects.toThrow(
      "slow thing did not finish within the 0.1 s timeout",
    );
    const controller = new AbortController();
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 20);
    expect(await withDeadline("x", 1000, controller.signal, untilAborted).catch((e: unknown) => e)).toBe(reason);
  });
});

describe.skipIf(!Bun.which("openssl"))("transfers over HTTPS", () => {
  let dir: string;
  let server: RunningLibreSpeedServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "netronome-tls-"));
    const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    const openssl = Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ]),
      { stderr: "pipe" },
    );
    if (openssl.exitCode !== 0) throw new Error(openssl.stderr.toString());
    server = await startLibreSpeedServer({
      tls: { cert: await Bun.file(cert).text(), key: await Bun.file(key).text() },
    });
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const options = (): TransferOptions => ({
    streams: 2,
    graceMs: 200,
    durationMs: 600,
    requestTimeoutMs: 5000,
    signal: new AbortController().signal,
    label: "tls transfer",
  });

  test("an untrusted certificate fails the phase", async () => {
    expect(server.url).toStartWith("https://");
    await expect(measureDownload(`${server.url}/s/1/backend/garbage.php`, options())).rejects.toThrow(
      /^tls transfer failed: the server's TLS certificate was rejected \(.*self[- ]signed/i,
    );
  });

  test("a trusted connection downloads and uploads", async () => {
    // The standard switch for trusting any certificate; restored right after.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    try {
      const download = await measureDownload(`${server.url}/s/1/backend/garbage.php?ckSize=1`, options());
      const upload = await measureUpload(`${server.url}/s/1/backend/empty.php`, options());
      expect(download.bytes).toBeGreaterThan(0);
      expect(upload.bytes).toBeGreaterThan(0);
      expect(server.counters.uploadBytes).toBeGreaterThanOrEqual(upload.totalBytes);
    } finally {
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    }
  });
});
