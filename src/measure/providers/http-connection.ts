/**
 * One kept-alive HTTP/1.1 connection on Bun.connect (plain or TLS) for the
 * transfer loops: reading fetch's body stream cost so much CPU per byte that
 * one stream topped out near 55 % of iperf3's single-stream rate on loopback,
 * while a received socket chunk here costs an addition.
 */
import type { Socket, SocketHandler } from "bun";

const encoder = new TextEncoder();

export function requestHead(method: string, url: URL, extraHeaders: string): Uint8Array {
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
export class HttpConnection {
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
