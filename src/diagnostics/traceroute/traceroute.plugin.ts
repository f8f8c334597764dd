/**
 * Traceroute routes: the original's JSON API, the traceroute panel of the
 * Traceroute page, and the panel's live stream.
 *
 * Live hops travel on a text/event-stream response of their own
 * (GET /traceroute/stream?host=), one per trace, read by the panel's Alpine
 * component with fetch streaming. Not the page's shared /events stream: a
 * trace must live exactly as long as the connection that asked for it, so
 * closing the page or pressing Stop aborts the fetch and kills traceroute.
 * Not EventSource or hx-sse either: they reconnect on their own when a stream
 * ends, and every reconnection would start the trace over.
 */
import { Elysia } from "elysia";
import { traceroutePanel } from "../../../views/diagnostics/traceroute";
import type { SessionPlugin } from "../../auth/session.plugin";
import { AppError } from "../../core/errors";
import { fragmentResponse } from "../../core/html";
import { type SseMessage, sseResponse } from "../../core/sse";
import type { AppContext } from "../../server/context";
import type { PageContextFactory } from "../../server/page-context";
import type { GeoIp } from "../geoip";
import { hopJson, statusJson, tracerouteJson } from "./traceroute.json";
import { panelQuery, traceQuery } from "./traceroute.schema";
import type { PreparedTrace, TracerouteService } from "./traceroute.service";

/**
 * The SSE events of one trace: `start`, `resolved` (the destination's address),
 * one `hop` per hop as it completes, then `done` (the API's result) or `error`
 * (a plain-English message).
 */
async function* traceEvents(trace: PreparedTrace, signal: AbortSignal, ctx: AppContext): AsyncGenerator<SseMessage> {
  const pending: SseMessage[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const send = (event: string, data: unknown) => {
    pending.push({ event, data: JSON.stringify(data) });
    wake?.();
  };
  const running = trace
    .run({
      signal,
      onResolved: (ip) => send("resolved", { ip }),
      onHop: (hop) => send("hop", { hop: hopJson(hop), progress: Math.min(100, (hop.number / trace.maxHops) * 100) }),
    })
    .then(
      (result) => send("done", tracerouteJson(result)),
      (e: unknown) => {
        if (!(e instanceof AppError)) ctx.log.error("traceroute failed", { error: e instanceof Error ? e.stack : e });
        send("error", { message: e instanceof AppError ? e.message : "the traceroute failed unexpectedly" });
      },
    )
    .finally(() => {
      finished = true;
      wake?.();
    });
  yield { event: "start", data: JSON.stringify({ destination: trace.destination, maxHops: trace.maxHops }) };
  while (pending.length > 0 || !finished) {
    const next = pending.shift();
    if (next) {
      yield next;
      continue;
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  await running;
}

export function traceroutePlugin(
  ctx: AppContext,
  service: TracerouteService,
  geoip: GeoIp,
  session: SessionPlugin,
  page: PageContextFactory,
) {
  const settings = ctx.config.traceroute;
  return new Elysia({ name: "traceroute", seed: ctx.instanceId })
    .use(session)
    .guard({ api: true }, (app) =>
      app
        .get(
          "/api/traceroute",
          async ({ query, request }) =>
            tracerouteJson(
              await service.trace(query.host, { signal: AbortSignal.any([request.signal, ctx.stopping]) }),
            ),
          { query: traceQuery },
        )
        .get("/api/traceroute/status", () => statusJson(service.latest()))
        // Read by fetch, not navigated to: an expired session is a 401 the component acts on, not a login page.
        .get(
          "/traceroute/stream",
          ({ query, request, server }) => {
            // Prepared before the response starts, so bad input and a full house answer 400 and 429.
            const trace = service.prepare(query.host);
            return sseResponse(request, (signal) => traceEvents(trace, signal, ctx), { stop: ctx.stopping, server });
          },
          { query: traceQuery },
        ),
    )
    .guard({ page: true }, (app) =>
      app.get(
        "/traceroute/panel",
        ({ query, request, user }) =>
          fragmentResponse(
            traceroutePanel(page(request, user), {
              host: query.host,
              maxHops: settings.max_hops,
              queries: settings.queries,
              maxSilentHops: settings.max_silent_hops,
              timeoutSeconds: settings.timeout_seconds,
              geoip: geoip.enabled,
            }),
          ),
        { query: panelQuery },
      ),
    );
}
