/**
 * The agent's HTTP routes on Bun.serve (no framework: the agent must stay small). The route table shows what is
 * public and what needs the API key. Answers are JSON (errors: `{error, message}`), except the live stream. No CORS
 * headers are sent at all, so a web page on another origin cannot read the agent.
 */
import type { Server } from "bun";
import { AppError } from "../core/errors";
import type { Logger } from "../core/log";
import { sseResponse } from "../core/sse";
import type { BandwidthCollector } from "../measure/collectors/bandwidth";
import { VnstatError, type VnstatProblem } from "../measure/collectors/vnstat";
import { LIVE_STREAM, type LiveSample } from "../protocol/agent";
import type { AgentService } from "./agent.service";
import type { KeyCheck } from "./auth";

/** Live samples a slow client may have waiting before newer ones are dropped for it. */
export const LIVE_CLIENT_BUFFER = 100;
/**
 * Live streams open at once. A hub holds one (plus, briefly, one it lost and replaced); every stalled stream keeps up
 * to LIVE_CLIENT_BUFFER samples, so without a limit a client could grow the agent's memory by opening thousands.
 */
export const MAX_LIVE_STREAMS = 256;
/** A sample older than this is not sent to a client that just connected. */
const FRESH_SAMPLE_MS = 5_000;

interface RouteContext {
  request: Request;
  url: URL;
  server: Server<undefined>;
}

interface Route {
  public: boolean;
  handle(ctx: RouteContext): Response | Promise<Response>;
}

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

const errorBody = (error: string, message: string, extra: Record<string, unknown> = {}) => ({
  error,
  message,
  ...extra,
});

const VNSTAT_STATUS: Record<VnstatProblem, [number, string]> = {
  not_installed: [503, "vnstat_unavailable"],
  no_database: [503, "vnstat_unavailable"],
  unknown_interface: [404, "interface_not_found"],
  failed: [502, "vnstat_failed"],
  busy: [503, "busy"],
};

export interface AgentServerDeps {
  service: AgentService;
  bandwidth: BandwidthCollector;
  checkKey: KeyCheck;
  /** Aborted at shutdown: ends every live stream. */
  stopping: AbortSignal;
  log: Logger;
}

function liveStream(
  { request, url, server }: RouteContext,
  bandwidth: BandwidthCollector,
  stopping: AbortSignal,
  open: { count: number },
) {
  if (url.searchParams.get("stream") !== LIVE_STREAM)
    return json(errorBody("bad_request", `stream: only "${LIVE_STREAM}" is served`), 400);
  if (open.count >= MAX_LIVE_STREAMS)
    return json(errorBody("too_many_streams", `at most ${MAX_LIVE_STREAMS} live streams at once`), 503, {
      "retry-after": "30",
    });
  open.count++;
  // The stream outlives Bun's idle timeout between samples; heartbeats keep proxies from closing it.
  server.timeout(request, 0);
  const message = (sample: LiveSample) => ({ event: "message", data: JSON.stringify(sample) });
  return sseResponse(
    request,
    async function* (signal) {
      try {
        const latest = bandwidth.latest();
        if (latest && Date.now() - latest.at < FRESH_SAMPLE_MS) yield message(latest.sample);
        for await (const sample of bandwidth.samples.subscribe(signal, LIVE_CLIENT_BUFFER)) yield message(sample);
      } finally {
        open.count--;
      }
    },
    { stop: stopping, maxQueued: LIVE_CLIENT_BUFFER },
  );
}

export function createRoutes({ service, bandwidth, stopping }: AgentServerDeps): Record<string, Route> {
  const liveStreams = { count: 0 };
  const routes: Record<string, Route> = {
    "/": { public: true, handle: () => json(service.root()) },
    "/netronome/info": { public: true, handle: () => json(service.info()) },
    "/events": { public: false, handle: (ctx) => liveStream(ctx, bandwidth, stopping, liveStreams) },
    "/export/historical": {
      public: false,
      handle: async ({ url }) =>
        json(await service.historical(url.searchParams.get("interface")), 200, {
          "content-disposition": 'inline; filename="monitor-historical.json"',
        }),
    },
    "/stats/peaks": { public: false, handle: () => json(service.peaks()) },
  };
  if (service.hasSystemMetrics) {
    routes["/system/info"] = { public: false, handle: async () => json(await service.systemInfo()) };
    routes["/system/hardware"] = { public: false, handle: async () => json(await service.hardware()) };
  }
  return routes;
}

export function createFetchHandler(deps: AgentServerDeps) {
  const routes = createRoutes(deps);
  const { checkKey, log } = deps;
  return async (request: Request, server: Server<undefined>): Promise<Response> => {
    const url = new URL(request.url);
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!route) return json(errorBody("not_found", `no such endpoint: ${url.pathname}`), 404);
    if (request.method !== "GET")
      return json(errorBody("method_not_allowed", "only GET is served"), 405, { allow: "GET" });
    if (!route.public && !checkKey(request, url)) {
      log.debug("refused a request without the right API key", {
        path: url.pathname,
        from: server.requestIP(request)?.address,
      });
      return json(errorBody("unauthorized", "missing or wrong API key (send it in the X-API-Key header)"), 401);
    }
    try {
      return await route.handle({ request, url, server });
    } catch (e) {
      if (e instanceof AppError) return json(errorBody(e.code, e.message, e.field ? { field: e.field } : {}), e.status);
      if (e instanceof VnstatError) {
        const [status, code] = VNSTAT_STATUS[e.problem];
        return json(errorBody(code, e.message), status);
      }
      log.error("request failed", { path: url.pathname, error: e as Error });
      return json(errorBody("internal", "the agent could not answer; see its log"), 500);
    }
  };
}
