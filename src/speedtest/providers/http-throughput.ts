/**
 * The measurement engine shared by the native speedtest.net and LibreSpeed
 * clients: N parallel HTTP streams for a fixed time, a discarded warm-up, live
 * Mbit/s samples, prompt abort, and the two latency/jitter formulas.
 *
 * Throughput is goodput as measured (bits / 1e6 / second, no correction
 * factors). Downloads count the byte length of every body chunk as it arrives;
 * uploads count a POST body once the server has answered it, so only bytes
 * the server acknowledged are counted. The rate is the byte count of the
 * measured window (after the warm-up) divided by the window's length.
 *
 * Failure policy, per request:
 * - an HTTP error status fails the whole phase at once (a server that refuses
 *   to serve measures nothing);
 * - a network error, a truncated body or a stall (no response and no body
 *   bytes for `requestTimeoutMs`) ends that request only: the bytes that did
 *   arrive still count and the stream starts its next request. Three failures
 *   in a row on one stream without a single byte moved fail the phase, as
 *   does a measured window in which no byte moved at all.
 */
import { ProviderError } from "./provider";

/** A live reading, delivered at most every PROGRESS_INTERVAL_MS. */
export interface ThroughputSample {
  mbps: number;
  /** Share of the phase (warm-up + measured window) elapsed, 0–100. */
  percent: number;
}

export interface TransferOptions {
  /** Parallel HTTP streams, each with its own connection. */
  streams: number;
  /** Warm-up at the start whose bytes are discarded (connection setup, TCP slow start). */
  graceMs: number;
  /** The measured window that follows the warm-up. */
  durationMs: number;
  /** A request without response headers or body bytes for this long fails. */
  requestTimeoutMs: number;
  signal: AbortSignal;
  /** Names the transfer in error messages, e.g. "speedtest.net download". */
  label: string;
  onSample?: (sample: ThroughputSample) => void;
}

export interface TransferResult {
  /** Goodput over the measured window, Mbit/s. */
  mbps: number;
  /** Bytes moved within the measured window: the basis of `mbps`. */
  bytes: number;
  /** Actual length of the measured window, ms. */
  durationMs: number;
  /** Every byte moved, warm-up included (the traffic the test cost). */
  totalBytes: number;
}

export interface PingOptions {
  /** Samples kept. */
  count: number;
  /** Requests sent first and discarded (the first one also opens the connection). */
  warmup: number;
  /** Pause after each request, ms. */
  intervalMs: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
  /** Names the probe in error messages, e.g. "speedtest.net latency". */
  label: string;
  /** Required response body prefix (speedtest.net's latency.txt says "test=test"). */
  expectBody?: string;
  /** Called after each kept sample with its round-trip time and how many of `count` are done. */
  onSample?: (rttMs: number, done: number) => void;
}

export interface LatencyResult {
  latencyMs: number;
  jitterMs: number;
}

export const PROGRESS_INTERVAL_MS = 250;
/** Consecutive failed requests without a byte moved before a stream gives up. */
const MAX_CONSECUTIVE_FAILURES = 3;

// Identity encoding: the counted bytes are the bytes on the wire, and nobody spends CPU on gzip.
const DOWNLOAD_HEADERS = { "Accept-Encoding": "identity", "Cache-Control": "no-cache" };
const UPLOAD_HEADERS = {
  "Accept-Encoding": "identity",
  "Cache-Control": "no-cache",
  "Content-Type": "application/octet-stream",
};

/** Upload bodies are resized so one POST takes about this long: short enough for a fine-grained count, long enough that the idle round trip between POSTs costs little. */
const UPLOAD_TARGET_REQUEST_MS = 500;
export const UPLOAD_MIN_BYTES = 64 * 1024;
export const UPLOAD_MAX_BYTES = 4 * 1024 * 1024;

/** Thrown into an aborted request when the phase ends normally. */
const PHASE_OVER = Symbol("phase over");

class RequestStalled extends Error {}

/** Per-stream state, touched once per chunk: keep it a plain monomorphic object. */
interface TransferStream {
  bytes: number;
  controller: AbortController | null;
  bytesAtLastTick: number;
  lastProgressAt: number;
  consecutiveFailures: number;
}

/** Runs `streams` copies of a request loop for warm-up + window and does the bookkeeping around them. */
class Transfer {
  finished = false;
  private readonly streams: TransferStream[];
  private readonly startedAt = performance.now();
  private windowStartedAt = 0;
  private windowStartBytes = 0;
  private windowEndedAt = 0;
  private windowEndBytes = 0;
  private lastFailure = "";
  private fatal: unknown = null;

  constructor(readonly options: TransferOptions) {
    this.streams = Array.from({ length: options.streams }, () => ({
      bytes: 0,
      controller: null,
      bytesAtLastTick: 0,
      lastProgressAt: this.startedAt,
      consecutiveFailures: 0,
    }));
  }

  async run(loop: (stream: TransferStream) => Promise<void>): Promise<TransferResult> {
    const { signal, graceMs, durationMs } = this.options;
    signal.throwIfAborted();
    const onAbort = () => this.stop(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const windowTimer = setTimeout(() => {
      this.windowStartedAt = performance.now();
      this.windowStartBytes = this.totalBytes();
    }, graceMs);
    const endTimer = setTimeout(() => this.stop(PHASE_OVER), graceMs + durationMs);
    const ticker = setInterval(() => this.tick(), PROGRESS_INTERVAL_MS);
    try {
      await Promise.all(this.streams.map((stream) => loop(stream).catch((error: unknown) => this.fail(error))));
    } finally {
      clearTimeout(windowTimer);
      clearTimeout(endTimer);
      clearInterval(ticker);
      signal.removeEventListener("abort", onAbort);
    }
    if (signal.aborted) throw signal.reason;
    if (this.fatal !== null) throw this.fatal;
    return this.result();
  }

  /** Marks the start of a request and returns the controller that aborts it. */
  beginRequest(stream: TransferStream): AbortController {
    const controller = new AbortController();
    stream.controller = controller;
    stream.lastProgressAt = performance.now();
    return controller;
  }

  requestSucceeded(stream: TransferStream): void {
    stream.controller = null;
    stream.consecutiveFailures = 0;
  }

  /** Records a failed request; ends the phase when the stream keeps failing without moving a byte. */
  requestFailed(stream: TransferStream, error: unknown, bytesBefore: number): void {
    stream.controller = null;
    if (this.finished) return;
    if (error instanceof ProviderError) {
      this.fail(error);
      return;
    }
    this.lastFailure = describeFailure(error, this.options.requestTimeoutMs);
    stream.consecutiveFailures = stream.bytes > bytesBefore ? 0 : stream.consecutiveFailures + 1;
    if (stream.consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
      this.fail(new ProviderError(`${this.options.label} failed: ${this.lastFailure}`));
    }
  }

  httpError(response: Response, url: string): ProviderError {
    return new ProviderError(
      `${this.options.label} failed: the server answered HTTP ${response.status} for ${publicUrl(url)}`,
    );
  }

  private fail(error: unknown): void {
    if (this.fatal === null && !this.finished) this.fatal = error;
    this.stop(error);
  }

  private stop(reason: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.windowEndedAt = performance.now();
    this.windowEndBytes = this.totalBytes();
    for (const stream of this.streams) stream.controller?.abort(reason);
  }

  private tick(): void {
    if (this.finished) return;
    const now = performance.now();
    for (const stream of this.streams) {
      if (stream.bytes !== stream.bytesAtLastTick) {
        stream.bytesAtLastTick = stream.bytes;
        stream.lastProgressAt = now;
      } else if (stream.controller && now - stream.lastProgressAt > this.options.requestTimeoutMs) {
        stream.controller.abort(new RequestStalled());
      }
    }
    const onSample = this.options.onSample;
    if (!onSample) return;
    // A window younger than one tick holds too few bytes for a steady figure: keep reporting since the start until then.
    const inWindow = this.windowStartedAt > 0 && now - this.windowStartedAt >= PROGRESS_INTERVAL_MS;
    const since = inWindow ? this.windowStartedAt : this.startedAt;
    const baseBytes = inWindow ? this.windowStartBytes : 0;
    onSample({ mbps: toMbps(this.totalBytes() - baseBytes, now - since), percent: this.percentAt(now) });
  }

  private percentAt(now: number): number {
    const { graceMs, durationMs } = this.options;
    return Math.min(100, ((now - this.startedAt) / (graceMs + durationMs)) * 100);
  }

  private totalBytes(): number {
    let sum = 0;
    for (const stream of this.streams) sum += stream.bytes;
    return sum;
  }

  private result(): TransferResult {
    const bytes = this.windowEndBytes - this.windowStartBytes;
    const durationMs = this.windowEndedAt - this.windowStartedAt;
    if (this.windowStartedAt === 0 || bytes <= 0) {
      const cause = this.lastFailure ? `: ${this.lastFailure}` : "";
      throw new ProviderError(`${this.options.label} failed: no data moved during the measurement${cause}`);
    }
    const mbps = toMbps(bytes, durationMs);
    this.options.onSample?.({ mbps, percent: 100 });
    return { mbps, bytes, durationMs, totalBytes: this.totalBytes() };
  }
}

/**
 * Downloads `url` over `streams` parallel connections, again and again, for
 * warm-up + window; every body chunk's length is counted as it arrives.
 * Requests still running when the window closes are cut off.
 */
export function measureDownload(url: string, options: TransferOptions): Promise<TransferResult> {
  const transfer = new Transfer(options);
  return transfer.run(async (stream) => {
    while (!transfer.finished) {
      const controller = transfer.beginRequest(stream);
      const bytesBefore = stream.bytes;
      try {
        const response = await fetch(url, { signal: controller.signal, headers: DOWNLOAD_HEADERS });
        if (!response.ok || !response.body) {
          await response.body?.cancel();
          throw transfer.httpError(response, url);
        }
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          stream.bytes += value.byteLength;
        }
        transfer.requestSucceeded(stream);
      } catch (error) {
        transfer.requestFailed(stream, error, bytesBefore);
      }
    }
  });
}

/**
 * POSTs slices of one shared, pre-filled random buffer to `url` over
 * `streams` parallel connections for warm-up + window. A POST counts once the
 * server has answered it; each stream sizes its next body so a POST takes
 * about UPLOAD_TARGET_REQUEST_MS.
 */
export function measureUpload(url: string, options: TransferOptions): Promise<TransferResult> {
  const transfer = new Transfer(options);
  const payload = uploadPayload();
  return transfer.run(async (stream) => {
    let size = UPLOAD_MIN_BYTES;
    while (!transfer.finished) {
      const controller = transfer.beginRequest(stream);
      const startedAt = performance.now();
      try {
        const response = await fetch(url, {
          method: "POST",
          body: payload.subarray(0, size),
          signal: controller.signal,
          headers: UPLOAD_HEADERS,
        });
        await response.arrayBuffer();
        if (!response.ok) throw transfer.httpError(response, url);
        stream.bytes += size;
        transfer.requestSucceeded(stream);
        size = nextUploadSize(size, performance.now() - startedAt);
      } catch (error) {
        transfer.requestFailed(stream, error, stream.bytes);
      }
    }
  });
}

/** Scales the body towards UPLOAD_TARGET_REQUEST_MS, at most ×4 per step so one lucky request cannot overshoot. */
export function nextUploadSize(size: number, elapsedMs: number): number {
  const scaled = size * Math.min(4, UPLOAD_TARGET_REQUEST_MS / Math.max(elapsedMs, 1));
  return Math.round(Math.min(UPLOAD_MAX_BYTES, Math.max(UPLOAD_MIN_BYTES, scaled)));
}

let sharedPayload: Uint8Array<ArrayBuffer> | null = null;

/** One random (incompressible) buffer for every upload of the process, so POSTs never allocate or fill bodies. */
function uploadPayload(): Uint8Array<ArrayBuffer> {
  if (sharedPayload) return sharedPayload;
  const payload = new Uint8Array(UPLOAD_MAX_BYTES);
  // getRandomValues fills at most 64 KiB per call.
  for (let offset = 0; offset < payload.length; offset += 65536) {
    crypto.getRandomValues(payload.subarray(offset, offset + 65536));
  }
  sharedPayload = payload;
  return payload;
}

/**
 * Sends `warmup + count` sequential GETs to `url` over one kept-alive
 * connection and returns the round-trip times of the last `count`, in ms. A
 * round trip runs from sending the request to having read the whole body.
 * Failed requests (error status, wrong body, network error, timeout) are
 * skipped; the probe fails only when none succeeds.
 */
export async function measureHttpPings(url: string, options: PingOptions): Promise<number[]> {
  const { count, warmup, intervalMs, requestTimeoutMs, signal, label, expectBody } = options;
  const samples: number[] = [];
  let lastFailure = "";
  for (let i = 0; i < warmup + count; i++) {
    signal.throwIfAborted();
    try {
      const rttMs = await httpRoundTrip(url, requestTimeoutMs, signal, expectBody);
      if (i >= warmup) {
        samples.push(rttMs);
        options.onSample?.(rttMs, samples.length);
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      lastFailure = describeFailure(error, requestTimeoutMs);
    }
    if (intervalMs > 0 && i < warmup + count - 1) await sleep(intervalMs, signal);
  }
  if (samples.length === 0) throw new ProviderError(`${label} failed: ${lastFailure}`);
  return samples;
}

async function httpRoundTrip(url: string, timeoutMs: number, signal: AbortSignal, expectBody?: string) {
  const startedAt = performance.now();
  const response = await fetch(url, {
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    headers: DOWNLOAD_HEADERS,
  });
  const body = await response.text();
  const rttMs = performance.now() - startedAt;
  if (!response.ok) throw new Error(`the server answered HTTP ${response.status} for ${publicUrl(url)}`);
  if (expectBody !== undefined && !body.startsWith(expectBody)) {
    throw new Error(`${publicUrl(url)} did not answer "${expectBody}"`);
  }
  return rttMs;
}

/** speedtest.net's help text for the latency and jitter figures (speedtest-go's HTTP ping). */
export const SPEEDTESTNET_LATENCY_HELP =
  "Latency is the mean of 10 HTTP round trips to the server's latency.txt, sent 200 ms apart on one " +
  "connection after one discarded warm-up request; a round trip runs from sending the request to reading the " +
  "whole reply. Jitter is the population standard deviation of those round trips: √(Σ(xᵢ − mean)² / n).";

/** LibreSpeed's help text for the latency and jitter figures (librespeed-cli's HTTP ping). */
export const LIBRESPEED_LATENCY_HELP =
  "Latency is the mean of 11 HTTP round trips to the server's ping URL, sent back to back on one connection " +
  "after one discarded warm-up request; a round trip runs from sending the request to reading the whole reply. " +
  "Jitter is librespeed-cli's smoothed difference between consecutive round trips: starting at 0, for the 3rd " +
  "round trip onwards d = |previous − current|, and jitter becomes 0.7·jitter + 0.3·d when jitter > d, " +
  "else 0.8·jitter + 0.2·d.";

/** speedtest.net: latency = arithmetic mean, jitter = population standard deviation √(Σ(xᵢ − mean)² / n). */
export function speedtestNetLatency(samplesMs: readonly number[]): LatencyResult {
  const mean = samplesMs.reduce((sum, x) => sum + x, 0) / samplesMs.length;
  const variance = samplesMs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / samplesMs.length;
  return { latencyMs: mean, jitterMs: Math.sqrt(variance) };
}

/**
 * LibreSpeed (librespeed-cli): latency = arithmetic mean; jitter starts at 0
 * and, from the third sample on, with d = |xᵢ₋₁ − xᵢ|, becomes
 * 0.7·jitter + 0.3·d when jitter > d, else 0.8·jitter + 0.2·d (the first
 * difference is deliberately ignored, as in librespeed-cli).
 */
export function libreSpeedLatency(samplesMs: readonly number[]): LatencyResult {
  const mean = samplesMs.reduce((sum, x) => sum + x, 0) / samplesMs.length;
  let jitter = 0;
  for (let i = 2; i < samplesMs.length; i++) {
    const d = Math.abs(samplesMs[i - 1]! - samplesMs[i]!);
    jitter = jitter > d ? jitter * 0.7 + d * 0.3 : jitter * 0.8 + d * 0.2;
  }
  return { latencyMs: mean, jitterMs: jitter };
}

/**
 * Runs `work` under `signal` plus a deadline of `timeoutMs`; a missed deadline
 * becomes a ProviderError saying what did not finish. An abort of `signal`
 * itself still rejects with its reason.
 */
export async function withDeadline<T>(
  what: string,
  timeoutMs: number,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    return await work(AbortSignal.any([signal, deadline]));
  } catch (error) {
    if (!signal.aborted && deadline.aborted) {
      throw new ProviderError(`${what} did not finish within the ${timeoutMs / 1000} s timeout`);
    }
    throw error;
  }
}

/** Runs `work` on every item with at most `limit` running at once; results keep the items' order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function toMbps(bytes: number, ms: number): number {
  return ms > 0 ? (bytes * 8) / 1e6 / (ms / 1000) : 0;
}

/** Resolves after `ms`, or rejects with the abort reason. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The URL without credentials or query, safe for error messages. */
export function publicUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "the server";
  }
}

function describeFailure(error: unknown, requestTimeoutMs: number): string {
  if (error instanceof RequestStalled || (error instanceof DOMException && error.name === "TimeoutError")) {
    return `no answer from the server within ${requestTimeoutMs / 1000} s`;
  }
  const code = (error as { code?: unknown }).code;
  if (code === "ECONNRESET") return "the server closed the connection mid-transfer";
  if (code === "ConnectionRefused" || code === "ECONNREFUSED") return "the server refused the connection";
  return error instanceof Error ? error.message : String(error);
}
