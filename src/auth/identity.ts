/**
 * Who is making a request, from the request alone: a session token (the `session` cookie, or
 * `Authorization: Bearer` for scripts) and then the `[auth] whitelist`. Credential kinds are a list of resolvers
 * tried in order, so another kind of token (API tokens) is one more entry.
 */
import { type Cidr, ipInRanges } from "../core/net";
import type { Client } from "../server/client";
import { perRequest } from "../server/per-request";
import type { SessionUser } from "./auth.service";
import { readCookie, SESSION_COOKIE } from "./session-cookies";
import type { SessionsService } from "./sessions.service";

export const WHITELISTED_USER: SessionUser = { id: 0, username: "whitelisted" };

export interface Identity {
  user: SessionUser;
  via: "session" | "whitelist";
  /** The session the request belongs to (absent for whitelisted visitors). */
  sessionId?: number;
}

/** A credential as it arrived, and the client that sent it. */
export interface Credential {
  token: string;
  client: Client;
}

/** Turns a credential into an identity, or null when it is not one of this resolver's (or not valid). */
export type CredentialResolver = (credential: Credential) => Promise<Identity | null>;

export function sessionCredentials(sessions: SessionsService): CredentialResolver {
  return async ({ token, client }) => {
    const session = await sessions.resolve(token, client.address);
    return session ? { user: session.user, via: "session", sessionId: session.id } : null;
  };
}

export function identityResolver(opts: {
  resolvers: readonly CredentialResolver[];
  whitelist: readonly Cidr[];
  clientOf: (request: Request) => Client;
}) {
  const identify = async (request: Request): Promise<Identity | null> => {
    const client = opts.clientOf(request);
    const bearer = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const token = bearer ?? readCookie(request, SESSION_COOKIE);
    if (token) {
      for (const resolve of opts.resolvers) {
        const identity = await resolve({ token, client });
        if (identity) return identity;
      }
    }
    // A visitor who also signed in is that user (so they can see and end their sessions); otherwise the address.
    if (client.address && opts.whitelist.length && ipInRanges(client.address, opts.whitelist))
      return { user: WHITELISTED_USER, via: "whitelist" };
    return null;
  };

  /** The identity behind a request, worked out once per request. */
  return perRequest(identify);
}

export type IdentityResolver = ReturnType<typeof identityResolver>;
