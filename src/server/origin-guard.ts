/**
 * Cross-site request forgery protection for every route, old and new: a state-changing request (anything but GET,
 * HEAD and OPTIONS) is refused with 403, before routing and before its body is read, when a browser says it comes
 * from another site.
 *
 * - `Sec-Fetch-Site` (sent by every current browser) decides when present: `same-origin` and `none` (typed or
 *   bookmarked) pass, `same-site` and `cross-site` do not.
 * - Otherwise `Origin`, or `Referer` when there is no Origin, must name this server: the host the client addressed
 *   (`Host`, or `X-Forwarded-Host` from a trusted proxy) and, when the request is known to have come over HTTPS,
 *   the https scheme. The base URL is a path and plays no part in an origin.
 * - A request with none of the three did not come from a browser (browsers send Origin with every POST): a script
 *   or curl, which holds its credentials itself and cannot be tricked into using someone else's. It passes.
 */
import { Elysia } from "elysia";
import { Forbidden } from "../core/errors";
import type { Client } from "./client";
import type { AppContext } from "./context";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const PROXY_HINT =
  "behind a reverse proxy, pass the Host header on, or list the proxy in [server] trusted_proxies so that its X-Forwarded-Host and X-Forwarded-Proto count";

/** Why a state-changing request must be refused as cross-site, or null when it may go on. */
export function crossSiteProblem(request: Request, client: Client): string | null {
  const site = request.headers.get("sec-fetch-site");
  if (site)
    return site === "same-origin" || site === "none" ? null : `cross-site request refused (Sec-Fetch-Site: ${site})`;
  const origin = request.headers.get("origin");
  const referer = request.headers.get("referer");
  if (origin === null && referer === null) return null;
  const claimed = origin ?? referer!;
  const url = URL.parse(claimed);
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
    return `cross-site request refused (${origin !== null ? "Origin" : "Referer"}: ${claimed.slice(0, 200)})`;
  const own = URL.parse(`${url.protocol}//${client.host}`)?.host;
  if (url.host.toLowerCase() !== own?.toLowerCase() || (client.https && url.protocol !== "https:"))
    return `cross-site request refused: ${url.origin} is not this server (${client.https ? "https" : "http"}://${client.host}); ${PROXY_HINT}`;
  return null;
}

export function originGuard(ctx: AppContext, clientOf: (request: Request) => Client) {
  const log = ctx.log.child("http");
  return new Elysia({ name: "origin-guard", seed: ctx.instanceId }).onRequest(({ request }) => {
    if (SAFE_METHODS.has(request.method)) return;
    const client = clientOf(request);
    const problem = crossSiteProblem(request, client);
    if (!problem) return;
    log.warn("cross-site request refused", {
      method: request.method,
      path: new URL(request.url).pathname,
      origin: request.headers.get("origin") ?? undefined,
      site: request.headers.get("sec-fetch-site") ?? undefined,
      client: client.address ?? undefined,
    });
    throw new Forbidden(problem);
  });
}
