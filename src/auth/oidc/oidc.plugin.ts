/**
 * Single sign-on routes (the original's paths): `GET /api/auth/oidc/login` sends the browser to the provider (307),
 * `GET /login/sso` does the same for the sign-in page's button and remembers the page to return to, and
 * `GET /api/auth/oidc/callback` signs the person in. Every failure leads back to `<base>/login?error=<code>`, which
 * the sign-in page explains in a sentence (oidc.errors.ts).
 */
import { Elysia } from "elysia";
import type { Logger } from "../../core/log";
import type { Client } from "../../server/client";
import type { AppContext } from "../../server/context";
import { safeNext } from "../../server/page-context";
import { type CookieScope, readCookie, withCookies } from "../session-cookies";
import type { SignIns } from "../sign-ins";
import { OidcError } from "./oidc.errors";
import { FLOW_COOKIE, FLOW_TTL_SECONDS, type FlowJwt, flowJwtPlugin, openFlow, sealFlow } from "./oidc.flow";
import type { OidcService } from "./oidc.service";

export const OIDC_CALLBACK_PATH = "/api/auth/oidc/callback";

const flowCookie = (scope: CookieScope, value: string, maxAge: number) =>
  new Bun.Cookie(FLOW_COOKIE, value, {
    path: `${scope.base}/api/auth/oidc`,
    maxAge,
    httpOnly: true,
    secure: scope.https,
    // Lax: the provider's redirect back is a top-level navigation from another site, which Lax cookies accompany.
    sameSite: "lax",
  }).serialize();

const go = (location: string, status = 303) => new Response(null, { status, headers: { location } });

export function oidcPlugin(
  ctx: AppContext,
  deps: {
    oidc: OidcService;
    signIns: SignIns;
    clientOf: (request: Request) => Client;
    /** The session secret, from which the flow cookie's signing key is derived. */
    secret: string;
    /** The clock flow cookies expire by (tests move it). */
    now?: () => number;
  },
) {
  const { oidc, signIns, clientOf } = deps;
  const now = deps.now ?? Date.now;
  const base = ctx.config.server.base_url;
  const log: Logger = ctx.log.child("oidc");

  const redirectUri = (request: Request) => {
    if (ctx.config.oidc.redirect_url) return ctx.config.oidc.redirect_url;
    const client = clientOf(request);
    return `${client.https ? "https" : "http"}://${client.host}${base}${OIDC_CALLBACK_PATH}`;
  };

  const failed = (request: Request, e: unknown, cookies: (string | null)[]) => {
    const error = e instanceof OidcError ? e : new OidcError("sso_failed", (e as Error).message);
    const level = error.code === "sso_failed" ? "error" : "warn";
    log[level]("single sign-on failed", {
      code: error.code,
      problem: error.message,
      client: clientOf(request).address ?? undefined,
    });
    return withCookies(go(`${base}/login?error=${error.code}`), cookies);
  };

  const begin = async (
    request: Request,
    flowJwt: FlowJwt,
    next: string | undefined,
    extraCookies: (string | null)[],
  ) => {
    try {
      const { location, flow } = await oidc.begin(redirectUri(request), next);
      const cookie = flowCookie(signIns.cookieScope(request), await sealFlow(flowJwt, flow, now()), FLOW_TTL_SECONDS);
      return withCookies(go(location.href, 307), [cookie, ...extraCookies]);
    } catch (e) {
      return failed(request, e, extraCookies);
    }
  };

  return new Elysia({ name: "auth.oidc", seed: ctx.instanceId })
    .use(flowJwtPlugin(deps.secret))
    .get("/api/auth/oidc/login", ({ request, flowJwt }) => begin(request, flowJwt, undefined, []))
    .get("/login/sso", ({ request, flowJwt }) => {
      const remembered = signIns.takeNext(request);
      return begin(request, flowJwt, remembered.next, [remembered.cookie]);
    })
    .get(OIDC_CALLBACK_PATH, async ({ request, flowJwt }) => {
      const cleared = flowCookie(signIns.cookieScope(request), "", 0);
      try {
        const flow = await openFlow(flowJwt, readCookie(request, FLOW_COOKIE), now());
        const { user, next } = await oidc.complete(new URL(request.url), flow);
        const { cookie } = await signIns.start(request, user, "oidc");
        log.info("signed in by single sign-on", {
          username: user.username,
          client: clientOf(request).address ?? undefined,
        });
        return withCookies(go(safeNext(base, next)), [cleared, cookie]);
      } catch (e) {
        return failed(request, e, [cleared]);
      }
    });
}
