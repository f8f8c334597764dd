/**
 * Who is making a request, from the request alone: `Authorization: Bearer <token>` (an API token, or the session
 * token of POST /api/auth/login), else the `session` cookie (a session token only: API tokens never travel in
 * cookies, so they never need the CSRF check), else the `[auth] whitelist`.
 *
 * A bearer token that is presented but not valid is an answer in itself (401), never passed over for the cookie or
 * the whitelist: a script learns that its token was revoked. Failed bearer tokens are counted per client; a client
 * with too many gets 429 before its tokens are looked up.
 */
import { type Cidr, ipInRanges, sourceKey } from "../core/net";
import type { Client } from "../server/client";
import { perRequest } from "../server/per-request";
import type { Role, TokenScope } from "./access";
import type { LoginThrottle } from "./login-throttle";
import { readCookie, SESSION_COOKIE } from "./session-cookies";
import type { SessionsService } from "./sessions.service";

export interface SessionUser {
  id: number;
  username: string;
  role: Role;
}

export const WHITELISTED_USER: SessionUser = { id: 0, username: "whitelisted", role: "admin" };

export interface Identity {
  user: SessionUser;
  via: "session" | "whitelist" | "token";
  /** The session the request belongs to (only for `session`). */
  sessionId?: number;
  /** The API token used, and its scope (only for `token`). */
  tokenId?: number;
  tokenScope?: TokenScope;
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

export function bearerToken(request: Request): string | undefined {
  return request.headers.get("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

export function identityResolver(opts: {
  /** Session tokens, from the cookie or a bearer header. */
  sessions: CredentialResolver;
  /** API tokens, from a bearer header only. */
  apiTokens: CredentialResolver;
  whitelist: readonly Cidr[];
  clientOf: (request: Request) => Client;
  /** Counts refused bearer tokens per client. */
  bearerFailures: LoginThrottle;
  /** Told about each refused bearer token (for the log). */
  onRefusedBearer?: (client: Client) => void;
}) {
  const resolveBearer = async (token: string, client: Client) =>
    (await opts.apiTokens({ token, client })) ?? (await opts.sessions({ token, client }));

  const identify = async (request: Request): Promise<Identity | null> => {
    const client = opts.clientOf(request);
    const bearer = bearerToken(request);
    if (bearer !== undefined) {
      const key = [`bearer:${client.address ? sourceKey(client.address) : "unknown"}`];
      opts.bearerFailures.refuseIfExhausted(key);
      const identity = await resolveBearer(bearer, client);
      if (!identity) {
        opts.bearerFailures.countFailure(key);
        opts.onRefusedBearer?.(client);
      }
      return identity;
    }
    const cookie = readCookie(request, SESSION_COOKIE);
    const identity = cookie ? await opts.sessions({ token: cookie, client }) : null;
    if (identity) return identity;
    // A visitor who also signed in is that user (so they can see and end their sessions); otherwise the address.
    if (client.address && opts.whitelist.length && ipInRanges(client.address, opts.whitelist))
      return { user: WHITELISTED_USER, via: "whitelist" };
    return null;
  };

  /** The identity behind a request, worked out once per request; `again` works it out afresh (long-lived streams). */
  return Object.assign(perRequest(identify), { again: identify });
}

export type IdentityResolver = ReturnType<typeof identityResolver>;
