/** Accounts, API tokens, sessions, and the settings sign-in keeps (the generated session secret). */
import { index, integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, timestampTz, updatedAt } from "./columns";

export const users = pgTable(
  "users",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
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

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    scope: text({ enum: ["read", "write"] }).notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestampTz("last_used_at"),
  },
  (t) => [index("api_tokens_user_idx").on(t.userId)],
);

export const sessions = pgTable(
  "sessions",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    tokenHash: text("token_hash").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    method: text({ enum: ["password", "oidc"] }).notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestampTz("last_seen_at").notNull(),
    expiresAt: timestampTz("expires_at").notNull(),
    clientAddress: text("client_address"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_at_idx").on(t.expiresAt)],
);

export const appSettings = pgTable("app_settings", {
  key: text().primaryKey(),
  value: text().notNull(),
  updatedAt: updatedAt(),
});
