/**
 * The agent's measurement endpoints over HTTP (contract: MEASURE_PATHS in protocol/agent.ts). A run's request is a
 * small JSON body, checked before anything starts; its answer is an event stream: `progress` events as they come,
 * then one `outcome` or `failure`. A hub that closes the stream (or goes away) aborts the run, which kills the
 * tool's process group.
 */
import { BadInput } from "../core/errors";
import { type SseMessage, sseResponse } from "../core/sse";
import { toFailure } from "../measure/failure";
import { isProviderId } from "../measure/providers/registry";
import { MEASURE_EVENTS, MEASURE_PATHS } from "../protocol/agent";
import type { MeasurementFailure } from "../protocol/measurements";
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

function runStream(ctx: RouteContext, service: MeasureService, kind: MeasurementKind, stopping: AbortSignal) {
  return readJson(ctx.request).then((body) => {
    const prepared = service.prepare(kind, body);
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
            if (signal.aborted) return null;
            const failure: MeasurementFailure = toFailure(e, kind) ?? {
              kind: "failed",
              measurement: kind,
              message: "the agent could not run the measurement; see its log",
            };
            if (!toFailure(e, kind)) ctx.log.error("measurement failed unexpectedly", { kind, error: e as Error });
            return { event: MEASURE_EVENTS.failure, data: JSON.stringify(failure) };
          }
        }),
      { stop: stopping },
    );
  });
}

async function servers({ url, log }: RouteContext, service: MeasureService) {
  const provider = url.searchParams.get("provider") ?? "";
  if (!isProviderId(provider)) throw new BadInput(`provider: no provider "${provider}" here`, "provider");
  try {
    return json(await service.listServers(provider, AbortSignal.timeout(60_000)));
  } catch (e) {
    const failure = toFailure(e, "speedtest");
    if (!failure) {
      log.error("server list failed unexpectedly", { provider, error: e as Error });
      throw e;
    }
    return json(errorBody(failure.kind, failure.message, { failure }), 502);
  }
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
