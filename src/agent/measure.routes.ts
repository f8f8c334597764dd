/**
 * The agent's measurement endpoints over HTTP (contract: MEASURE_PATHS in protocol/agent.ts). A run's request is a
 * small JSON body, checked before anything starts; its answer is an event stream: `progress` events as they come,
 * then one `outcome` or `failure`. A hub that closes the stream (or goes away) aborts the run, which kills the
 * tool's process group.
 */
import { BadInput } from "../core/errors";
import { type SseMessage, sseResponse } from "../core/sse";
import { MEASURE_EVENTS, MEASURE_PATHS } from "../protocol/agent";
import type { Route, RouteContext } from "./agent.server";
import { errorBody, json } from "./http";
import type { MeasurementKind, MeasureService } from "./measure.service";

/** A measurement request is a few hundred bytes; anything near this is not one. */
export const MAX_REQUEST_BYTES = 16 * 1024;

/** Reads a JSON body of at most MAX_REQUEST_BYTES without trusting Content-Length. */
async function readJson(request: Request): Promise<unknown> {
  if (!(request.headers.get("content-type") ?? "").includes("application/json"))
    throw new BadInput("the request body must be JSON (Content-Type: application/json)");
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_REQUEST_BYTES) {
      await reader.cancel().catch(() => {});
      throw new BadInput(`the request body is larger than ${MAX_REQUEST_BYTES} bytes`);
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BadInput("the request body is not valid JSON");
  }
}

/** Callbacks in, an async iterable out: progress reaches the stream in order, the last frame ends it. */
function frames(run: (push: (m: SseMessage) => void) => Promise<SseMessage | null>): AsyncIterable<SseMessage> {
  const queue: SseMessage[] = [];
  let wake: (() => void) | null = null;
  let finished = false;
  const push = (m: SseMessage) => {
    queue.push(m);
    wake?.();
  };
  void run(push).then((last) => {
    if (last) queue.push(last);
    finished = true;
    wake?.();
  });
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (finished) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    },
  };
}

async function runStream(ctx: RouteContext, service: MeasureService, kind: MeasurementKind, stopping: AbortSignal) {
  const prepared = await service.prepare(kind, await readJson(ctx.request));
  // A speed test or a long probe outlasts the idle timeout between progress events; heartbeats keep it open.
  ctx.server.timeout(ctx.request, 0);
  return sseResponse(
    ctx.request,
    (signal) =>
      frames(async (push) => {
        try {
          const outcome = await prepared.run({
            signal,
            onProgress: (p) => push({ event: MEASURE_EVENTS.progress, data: JSON.stringify(p) }),
          });
          return { event: MEASURE_EVENTS.outcome, data: JSON.stringify(outcome) };
        } catch (e) {
          const failure = prepared.failure(e, signal.aborted);
          return failure && { event: MEASURE_EVENTS.failure, data: JSON.stringify(failure) };
        }
      }),
    { stop: stopping },
  );
}

/** The provider's servers as JSON, or 502 with the failure as data. */
async function servers({ url }: RouteContext, service: MeasureService) {
  const listed = await service.listServers(url.searchParams.get("provider") ?? "", AbortSignal.timeout(60_000));
  if ("servers" in listed) return json(listed.servers);
  return json(errorBody(listed.failure.kind, listed.failure.message, { failure: listed.failure }), 502);
}

/** The routes of the measurement endpoints. */
export function measureRoutes(service: MeasureService, stopping: AbortSignal): Record<string, Route> {
  const stream = (kind: MeasurementKind): Route => ({
    public: false,
    method: "POST",
    handle: (ctx) => runStream(ctx, service, kind, stopping),
  });
  return {
    [MEASURE_PATHS.measure_servers]: { public: false, handle: (ctx) => servers(ctx, service) },
    [MEASURE_PATHS.measure_speedtest]: stream("speedtest"),
    [MEASURE_PATHS.measure_probe]: stream("probe"),
    [MEASURE_PATHS.measure_traceroute]: stream("traceroute"),
  };
}
