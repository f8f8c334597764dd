/**
 * Who may do what, decided here once for every protected route (the `api` and `page` guards of session.plugin.ts
 * call accessProblem before a route reads its body or runs). A route says only what kind of route it is:
 *
 * - an ordinary route (`api: true`, `page: true`): anyone signed in may read (GET, HEAD); a state-changing method
 *   needs an admin, and an API token needs the write scope.
 * - `"account"`: the caller's own sign-ins (password, sessions, tokens, signing out): viewers may use them too, but
 *   an API token may only read them, so a leaked token cannot mint more tokens or lock its owner out.
 * - `"admin"`: user management: admins only, and never with an API token.
 */
import type { Identity } from "./identity";

export const ROLES = ["admin", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const TOKEN_SCOPES = ["read", "write"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export type RouteAccess = true | "account" | "admin";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const isReadMethod = (method: string) => READ_METHODS.has(method);

/** Whether the identity may change things on ordinary routes: an admin, and not through a read-only token. */
export const canChange = (identity: Identity) =>
  identity.user.role === "admin" && !(identity.via === "token" && identity.tokenScope === "read");

/** Why `identity` may not make this request, or null when it may. */
export function accessProblem(identity: Identity, access: RouteAccess, method: string): string | null {
  const token = identity.via === "token";
  if (access === "admin") {
    if (token) return "API tokens cannot manage users: sign in as an administrator";
    return identity.user.role === "admin" ? null : "only an administrator can manage users";
  }
  if (isReadMethod(method)) return null;
  if (access === "account")
    return token ? "API tokens cannot change sign-ins, sessions or tokens: sign in to do that" : null;
  if (token && identity.tokenScope === "read") return "this API token is read-only";
  return identity.user.role === "admin" ? null : "your account can view but not change anything (viewer)";
}
