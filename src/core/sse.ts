/**
 * Server-Sent Events framing. Multi-line data gets one `data:` line per line
 * (Elysia's own sse() does not split, and parsers drop bare lines).
 */

export interface SseMessage {
  event?: string;
  id?: string | number;
  retry?: number;
  data?: string;
  comment?: string;
}

const clean = (s: string) => s.replace(/[\r\n]/g, "");

export function formatSse(m: SseMessage): string {
  let out = "";
  if (m.comment !== undefined) out += `: ${clean(m.comment)}\n`;
  if (m.id !== undefined) out += `id: ${clean(String(m.id))}\n`;
  if (m.event) out += `event: ${clean(m.event)}\n`;
  if (m.retry !== undefined) out += `retry: ${Math.max(0, Math.round(m.retry))}\n`;
  if (m.data !== undefined) for (const line of m.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** Proxies close idle connections; a comment every 15 s keeps the stream open. */
export const SSE_HEARTBEAT_MS = 15_000;

/** The part of Bun's server a stream needs: exempting its request from the idle timeout. */
export interface IdleTimeoutControl {
  timeout(request: Request, seconds: number): void;
}

/**
 * Builds a text/event-stream Response from an async source of messages, with
 * heartbeats, and stops the source when the client disconnects or `stop` aborts
 * (server shutdown). Pass `server`: Bun closes a connection that sent nothing for
 * 10 s (its idleTimeout), which would cut a quiet stream between heartbeats and
 * lose whatever happens while the browser reconnects.
 */
export function sseResponse(
  request: Request,
  source: (signal: AbortSignal) => AsyncIterable<SseMessage>,
  opts: {
    stop?: AbortSignal;
    heartbeatMs?: number;
    /**
     * Messages a client may have waiting before newer ones are dropped: a reader that stalls (the socket stops
     * draining) holds at most this many in memory instead of an ever-growing queue.
     */
    maxQueued?: number;
    server?: IdleTimeoutControl | null;
  } = {},
): Response {
  opts.server?.timeout(request, 0);
  const controller = new AbortController();
  const abort = () => controller.abort();
  request.signal.addEventListener("abort", abort, { once: true });
  opts.stop?.addEventListener("abort", abort, { once: true });
  const encoder = new TextEncoder();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async start(stream) {
      const send = (m: SseMessage) => {
        if (controller.signal.aborted) return;
        // desiredSize is the stream's high-water mark (1) minus what is queued; Bun stops taking from the queue
        // while the socket is backed up.
        if (opts.maxQueued !== undefined && (stream.desiredSize ?? 0) <= 1 - opts.maxQueued) return;
        stream.enqueue(encoder.encode(formatSse(m)));
      };
      send({ comment: "connected", retry: 2000 });
      heartbeat = setInterval(() => send({ comment: "keepalive" }), opts.heartbeatMs ?? SSE_HEARTBEAT_MS);
      try {
        for await (const message of source(controller.signal)) send(message);
      } catch (e) {
        if (!controller.signal.aborted) throw e;
      } finally {
        clearInterval(heartbeat);
        request.signal.removeEventListener("abort", abort);
        opts.stop?.removeEventListener("abort", abort);
        try {
          stream.close();
        } catch {
          // Already closed by the client.
        }
      }
    },
    cancel() {
      controller.abort();
      clearInterval(heartbeat);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // Tells nginx not to buffer the stream.
      "x-accel-buffering": "no",
    },
  });
}
