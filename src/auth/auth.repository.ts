/** Users and the settings the auth feature keeps in the database. */
import { count, eq, param, sql } from "drizzle-orm";
import type { DbHandle } from "../db";

export interface UserRow {
  id: number;
  username: string;
  passwordHash: string;
}

export function createAuthRepository({ db, t, rows }: DbHandle) {
  const userColumns = {
    id: t.users.id,
    username: t.users.username,
    passwordHash: t.users.passwordHash,
  };
  return {
    async countUsers(): Promise<number> {
      const [row] = await db.select({ n: count() }).from(t.users);
      return Number(row?.n ?? 0);
    },

    async findById(id: number): Promise<UserRow | undefined> {
      const [row] = await db.select(userColumns).from(t.users).where(eq(t.users.id, id)).limit(1);
      return row;
    },

    async findByUsername(username: string): Promise<UserRow | undefined> {
      const [row] = await db.select(userColumns).from(t.users).where(eq(t.users.username, username)).limit(1);
      return row;
    },

    /**
     * Creates the first account in one statement, so that two simultaneous
     * registrations cannot both succeed. Returns undefined when a user already exists.
     */
    async insertFirstUser(username: string, passwordHash: string): Promise<{ id: number } | undefined> {
      const [row] = await rows<{ id: number }>(sql`
        insert into ${t.users} (${sql.identifier("username")}, ${sql.identifier("password_hash")}, ${sql.identifier("created_at")})
        select ${username}, ${passwordHash}, ${param(new Date(), t.users.createdAt)}
        where not exists (select 1 from ${t.users})
        returning ${sql.identifier("id")}`);
      return row ? { id: Number(row.id) } : undefined;
    },

    async insertUser(username: string, passwordHash: string): Promise<{ id: number }> {
      const [row] = await db.insert(t.users).values({ username, passwordHash }).returning({ id: t.users.id });
      return row!;
    },

    async updatePassword(id: number, passwordHash: string): Promise<void> {
      await db.update(t.users).set({ passwordHash }).where(eq(t.users.id, id));
    },

    async getSetting(key: string): Promise<string | undefined> {
      const [row] = await db
        .select({ value: t.appSettings.value })
        .from(t.appSettings)
        .where(eq(t.appSettings.key, key))
        .limit(1);
      return row?.value;
    },

    /** Stores a value unless the key exists; returns the value that is stored afterwards. */
    async putSettingIfAbsent(key: string, value: string): Promise<string> {
      await db.insert(t.appSettings).values({ key, value }).onConflictDoNothing();
      return (await this.getSetting(key)) ?? value;
    },
  };
}

export type AuthRepository = ReturnType<typeof createAuthRepository>;
