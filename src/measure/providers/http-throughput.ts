/**
 * The measurement engine shared by the native speedtest.net and LibreSpeed
 * clients: N parallel HTTP streams for a fixed time, a discarded warm-up, live
 * Mbit/s samples and prompt abort (latency: http-latency.ts).
 *
 * Throughput is goodput as measured (bits / 1e6 / second, no correction
 * factors). Downloads count the body bytes of every chunk read from the
 * socket as it arrives, and their rate is the byte count of the measured
 * window (after the warm-up) divided by the window's length. Uploads count a
 * POST body once the server has answered it, so only bytes the server
 * acknowledged are counted. A POST cut by an edge of the window would then
 * count whole or not at all, an error of up to one POST per stream at each
 * edge (single uploads over a shaped link scattered by up to 3 %), so an
 * upload's rate is the sum over its streams of the bytes answered between the
 * stream's first and last answers within the window, divided by the time
 * between those two answers. When a stream had fewer than two answers in the
 * window, the upload falls back to the window count.
 *
 * Transfers use a small HTTP/1.1 client (http-connection.ts) instead of fetch;
 * pings and server lists, where bytes do not matter, use fetch.
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
import { HttpConnection, requestHead } from "./http-connection";
import { describeFailure, publicUrl, RequestStalled, toMbps } from "./http-util";
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
  /** Bytes moved within the measured window: the basis of a download's `mbps` (an upload's spans its streams' answers). */
  bytes: number;
  /** Actual length of the measured window, ms. */
  durationMs: number;
  /** Every byte moved, warm-up included (the traffic the test cost). */
  totalBytes: number;
}

export const PROGRESS_INTERVAL_MS = 250;
/** Consecutive failed requests without a byte moved before a stream gives up. */
const MAX_CONSECUTIVE_FAILURES = 3;

/** Upload bodies are resized so one POST takes about this long: short enough for a fine-grained count, long enough that the idle round trip between POSTs costs little. */
const UPLOAD_TARGET_REQUEST_MS = 500;
export const UPLOAD_MIN_BYTES = 64 * 1024;
export const UPLOAD_MAX_BYTES = 4 * 1024 * 1024;

/** Thrown into a connection when the phase ends normally. */
const PHASE_OVER = Symbol("phase over");

/** Per-stream state, touched once per received chunk: keep it a plain monomorphic object. */
interface TransferStream {
  bytes: number;
  connection: HttpConnection | null;
  inFlight: boolean;
  bytesAtLastTick: number;
  lastProgressAt: number;
  consecutiveFailures: number;
  /** Uploads: when the first and the last POST answered within the window came back, and `bytes` right then. */
  firstAnswerAt: number;
  firstAnswerBytes: number;
  lastAnswerAt: number;
  lastAnswerBytes: number;
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

  constructor(
    readonly url: URL,
    readonly options: TransferOptions,
  ) {
    this.streams = Array.from({ length: options.streams }, () => ({
      bytes: 0,
      connection: null,
      inFlight: false,
      bytesAtLastTick: 0,
      lastProgressAt: this.startedAt,
      consecutiveFailures: 0,
      firstAnswerAt: 0,
      firstAnswerBytes: 0,
      lastAnswerAt: 0,
      lastAnswerBytes: 0,
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

  /** The stream's kept-alive connection, or a new one. */
  beginRequest(stream: TransferStream): HttpConnection {
    stream.inFlight = true;
    stream.lastProgressAt = performance.now();
    if (!stream.connection?.reusable) stream.connection = new HttpConnection(this.url);
    return stream.connection;
  }

  /** Checks the status of a finished request; an error status ends the phase. */
  requestDone(stream: TransferStream, status: number): void {
    stream.inFlight = false;
    if (status < 200 || status > 299) {
      throw new ProviderError(
        `${this.options.label} failed: the server answered HTTP ${status} for ${publicUrl(this.url.href)}`,
      );
    }
    stream.consecutiveFailures = 0;
  }

  /** Counts the body of an answered POST, and notes the answer's time when it falls within the window. */
  uploadAnswered(stream: TransferStream, bodyBytes: number): void {
    stream.bytes += bodyBytes;
    if (this.windowStartedAt === 0 || this.finished) return;
    const now = performance.now();
    if (stream.firstAnswerAt === 0) {
      stream.firstAnswerAt = now;
      stream.firstAnswerBytes = stream.bytes;
    }
    stream.lastAnswerAt = now;
    stream.lastAnswerBytes = stream.bytes;
  }

  /** Records a failed request; ends the phase when the stream keeps failing without moving a byte. */
  requestFailed(stream: TransferStream, error: unknown, bytesBefore: number): void {
    stream.inFlight = false;
    stream.connection?.destroy(error);
    stream.connection = null;
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

  private fail(error: unknown): void {
    if (this.fatal === null && !this.finished) this.fatal = error;
    this.stop(error);
  }

  private stop(reason: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.windowEndedAt = performance.now();
    this.windowEndBytes = this.totalBytes();
    for (const stream of this.streams) stream.connection?.destroy(reason);
  }

  private tick(): void {
    if (this.finished) return;
    const now = performance.now();
    for (const stream of this.streams) {
      if (stream.bytes !== stream.bytesAtLastTick) {
        stream.bytesAtLastTick = stream.bytes;
        stream.lastProgressAt = now;
      } else if (stream.inFlight && now - stream.lastProgressAt > this.options.requestTimeoutMs) {
        stream.connection?.destroy(new RequestStalled());
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

  /** Uploads: the sum of each stream's rate from its first to its last answer in the window; null for downloads. */
  private answerSpanMbps(): number | null {
    let mbps = 0;
    for (const stream of this.streams) {
      if (stream.lastAnswerAt <= stream.firstAnswerAt) return null;
      mbps += toMbps(stream.lastAnswerBytes - stream.firstAnswerBytes, stream.lastAnswerAt - stream.firstAnswerAt);
    }
    return mbps;
  }

  private result(): TransferResult {
    const bytes = this.windowEndBytes - this.windowStartBytes;
    const durationMs = this.windowEndedAt - this.windowStartedAt;
    if (this.windowStartedAt === 0 || bytes <= 0) {
      const cause = this.lastFailure ? `: ${this.lastFailure}` : "";
      throw new ProviderError(`${this.options.label} failed: no data moved during the measurement${cause}`);
    }
    const mbps = this.answerSpanMbps() ?? toMbps(bytes, durationMs);
    this.options.onSample?.({ mbps, percent: 100 });
    return { mbps, bytes, durationMs, totalBytes: this.totalBytes() };
  }
}

/**
 * Downloads `url` over `streams` parallel connections, again and again, for
 * warm-up + window; every received body chunk's length is counted as it
 * arrives. Requests still running when the window closes are cut off.
 */
export function measureDownload(url: string, options: TransferOptions): Promise<TransferResult> {
  const transfer = new Transfer(new URL(url), options);
  const head = requestHead("GET", transfer.url, "");
  return transfer.run(async (stream) => {
    while (!transfer.finished) {
      const bytesBefore = stream.bytes;
      try {
        const status = await transfer.beginRequest(stream).request(head, null, stream);
        transfer.requestDone(stream, status);
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
  const transfer = new Transfer(new URL(url), options);
  const payload = uploadPayload();
  return transfer.run(async (stream) => {
    let size = UPLOAD_MIN_BYTES;
    while (!transfer.finished) {
      const startedAt = performance.now();
      try {
        const head = requestHead(
          "POST",
          transfer.url,
          `Content-Type: application/octet-stream\r\nContent-Length: ${size}\r\n`,
        );
        const status = await transfer.beginRequest(stream).request(head, payload.subarray(0, size), null);
        transfer.requestDone(stream, status);
        transfer.uploadAnswered(stream, size);
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
