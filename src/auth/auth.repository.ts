/** Users and the settings the auth feature keeps in the database. */
import { and, asc, count, eq, ne, param, type SQL, sql } from "drizzle-orm";
import type { DbHandle } from "../db";
import type { Role } from "./access";

export interface UserRow {
  id: number;
  username: string;
  /** Empty for accounts without a password (created by single sign-on). */
  passwordHash: string;
  role: Role;
  oidcIssuer: string | null;
  oidcSubject: string | null;
  createdAt: Date;
}

export function createAuthRepository({ db, t, rows }: DbHandle) {
  const u = t.users;
  const userColumns = {
    id: u.id,
    username: u.username,
    passwordHash: u.passwordHash,
    role: u.role,
    oidcIssuer: u.oidcIssuer,
    oidcSubject: u.oidcSubject,
    createdAt: u.createdAt,
  };
  const col = sql.identifier;
  /** Another admin than the row being changed exists (a subquery, so the check and the change are one statement). */
  const anotherAdmin = (id: number): SQL =>
    sql`exists (select 1 from ${u} where ${col("role")} = 'admin' and ${col("id")} <> ${id})`;

  return {
    async countUsers(): Promise<number> {
      const [row] = await db.select({ n: count() }).from(u);
      return Number(row?.n ?? 0);
    },

    async findById(id: number): Promise<UserRow | undefined> {
      const [row] = await db.select(userColumns).from(u).where(eq(u.id, id)).limit(1);
      return row;
    },

    async findByUsername(username: string): Promise<UserRow | undefined> {
      const [row] = await db.select(userColumns).from(u).where(eq(u.username, username)).limit(1);
      return row;
    },

    async findByOidcSubject(issuer: string, subject: string): Promise<UserRow | undefined> {
      const [row] = await db
        .select(userColumns)
        .from(u)
        .where(and(eq(u.oidcIssuer, issuer), eq(u.oidcSubject, subject)))
        .limit(1);
      return row;
    },

    /** Every account, oldest first. */
    list(): Promise<UserRow[]> {
      return db.select(userColumns).from(u).orderBy(asc(u.id));
    },

    /**
     * Creates the first account (an admin) in one statement, so that two simultaneous registrations cannot both
     * succeed. Returns undefined when a user already exists.
     */
    async insertFirstUser(username: string, passwordHash: string): Promise<{ id: number } | undefined> {
      const [row] = await rows<{ id: number }>(sql`
        insert into ${u} (${col("username")}, ${col("password_hash")}, ${col("role")}, ${col("created_at")})
        select ${username}, ${passwordHash}, 'admin', ${param(new Date(), u.createdAt)}
        where not exists (select 1 from ${u})
        returning ${col("id")}`);
      return row ? { id: Number(row.id) } : undefined;
    },

    async insertUser(username: string, passwordHash: string, role: Role): Promise<{ id: number }> {
      const [row] = await db.insert(u).values({ username, passwordHash, role }).returning({ id: u.id });
      return row!;
    },

    /**
     * Creates an account for a single sign-on identity, without a password: an admin when it is the installation's
     * first account (decided in the same statement), else `role`. Undefined when the name is taken meanwhile.
     */
    async insertOidcUser(
      user: { username: string; issuer: string; subject: string },
      role: Role,
    ): Promise<{ id: number; role: Role } | undefined> {
      const [row] = await rows<{ id: number; role: Role }>(sql`
        insert into ${u} (${col("username")}, ${col("password_hash")}, ${col("role")}, ${col("oidc_issuer")}, ${col("oidc_subject")}, ${col("created_at")})
        select ${user.username}, '', case when exists (select 1 from ${u}) then ${role} else 'admin' end,
          ${user.issuer}, ${user.subject}, ${param(new Date(), u.createdAt)}
        where not exists (select 1 from ${u} where ${col("username")} = ${user.username})
        returning ${col("id")}, ${col("role")}`);
      return row ? { id: Number(row.id), role: row.role } : undefined;
    },

    async updatePassword(id: number, passwordHash: string): Promise<void> {
      await db.update(u).set({ passwordHash }).where(eq(u.id, id));
    },

    /** Changes a role unless that would leave no admin; returns whether it changed. */
    async setRole(id: number, role: Role): Promise<boolean> {
      const keepsAnAdmin = role === "admin" ? sql`true` : sql`(${u.role} <> 'admin' or ${anotherAdmin(id)})`;
      const changed = await db
        .update(u)
        .set({ role })
        .where(and(eq(u.id, id), ne(u.role, role), keepsAnAdmin))
        .returning({ id: u.id });
      return changed.length > 0;
    },

    /** Deletes an account (its sessions and tokens go with it) unless it is the last admin; returns whether it went. */
    async delete(id: number): Promise<boolean> {
      const gone = await db
        .delete(u)
        .where(and(eq(u.id, id), sql`(${u.role} <> 'admin' or ${anotherAdmin(id)})`))
        .returning({ id: u.id });
      return gone.length > 0;
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
