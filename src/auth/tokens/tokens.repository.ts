/** API tokens, on both dialects. A token is found by its SHA-256, never stored itself. */
import { and, count, desc, eq } from "drizzle-orm";
import type { DbHandle } from "../../db";
import type { Role, TokenScope } from "../access";

export interface TokenRow {
  id: number;
  userId: number;
  name: string;
  scope: TokenScope;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export function createTokensRepository({ db, t }: DbHandle) {
  const k = t.apiTokens;
  const columns = {
    id: k.id,
    userId: k.userId,
    name: k.name,
    scope: k.scope,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
  };

  return {
    async insert(n: { userId: number; name: string; scope: TokenScope; tokenHash: string }): Promise<TokenRow> {
      const [row] = await db.insert(k).values(n).returning(columns);
      return row!;
    },

    /** The token behind a hash, with its owner's name and role: one query per request. */
    async findByHash(tokenHash: string): Promise<(TokenRow & { username: string; role: Role }) | undefined> {
      const [row] = await db
        .select({ ...columns, username: t.users.username, role: t.users.role })
        .from(k)
        .innerJoin(t.users, eq(t.users.id, k.userId))
        .where(eq(k.tokenHash, tokenHash))
        .limit(1);
      return row;
    },

    async touch(id: number, at: Date): Promise<void> {
      await db.update(k).set({ lastUsedAt: at }).where(eq(k.id, id));
    },

    /** A user's tokens, newest first. */
    listForUser(userId: number): Promise<TokenRow[]> {
      return db.select(columns).from(k).where(eq(k.userId, userId)).orderBy(desc(k.id));
    },

    async countForUser(userId: number): Promise<number> {
      const [row] = await db.select({ n: count() }).from(k).where(eq(k.userId, userId));
      return Number(row?.n ?? 0);
    },

    /** Deletes one of `userId`'s tokens; returns whether it existed. */
    async delete(userId: number, id: number): Promise<boolean> {
      const gone = await db
        .delete(k)
        .where(and(eq(k.userId, userId), eq(k.id, id)))
        .returning({ id: k.id });
      return gone.length > 0;
    },
  };
}

export type TokensRepository = ReturnType<typeof createTokensRepository>;
