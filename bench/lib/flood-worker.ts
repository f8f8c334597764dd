/**
 * The attacker of the attack benchmark, in its own process so that its CPU use is not the harness's:
 * `bun bench/lib/flood-worker.ts <baseUrl> <connections> <durationMs> <bodyBytes> <path>…`.
 * Each connection posts one huge body after another, without a session, as fast as the socket takes it: every
 * other connection announces its Content-Length, the rest stream chunked. Whatever the server answers (or when it
 * closes the connection), the next request starts on a new connection. Prints one JSON line with the figures.
 */
import type { Socket } from "bun";
import { assertLoopback } from "./net";

const [baseUrl, connectionsArg, durationArg, bodyArg, ...paths] = process.argv.slice(2);
if (!baseUrl || !connectionsArg || !durationArg || !bodyArg || paths.length === 0) {
  console.error("usage: bun bench/lib/flood-worker.ts <baseUrl> <connections> <durationMs> <bodyBytes> <path>…");
  process.exit(2);
}
assertLoopback(baseUrl);
const url = new URL(baseUrl);
const bodyBytes = Number(bodyArg);
const deadline = performance.now() + Number(durationArg);
const PIECE = new Uint8Array(64 * 1024).fill(0x61);
const statuses: Record<string, number> = {};
let requests = 0;
let bytesSent = 0;

/** One request on a fresh connection; resolves when the server answered or closed, or the body is all sent. */
function attack(path: string, chunked: boolean): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    let sent = 0;
    const finish = (socket: Socket | undefined, status: string) => {
      if (done) return;
      done = true;
      statuses[status] = (statuses[status] ?? 0) + 1;
      socket?.terminate();
      resolve();
    };
    const head = [
      `POST ${path} HTTP/1.1`,
      `host: ${url.host}`,
      "content-type: application/x-www-form-urlencoded",
      chunked ? "transfer-encoding: chunked" : `content-length: ${bodyBytes}`,
      "",
      "",
    ].join("\r\n");
    const pump = (socket: Socket) => {
      while (!done && sent < bodyBytes) {
        const piece = chunked
          ? Buffer.concat([Buffer.from(`${PIECE.length.toString(16)}\r\n`), PIECE, Buffer.from("\r\n")])
          : PIECE;
        const written = socket.write(piece);
        if (written <= 0) return; // The socket is full: drain() calls again.
        sent += PIECE.length;
        bytesSent += written;
      }
      if (!done && sent >= bodyBytes && chunked) socket.write("0\r\n\r\n");
    };
    Bun.connect({
      hostname: url.hostname,
      port: Number(url.port),
      socket: {
        open(socket) {
          socket.write(head);
          pump(socket);
        },
        drain: pump,
        data(socket, chunk) {
          finish(socket, chunk.toString("latin1", 9, 12));
        },
        close(socket) {
          finish(socket, "closed");
        },
        error(socket) {
          finish(socket, "error");
        },
      },
    }).catch(() => finish(undefined, "connect failed"));
  });
}

async function connectionLoop(index: number): Promise<void> {
  while (performance.now() < deadline) {
    requests++;
    await attack(paths[index % paths.length]!, index % 2 === 1);
  }
}

await Promise.all(Array.from({ length: Number(connectionsArg) }, (_, i) => connectionLoop(i)));
console.log(JSON.stringify({ requests, bytesSent, statuses }));
