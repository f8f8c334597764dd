/** Stored sessions, on both dialects. A session is found by the keyed fingerprint of its token, never the token. */
import { and, desc, eq, inArray, lt, ne, or } from "drizzle-orm";
import type { DbHandle } from "../db";

export type SignInMethod = "password" | "oidc";

export interface SessionRow {
  id: number;
  userId: number;
  method: SignInMethod;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  clientAddress: string | null;
  userAgent: string | null;
}

export interface NewSession {
  tokenHash: string;
  userId: number;
  method: SignInMethod;
  now: Date;
  expiresAt: Date;
  clientAddress: string | null;
  userAgent: string | null;
}

export function createSessionsRepository({ db, t }: DbHandle) {
  const s = t.sessions;
  const columns = {
    id: s.id,
    userId: s.userId,
    method: s.method,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    clientAddress: s.clientAddress,
    userAgent: s.userAgent,
  };

  return {
    async insert(n: NewSession): Promise<SessionRow> {
      const [row] = await db
        .insert(s)
        .values({
          tokenHash: n.tokenHash,
          userId: n.userId,
          method: n.method,
          createdAt: n.now,
          lastSeenAt: n.now,
          expiresAt: n.expiresAt,
          clientAddress: n.clientAddress,
          userAgent: n.userAgent,
        })
        .returning(columns);
      return row!;
    },

    /** The session behind a token fingerprint, with its user's name; one query per request. */
    async findByTokenHash(tokenHash: string): Promise<(SessionRow & { username: string }) | undefined> {
      const [row] = await db
        .select({ ...columns, username: t.users.username })
        .from(s)
        .innerJoin(t.users, eq(t.users.id, s.userId))
        .where(eq(s.tokenHash, tokenHash))
        .limit(1);
      return row;
    },

    async touch(id: number, lastSeenAt: Date, clientAddress: string | null): Promise<void> {
      await db.update(s).set({ lastSeenAt, clientAddress }).where(eq(s.id, id));
    },

    /** A user's sessions, most recently used first. */
    async listForUser(userId: number): Promise<SessionRow[]> {
      return db.select(columns).from(s).where(eq(s.userId, userId)).orderBy(desc(s.lastSeenAt), desc(s.id));
    },

    /** Deletes one session of `userId`; returns whether it existed. */
    async delete(userId: number, id: number): Promise<boolean> {
      const gone = await db
        .delete(s)
        .where(and(eq(s.userId, userId), eq(s.id, id)))
        .returning({ id: s.id });
      return gone.length > 0;
    },

    /** Deletes every session of `userId` except `keepId`; returns how many went. */
    async deleteForUser(userId: number, keepId?: number): Promise<number> {
      const where = keepId === undefined ? eq(s.userId, userId) : and(eq(s.userId, userId), ne(s.id, keepId));
      return (await db.delete(s).where(where).returning({ id: s.id })).length;
    },

    /** Keeps a user's `keep` most recently used sessions and deletes the rest. */
    async trimForUser(userId: number, keep: number): Promise<number> {
      const excess = db
        .select({ id: s.id })
        .from(s)
        .where(eq(s.userId, userId))
        .orderBy(desc(s.lastSeenAt), desc(s.id))
        .limit(1_000_000)
        .offset(keep);
      return (await db.delete(s).where(inArray(s.id, excess)).returning({ id: s.id })).length;
    },

    /** Deletes sessions past their absolute expiry or unused since `idleBefore`. */
    async deleteExpired(now: Date, idleBefore: Date): Promise<number> {
      const gone = await db
        .delete(s)
        .where(or(lt(s.expiresAt, now), lt(s.lastSeenAt, idleBefore)))
        .returning({ id: s.id });
      return gone.length;
    },
  };
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
