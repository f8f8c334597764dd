/** Accounts, API tokens, sessions, and the settings sign-in keeps (the generated session secret). */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, timestampMs, updatedAt } from "./columns";

/**
 * Accounts. `role`: an admin may change anything, a viewer only look (and manage their own sign-ins). An account
 * created by single sign-on is bound to its provider's subject (`oidc_issuer`, `oidc_subject`), never matched by
 * name, and has no password (`password_hash` empty).
 */
export const users = sqliteTable(
  "users",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    username: text().notNull().unique(),
    passwordHash: text("password_hash").notNull(),
    role: text({ enum: ["admin", "viewer"] })
      .notNull()
      .default("admin"),
    oidcIssuer: text("oidc_issuer"),
    oidcSubject: text("oidc_subject"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_oidc_subject_idx").on(t.oidcIssuer, t.oidcSubject)],
);

/**
 * Tokens for scripts (`Authorization: Bearer`). Only the SHA-256 of a token is kept; `scope` read or write, further
 * limited by the owner's role. `last_used_at` is written at most once a minute.
 */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    scope: text({ enum: ["read", "write"] }).notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestampMs("last_used_at"),
  },
  (t) => [index("api_tokens_user_idx").on(t.userId)],
);

/**
 * Signed-in browsers and scripts. The token itself is never stored, only its keyed fingerprint; `method` says how
 * the session was signed in. Revoking a session deletes its row; expired rows are pruned hourly.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    tokenHash: text("token_hash").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    method: text({ enum: ["password", "oidc"] }).notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestampMs("last_seen_at").notNull(),
    expiresAt: timestampMs("expires_at").notNull(),
    clientAddress: text("client_address"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_at_idx").on(t.expiresAt)],
);

export const appSettings = sqliteTable("app_settings", {
  key: text().primaryKey(),
  value: text().notNull(),
  updatedAt: updatedAt(),
});
