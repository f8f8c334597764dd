import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { formatSse, type SseMessage, sseResponse } from "../../src/core/sse";

const PAYLOAD = "x".repeat(64 * 1024);
const MESSAGES = 300;

/** A server whose one stream sends MESSAGES large events (19 MB, more than socket buffers hold), then ends. */
function startServer(maxQueued: number | undefined) {
  let finished!: () => void;
  const sourceDone = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request) =>
      sseResponse(
        request,
        async function* (): AsyncGenerator<SseMessage> {
          for (let i = 0; i < MESSAGES; i++) {
            yield { event: "message", data: PAYLOAD };
            if (i % 5 === 0) await Bun.sleep(1);
          }
          finished();
        },
        { maxQueued },
      ),
  });
  return { server, sourceDone };
}

/** Reads the whole stream over a raw socket; with `stallUntil`, reads nothing until it resolves. */
function countEvents(port: number, stallUntil?: Promise<void>): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect(port, "127.0.0.1", () => {
      socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      if (stallUntil) {
        socket.pause();
        void stallUntil.then(() => socket.resume());
      }
    });
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      // The stream's end: the chunked terminator.
      if (text.endsWith("0\r\n\r\n")) socket.end();
    });
    socket.on("close", () => resolve(text.split("event: message\n").length - 1));
    socket.on("error", reject);
  });
}

describe("server-sent events", () => {
  test("framing: one data line per line, comments, retry", () => {
    expect(formatSse({ event: "message", data: '{"a":1}' })).toBe('event: message\ndata: {"a":1}\n\n');
    expect(formatSse({ data: "a\nb\r\nc" })).toBe("data: a\ndata: b\ndata: c\n\n");
    expect(formatSse({ comment: "keepalive" })).toBe(": keepalive\n\n");
    expect(formatSse({ comment: "x", retry: 2000.4 })).toBe(": x\nretry: 2000\n\n");
  });

  test("a client that reads gets every message", async () => {
    const { server } = startServer(100);
    try {
      expect(await countEvents(server.port!)).toBe(MESSAGES);
    } finally {
      server.stop(true);
    }
  }, 20_000);

  test("a client that stops reading holds a bounded queue: newer messages are dropped for it", async () => {
    const { server, sourceDone } = startServer(100);
    try {
      const received = await countEvents(server.port!, sourceDone);
      // What the socket buffers took before the stream backed up, plus at most 100 queued; the rest was dropped.
      expect(received).toBeGreaterThanOrEqual(100);
      expect(received).toBeLessThan(MESSAGES);
    } finally {
      server.stop(true);
    }
  }, 20_000);
});
