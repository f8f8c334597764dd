/**
 * Sessions: a signed JWT in an HttpOnly, SameSite=Lax cookie (or an
 * `Authorization: Bearer` header for scripts), resolved once per request by the
 * `api` and `page` macros that every protected route opts into.
 */
import { jwt } from "@elysiajs/jwt";
import { Elysia, t } from "elysia";
import { type Cidr, ipInRanges, parseCidr } from "../core/net";
import type { AppContext } from "../server/context";
import type { AuthService, SessionUser } from "./auth.service";

export const SESSION_COOKIE = "session";
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;
/** Sessions older than this are re-issued on use, so an active user is never signed out. */
const RENEW_AFTER_SECONDS = 24 * 3600;

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

  const identify = async (c: SessionIo): Promise<Identity | null> => {
    const ip = clientAddress(c);
    if (ip && whitelist.length && ipInRanges(ip, whitelist)) return { user: WHITELISTED_USER, via: "whitelist" };
    const bearer = c.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const cookieToken = c.cookie[SESSION_COOKIE]?.value;
    const token = bearer ?? (typeof cookieToken === "string" && cookieToken ? cookieToken : undefined);
    if (!token) return null;
    const payload = await c.jwt.verify(token);
    if (!payload || typeof payload.sub !== "string") return null;
    const user = await auth.sessionUser(Number(payload.sub), Number(payload.v));
    if (!user) return null;
    const issuedAt = Number(payload.iat ?? 0);
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
        identify: (io: unknown) => identify(io as SessionIo),
        /** The key failed logins are counted under: the socket address. */
        clientKey: (io: unknown) => clientAddress(io as SessionIo) ?? "local",
      })
      // Handlers destructure their context: Elysia infers what to provide from the parameter list, and that
      // inference fails on a bare `c` once the bundle is minified (see reference stack notes).
      .macro({
        /** JSON routes: 401 without a valid session. */
        api: {
          async resolve({ jwt, cookie, headers, request, server, status }) {
            const identity = await identify({ jwt, cookie, headers, request, server } as unknown as SessionIo);
            if (!identity) return status(401, { error: "unauthorized", message: "authentication required" });
            return { user: identity.user, identity };
          },
        },
        /** HTML routes: the sign-in page (or first-run registration) instead of an error. */
        page: {
          async resolve({ jwt, cookie, headers, request, server, set, status }) {
            const identity = await identify({ jwt, cookie, headers, request, server } as unknown as SessionIo);
            if (identity) return { user: identity.user, identity };
            if (headers["hx-request"]) {
              // htmx follows HX-Redirect with a full navigation; a 204 is never swapped into the page.
              set.headers["hx-redirect"] = loginUrl;
              return status(204, "");
            }
            const path = new URL(request.url).pathname;
            const next = path !== `${base}/` && path !== base ? `?next=${encodeURIComponent(path)}` : "";
            set.headers.location = (await auth.hasUsers()) ? `${loginUrl}${next}` : `${base}/register`;
            return status(303, "");
          },
        },
      })
  );
}

export type SessionPlugin = ReturnType<typeof sessionPlugin>;
