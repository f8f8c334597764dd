/**
 * The measurement engine shared by the native speedtest.net and LibreSpeed
 * clients: N parallel HTTP streams for a fixed time, a discarded warm-up, live
 * Mbit/s samples, prompt abort, and the two latency/jitter formulas.
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
 * Transfers use a small HTTP/1.1 client on Bun.connect (plain, or TLS with the
 * standard certificate checks) instead of fetch: reading fetch's body stream
 * cost so much CPU per byte that one stream topped out near 55 % of iperf3's
 * single-stream rate on loopback, while a received socket chunk here costs an
 * addition. Pings and server lists, where bytes do not matter, use fetch.
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
import type { Socket, SocketHandler } from "bun";
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

/** Upload bodies are resized so one POST takes about this long: short enough for a fine-grained count, long enough that the idle round trip between POSTs costs little. */
const UPLOAD_TARGET_REQUEST_MS = 500;
export const UPLOAD_MIN_BYTES = 64 * 1024;
export const UPLOAD_MAX_BYTES = 4 * 1024 * 1024;

/** Thrown into a connection when the phase ends normally. */
const PHASE_OVER = Symbol("phase over");

class RequestStalled extends Error {}

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

const encoder = new TextEncoder();

function requestHead(method: string, url: URL, extraHeaders: string): Uint8Array {
  return encoder.encode(
    `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: netronome\r\n` +
      `Accept: */*\r\nAccept-Encoding: identity\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n${extraHeaders}\r\n`,
  );
}

/** Where the response parser is. */
enum Parse {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
  Done,
}

const HEAD_END = Buffer.from("\r\n\r\n");
const MAX_HEAD_BYTES = 16 * 1024;
const LINE_FEED = 10;
const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/** The thrown error when the server hangs up mid-response, with the code fetch uses for the same thing. */
function connectionClosed(): Error {
  return Object.assign(new Error("the server closed the connection mid-transfer"), { code: "ECONNRESET" });
}

/**
 * One kept-alive HTTP/1.1 connection (plain or TLS) used by the transfer
 * loops. It exists because Bun's fetch body streams cost more CPU per byte
 * than the socket itself: here each received chunk costs a few integer
 * operations. It writes a request (head + optional body, honouring
 * backpressure), parses the response framing (Content-Length, chunked, or
 * until close) and adds the body bytes of a 2xx response to `counter.bytes`.
 */
class HttpConnection {
  reusable = false;
  private socket: Socket<HttpConnection> | null = null;
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private failReady!: (error: unknown) => void;
  private readonly tls: boolean;
  private destroyed: unknown = null;
  private pending: { resolve: (status: number) => void; reject: (error: unknown) => void } | null = null;
  private counter: { bytes: number } | null = null;
  private writeParts: Uint8Array[] = [];
  private writeOffset = 0;
  private phase = Parse.Done;
  private status = 0;
  private keepAlive = true;
  private remaining = 0;
  private head = "";
  private line = "";

  constructor(url: URL) {
    this.ready = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    // Rejections surface through request(); this keeps an unused failed connection from being "unhandled".
    this.ready.catch(() => {});
    this.tls = url.protocol === "https:";
    Bun.connect<HttpConnection>({
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port) || DEFAULT_PORTS[url.protocol] || 80,
      tls: this.tls,
      data: this,
      socket: SOCKET_HANDLERS,
    }).then(
      (socket) => {
        if (this.destroyed !== null) socket.terminate();
      },
      (error: unknown) => this.destroy(error),
    );
  }

  /** Sends one request and resolves with the response status once the whole response has arrived. */
  async request(head: Uint8Array, body: Uint8Array | null, counter: { bytes: number } | null): Promise<number> {
    await this.ready;
    if (this.destroyed !== null) throw this.destroyed;
    this.reusable = false;
    this.counter = counter;
    this.phase = Parse.Head;
    this.head = "";
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.writeParts = body ? [head, body] : [head];
      this.writeOffset = 0;
      this.flushWrites();
    });
  }

  /** Closes the connection at once; a request in flight rejects with `reason`. */
  destroy(reason: unknown): void {
    if (this.destroyed !== null) return;
    this.destroyed = reason;
    this.reusable = false;
    this.failReady(reason);
    this.socket?.terminate();
    this.settle(reason);
  }

  opened(socket: Socket<HttpConnection>): void {
    this.socket = socket;
    if (!this.tls) this.markReady();
  }

  /** TLS connections are ready once the certificate checks out (the standard verification, on by default). */
  handshake(success: boolean, authorizationError: Error | null): void {
    if (success) this.markReady();
    else
      this.destroy(
        new Error(`the server's TLS certificate was rejected (${authorizationError?.message ?? "unknown reason"})`),
      );
  }

  closed(error?: Error): void {
    if (this.phase === Parse.UntilClose) this.complete();
    this.destroy(error ?? connectionClosed());
  }

  /** Writes as much of the queued request as the socket takes; `drain` calls it again for the rest. */
  flushWrites(): void {
    const socket = this.socket;
    if (!socket) return;
    while (this.writeParts.length > 0) {
      const part = this.writeParts[0]!;
      const written = socket.write(part, this.writeOffset, part.length - this.writeOffset);
      if (written < 0) {
        this.destroy(connectionClosed());
        return;
      }
      this.writeOffset += written;
      if (this.writeOffset < part.length) return;
      this.writeParts.shift();
      this.writeOffset = 0;
    }
  }

  /** Parses a received chunk; body bytes only cost an addition and a comparison. */
  received(chunk: Buffer): void {
    let offset = 0;
    const length = chunk.length;
    while (offset < length && this.pending) {
      switch (this.phase) {
        case Parse.Head:
          offset = this.parseHead(chunk, offset);
          break;
        case Parse.Length:
        case Parse.ChunkData: {
          const n = Math.min(this.remaining, length - offset);
          if (this.counter) this.counter.bytes += n;
          this.remaining -= n;
          offset += n;
          if (this.remaining === 0) {
            if (this.phase === Parse.Length) this.complete();
            else this.phase = Parse.ChunkEnd;
          }
          break;
        }
        case Parse.UntilClose:
          if (this.counter) this.counter.bytes += length - offset;
          offset = length;
          break;
        default:
          offset = this.parseLine(chunk, offset);
      }
    }
  }

  private parseHead(chunk: Buffer, offset: number): number {
    const end = chunk.indexOf(HEAD_END, offset);
    // The terminator may straddle two chunks: search the carried-over head plus a little of this chunk too.
    const text =
      this.head +
      chunk.toString("latin1", offset, end === -1 ? Math.min(chunk.length, offset + MAX_HEAD_BYTES) : end + 4);
    const headEnd = text.indexOf("\r\n\r\n");
    if (headEnd === -1) {
      if (text.length >= MAX_HEAD_BYTES) this.destroy(new Error("the server sent oversized response headers"));
      this.head = text;
      return chunk.length;
    }
    const consumed = headEnd + 4 - this.head.length;
    this.head = "";
    const [statusLine = "", ...headerLines] = text.slice(0, headEnd).split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    if (!status) {
      this.destroy(new Error("the server did not answer with HTTP/1.1"));
      return chunk.length;
    }
    // Interim answers (100 Continue) precede the real one.
    if (status < 200) return offset + consumed;
    let contentLength = -1;
    let chunked = false;
    this.keepAlive = !statusLine.startsWith("HTTP/1.0");
    for (const header of headerLines) {
      const colon = header.indexOf(":");
      const name = header.slice(0, colon).trim().toLowerCase();
      const value = header
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === "content-length") contentLength = Number(value);
      else if (name === "transfer-encoding") chunked = value.includes("chunked");
      else if (name === "connection") this.keepAlive = value.includes("keep-alive") || !value.includes("close");
    }
    this.status = status;
    if (this.counter && (status < 200 || status > 299)) this.counter = null;
    if (status === 204 || status === 304) {
      this.complete();
    } else if (chunked) {
      this.phase = Parse.ChunkSize;
    } else if (contentLength >= 0) {
      this.remaining = contentLength;
      this.phase = Parse.Length;
      if (contentLength === 0) this.complete();
    } else {
      this.keepAlive = false;
      this.phase = Parse.UntilClose;
    }
    return offset + consumed;
  }

  /** Chunk-size lines, the CRLF after chunk data and trailers: short lines ending in LF. */
  private parseLine(chunk: Buffer, offset: number): number {
    const lineEnd = chunk.indexOf(LINE_FEED, offset);
    this.line += chunk.toString("latin1", offset, lineEnd === -1 ? chunk.length : lineEnd);
    if (lineEnd === -1) return chunk.length;
    const line = this.line.trim();
    this.line = "";
    if (this.phase === Parse.ChunkEnd) {
      this.phase = Parse.ChunkSize;
    } else if (this.phase === Parse.ChunkSize) {
      const size = Number.parseInt(line, 16);
      if (Number.isNaN(size)) {
        this.destroy(new Error("the server sent a malformed chunked body"));
      } else if (size === 0) {
        this.phase = Parse.Trailers;
      } else {
        this.remaining = size;
        this.phase = Parse.ChunkData;
      }
    } else if (line === "") {
      this.complete();
    }
    return lineEnd + 1;
  }

  private complete(): void {
    this.phase = Parse.Done;
    // A response that ends before the request body is fully sent leaves the connection in an unknown state.
    this.reusable = this.keepAlive && this.writeParts.length === 0 && this.destroyed === null;
    this.writeParts = [];
    this.settle(null);
  }

  private settle(error: unknown): void {
    const pending = this.pending;
    this.pending = null;
    this.counter = null;
    if (!pending) return;
    if (error === null) pending.resolve(this.status);
    else pending.reject(error);
  }
}

const SOCKET_HANDLERS: SocketHandler<HttpConnection> = {
  open: (socket) => socket.data.opened(socket),
  handshake: (socket, success, authorizationError) => socket.data.handshake(success, authorizationError),
  data: (socket, chunk) => socket.data.received(chunk),
  drain: (socket) => socket.data.flushWrites(),
  close: (socket, error) => socket.data.closed(error),
  error: (socket, error) => socket.data.destroy(error),
  connectError: (socket, error) => socket.data.destroy(error),
};

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
    headers: { "Accept-Encoding": "identity", "Cache-Control": "no-cache" },
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
