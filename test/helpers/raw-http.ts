/**
 * HTTP/1.1 over a plain TCP socket, for what fetch cannot do: announce a body and send only part of it (or stream
 * it chunk by chunk), and see whether and when the server answers before the body is complete.
 */
import type { Socket } from "bun";

export interface RawAnswer {
  status: number;
  head: string;
  /** Body bytes the client had written when the answer arrived. */
  sentBeforeAnswer: number;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** The Content-Length to announce; without it the body goes chunked. */
  contentLength?: number;
  /** Body bytes to send at most (in 16 KiB pieces, pausing between them); the answer usually comes first. */
  send: number;
  timeoutMs?: number;
}

const PIECE = 16 * 1024;

export function rawRequest(base: string, r: RawRequest): Promise<RawAnswer> {
  const url = new URL(base);
  const chunked = r.contentLength === undefined;
  const head = [
    `${r.method} ${r.path} HTTP/1.1`,
    `host: ${url.host}`,
    ...Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    chunked ? "transfer-encoding: chunked" : `content-length: ${r.contentLength}`,
    "",
    "",
  ].join("\r\n");
  const piece = new Uint8Array(PIECE).fill(0x61);
  return new Promise((resolve, reject) => {
    let received = "";
    let sent = 0;
    let done = false;
    let socket: Socket | undefined;
    const finish = (result: RawAnswer | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket?.end();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer within ${r.timeoutMs ?? 5000} ms`)),
      r.timeoutMs ?? 5000,
    );
    const pump = async (s: Socket) => {
      while (!done && sent < r.send) {
        const n = Math.min(PIECE, r.send - sent);
        const bytes = chunked
          ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece.subarray(0, n), Buffer.from("\r\n")])
          : piece.subarray(0, n);
        if (s.write(bytes) < bytes.length) await Bun.sleep(5);
        sent += n;
        await Bun.sleep(1);
      }
      if (!done && chunked && sent >= r.send) s.write("0\r\n\r\n");
    };
    Bun.connect({
      hostname: url.hostname,
      port: Number(url.port),
      socket: {
        open(s) {
          socket = s;
          s.write(head);
          void pump(s);
        },
        data(_s, chunk) {
          received += chunk.toString("latin1");
          const end = received.indexOf("\r\n\r\n");
          if (end === -1) return;
          const status = Number(received.slice(9, 12));
          finish({ status, head: received.slice(0, end), sentBeforeAnswer: sent });
        },
        close() {
          finish(new Error(`connection closed without an answer (sent ${sent} body bytes)`));
        },
        error(_s, e) {
          finish(e);
        },
      },
    }).catch(reject);
  });
}
