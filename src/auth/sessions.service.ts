/**
 * Server-side sessions. A session token is 256 random bits handed to the browser (cookie) or a script (Bearer);
 * the database keeps only HMAC(secret, token), so neither a copy of the database nor a guess yields a usable
 * token, and changing the secret ends every session. A session ends at logout, on password change, when its
 * user is deleted, after `idle_timeout` without use and `absolute_timeout` after sign-in, whichever comes first.
 */
import type { Logger } from "../core/log";
import type { SessionRow, SessionsRepository, SignInMethod } from "./sessions.repository";

export interface ActiveSession {
  id: number;
  user: { id: number; username: string };
  method: SignInMethod;
  expiresAt: Date;
}

export interface SessionClient {
  address: string | null;
  userAgent: string | null;
}

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

/** Last-seen is written at most this often per session, so using the app does not mean writing the database. */
export const TOUCH_INTERVAL_MS = 60_000;
/** Sessions kept per user; the least recently used go first (a script that signs in every minute, for example). */
export const MAX_SESSIONS_PER_USER = 100;
const USER_AGENT_MAX = 512;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function createSessionsService(opts: {
  repo: SessionsRepository;
  secret: string;
  timeouts: SessionTimeouts;
  log: Logger;
  now?: () => number;
}) {
  const { repo, log } = opts;
  const now = opts.now ?? Date.now;
  const absoluteMs = opts.timeouts.absoluteMs;
  const idleMs = Math.min(opts.timeouts.idleMs, absoluteMs);
  const fingerprint = (token: string) =>
    new Bun.CryptoHasher("sha256", opts.secret).update(token).digest("base64url") as string;

  return {
    idleMs,
    absoluteMs,

    /** Starts a session for a user who has just proven who they are; returns the token to hand out. */
    async create(
      user: { id: number },
      method: SignInMethod,
      client: SessionClient,
    ): Promise<{ token: string; session: SessionRow }> {
      const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
      const at = now();
      const session = await repo.insert({
        tokenHash: fingerprint(token),
        userId: user.id,
        method,
        now: new Date(at),
        expiresAt: new Date(at + absoluteMs),
        clientAddress: client.address,
        userAgent: client.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
      });
      await repo.trimForUser(user.id, MAX_SESSIONS_PER_USER);
      return { token, session };
    },

    /** The live session behind a token, or null. An expired one is deleted on the spot. */
    async resolve(token: string, clientAddress: string | null): Promise<ActiveSession | null> {
      if (!TOKEN_SHAPE.test(token)) return null;
      const row = await repo.findByTokenHash(fingerprint(token));
      if (!row) return null;
      const at = now();
      if (at >= row.expiresAt.getTime() || at - row.lastSeenAt.getTime() >= idleMs) {
        await repo.delete(row.userId, row.id);
        return null;
      }
      if (at - row.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) await repo.touch(row.id, new Date(at), clientAddress);
      return {
        id: row.id,
        user: { id: row.userId, username: row.username },
        method: row.method,
        expiresAt: row.expiresAt,
      };
    },

    list: (userId: number) => repo.listForUser(userId),

    /** Ends one of the user's sessions; false when it is not theirs or already gone. */
    revoke: (userId: number, sessionId: number) => repo.delete(userId, sessionId),

    /** Ends every session of the user, or every one but `keepId`. */
    revokeAll: (userId: number, keepId?: number) => repo.deleteForUser(userId, keepId),

    /** Deletes expired sessions (the hourly housekeeping job). */
    async prune(): Promise<number> {
      const at = now();
      const deleted = await repo.deleteExpired(new Date(at), new Date(at - idleMs));
      if (deleted) log.debug("expired sessions pruned", { deleted });
      return deleted;
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
