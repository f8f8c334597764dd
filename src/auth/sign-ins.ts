/** Starting and ending sessions for a request: the session row, its cookie, and where to return afterwards. */
import { sourceKey } from "../core/net";
import type { Client } from "../server/client";
import type { Identity } from "./identity";
import {
  type CookieScope,
  clearedNextCookie,
  clearedSessionCookie,
  NEXT_COOKIE,
  NEXT_MAX_LENGTH,
  readCookie,
  sessionCookie,
} from "./session-cookies";
import type { SignInMethod } from "./sessions.repository";
import type { SessionsService } from "./sessions.service";

export function createSignIns(opts: {
  base: string;
  sessions: SessionsService;
  clientOf: (request: Request) => Client;
}) {
  const { base, sessions, clientOf } = opts;

  const cookieScope = (request: Request): CookieScope & { host: string } => {
    const client = clientOf(request);
    return { base, https: client.https, host: client.host };
  };

  return {
    cookieScope,

    /** Whom failed sign-ins are counted against (login-throttle.ts): the client, or its /64 for IPv6. */
    source: (request: Request): string => {
      const address = clientOf(request).address;
      return address ? sourceKey(address) : "unknown";
    },

    /** Signs `user` in: a new session, its token (usable as a Bearer token) and the cookie carrying it. */
    async start(request: Request, user: { id: number }, method: SignInMethod) {
      const client = clientOf(request);
      const { token, session } = await sessions.create(user, method, {
        address: client.address,
        userAgent: request.headers.get("user-agent"),
      });
      const maxAge = Math.floor((session.expiresAt.getTime() - Date.now()) / 1000);
      return { token, expiresIn: maxAge, cookie: sessionCookie(cookieScope(request), token, maxAge) };
    },

    /** Signs the request's session out and returns the cookie that clears it in the browser. */
    async end(request: Request, identity: Identity): Promise<string> {
      if (identity.sessionId !== undefined) await sessions.revoke(identity.user.id, identity.sessionId);
      return clearedSessionCookie(cookieScope(request));
    },

    /**
     * The page remembered for after sign-in, if any, and the cookie that clears it. A value this server would not
     * have set counts as none (safeNext() still vets the target), so a bad cookie never stands in the way.
     */
    takeNext(request: Request): { next: string | undefined; cookie: string | null } {
      const next = readCookie(request, NEXT_COOKIE);
      if (next === undefined) return { next: undefined, cookie: null };
      return {
        next: next.length <= NEXT_MAX_LENGTH ? next : undefined,
        cookie: clearedNextCookie(cookieScope(request)),
      };
    },
  };
}

export type SignIns = ReturnType<typeof createSignIns>;
