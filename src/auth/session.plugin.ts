/**
 * Sessions: a signed JWT in an HttpOnly, SameSite=Lax cookie (or an
 * `Authorization: Bearer` header for scripts), resolved once per request by the
 * `api` and `page` macros that every protected route opts into.
 */
import { jwt } from "@elysiajs/jwt";
import { Elysia, t } from "elysia";
import { Redirect, Unauthorized } from "../core/errors";
import { type Cidr, ipInRanges, parseCidr } from "../core/net";
import type { AppContext } from "../server/context";
import type { AuthService, SessionUser } from "./auth.service";

export const SESSION_COOKIE = "session";
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;
/** Sessions older than this are re-issued on use, so an active user is never signed out. */
const RENEW_AFTER_SECONDS = 24 * 3600;

/**
 * Where to go after signing in, set when a page sends an anonymous visitor to the sign-in page: a cookie scoped to
 * the sign-in path rather than a query parameter, so that the sign-in page is one static document.
 */
export const NEXT_COOKIE = "login_next";
const NEXT_TTL_SECONDS = 600;
/** Longer pages (a path with a huge query string) are not remembered: signing in leads to the dashboard. */
const NEXT_MAX_LENGTH = 2048;

export const WHITELISTED_USER: SessionUser = { id: 0, username: "whitelisted" };

export interface Identity {
  user: SessionUser;
  via: "session" | "whitelist";
}

interface CookieJar {
  set(options: Record<string, unknown>): unknown;
  remove(): unknown;
  value: unknown;
}

/** The parts of a request context that sessions read and write. */
export interface SessionIo {
  jwt: {
    sign(payload: Record<string, string | number>): Promise<string>;
    verify(token?: string): Promise<false | Record<string, unknown>>;
  };
  cookie: Record<string, CookieJar>;
  headers: Record<string, string | undefined>;
  request: Request;
  server: { requestIP(r: Request): { address: string } | null } | null;
}

function clientAddress(c: Pick<SessionIo, "server" | "request">): string | undefined {
  return c.server?.requestIP(c.request)?.address;
}

const isHttps = (c: Pick<SessionIo, "request" | "headers">) =>
  c.request.url.startsWith("https:") || c.headers["x-forwarded-proto"]?.split(",")[0]?.trim() === "https";

export function sessionPlugin(ctx: AppContext, auth: AuthService, secret: string) {
  const base = ctx.config.server.base_url;
  const whitelist = ctx.config.auth.whitelist.map(parseCidr).filter((c): c is Cidr => c !== null);
  const loginUrl = `${base}/login`;

  const issue = async (c: SessionIo, user: SessionUser, sessionVersion: number): Promise<string> => {
    const token = await c.jwt.sign({ sub: String(user.id), v: sessionVersion });
    c.cookie[SESSION_COOKIE]!.set({
      value: token,
      httpOnly: true,
      sameSite: "lax",
      secure: isHttps(c),
      path: base || "/",
      maxAge: SESSION_TTL_SECONDS,
    });
    return token;
  };

  const clear = (cookie: SessionIo["cookie"]) => {
    cookie[SESSION_COOKIE]!.set({ value: "", httpOnly: true, sameSite: "lax", path: base || "/", maxAge: 0 });
  };

  const rememberNext = (c: SessionIo, next: string) => {
    // The dashboard is where signing in leads anyway.
    if (next === `${base}/` || next === base || next.length > NEXT_MAX_LENGTH) return;
    c.cookie[NEXT_COOKIE]!.set({
      value: next,
      httpOnly: true,
      sameSite: "lax",
      secure: isHttps(c),
      path: loginUrl,
      maxAge: NEXT_TTL_SECONDS,
    });
  };

  /**
   * The page remembered for after sign-in, if any, and the cookie cleared. A value this server would not have set
   * counts as none (safeNext() still vets the target), so a bad cookie never stands in the way of signing in.
   */
  const takeNext = (cookie: SessionIo["cookie"]): string | undefined => {
    const next = cookie[NEXT_COOKIE]?.value;
    if (next === undefined) return undefined;
    cookie[NEXT_COOKIE]!.set({ value: "", httpOnly: true, sameSite: "lax", path: loginUrl, maxAge: 0 });
    return typeof next === "string" && next.length <= NEXT_MAX_LENGTH ? next : undefined;
  };

  // The identity found in `transform`, handed to `resolve` for the same request.
  const identities = new WeakMap<Request, Identity>();
  const resolved = (request: Request) => {
    const identity = identities.get(request);
    if (!identity) throw new Unauthorized();
    return { user: identity.user, identity };
  };

  const verifyToken = async (signer: SessionIo["jwt"], token: string) => {
    const payload = await signer.verify(token);
    if (!payload || typeof payload.sub !== "string") return null;
    const user = await auth.sessionUser(Number(payload.sub), Number(payload.v));
    return user ? { user, issuedAt: Number(payload.iat ?? 0) } : null;
  };

  const identify = async (c: SessionIo): Promise<Identity | null> => {
    const ip = clientAddress(c);
    if (ip && whitelist.length && ipInRanges(ip, whitelist)) return { user: WHITELISTED_USER, via: "whitelist" };
    const bearer = c.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const cookieToken = c.cookie[SESSION_COOKIE]?.value;
    const token = bearer ?? (typeof cookieToken === "string" && cookieToken ? cookieToken : undefined);
    if (!token) return null;
    const session = await verifyToken(c.jwt, token);
    if (!session) return null;
    const { user, issuedAt } = session;
    if (!bearer && Date.now() / 1000 - issuedAt > RENEW_AFTER_SECONDS) await issue(c, user, user.sessionVersion);
    return { user: { id: user.id, username: user.username }, via: "session" };
  };

  return (
    new Elysia({ name: "auth.session", seed: ctx.instanceId })
      .use(
        jwt({
          name: "jwt",
          secret,
          exp: `${SESSION_TTL_SECONDS}s`,
          schema: t.Object({ sub: t.String(), v: t.Number() }),
        }),
      )
      .decorate("sessions", {
        /** Signs `user` in: sets the cookie and returns the token (also usable as a Bearer token). */
        issue: (io: unknown, user: SessionUser, sessionVersion: number) => issue(io as SessionIo, user, sessionVersion),
        clear: (cookie: unknown) => clear(cookie as SessionIo["cookie"]),
        takeNext: (cookie: unknown) => takeNext(cookie as SessionIo["cookie"]),
        /** The key failed logins are counted under: the socket address. */
        clientKey: (io: unknown) => clientAddress(io as SessionIo) ?? "local",
      })
      // Handlers destructure their context: Elysia infers what to provide from the parameter list, and that
      // inference fails on a bare `c` once the bundle is minified (see reference stack notes).
      // The session is checked in `transform`, which runs before body validation, so an anonymous request
      // learns nothing about a route's input; `resolve` then hands the identity to the handler.
      .macro({
        /** JSON routes: 401 without a valid session. */
        api: {
          async transform({ jwt, cookie, headers, request, server }) {
            const identity = await identify({ jwt, cookie, headers, request, server } as unknown as SessionIo);
            if (!identity) throw new Unauthorized();
            identities.set(request, identity);
          },
          resolve: ({ request }) => resolved(request),
        },
        /** HTML routes: the sign-in page (or first-run registration) instead of an error. */
        page: {
          async transform({ jwt, cookie, headers, request, server }) {
            const identity = await identify({ jwt, cookie, headers, request, server } as unknown as SessionIo);
            if (identity) {
              identities.set(request, identity);
              return;
            }
            const io = { jwt, cookie, headers, request, server } as unknown as SessionIo;
            // htmx follows HX-Redirect with a full navigation; its 204 is never swapped into the page. The page to
            // come back to is the one the request came from.
            if (headers["hx-request"]) {
              const from = URL.parse(headers["hx-current-url"] ?? "");
              if (from && from.host === new URL(request.url).host) rememberNext(io, from.pathname + from.search);
              throw new Redirect(loginUrl, { htmx: true });
            }
            if (!(await auth.hasUsers())) throw new Redirect(`${base}/register`);
            const { pathname, search } = new URL(request.url);
            rememberNext(io, pathname + search);
            throw new Redirect(loginUrl);
          },
          resolve: ({ request }) => resolved(request),
        },
      })
  );
}

export type SessionPlugin = ReturnType<typeof sessionPlugin>;
