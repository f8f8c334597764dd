/**
 * What Netronome takes from a provider's claims: the username (`preferred_username`, else `name`, else `sub`, made
 * to fit the username rules), the groups (from a configurable claim), and whether the person may sign in at all.
 */
import { USERNAME_MAX } from "../auth.schema";

export type Claims = Readonly<Record<string, unknown>>;

const DISALLOWED = /[^\p{L}\p{N}._@+-]+/gu;

/** A claim value as a username: disallowed characters become "-", trimmed to the length limit; "" when none is left. */
export function usernameFrom(raw: unknown): string {
  if (typeof raw !== "string") return "";
  return raw
    .normalize("NFC")
    .trim()
    .replace(DISALLOWED, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, USERNAME_MAX);
}

/** The username for a provider's claims, by the first claim that yields one. */
export function usernameFor(claims: Claims): string {
  for (const claim of ["preferred_username", "name", "sub"]) {
    const name = usernameFrom(claims[claim]);
    if (name) return name;
  }
  return "user";
}

/** `name`, `name-2`, `name-3`… within the length limit, for when a name is already taken. */
export function numberedUsername(base: string, n: number): string {
  if (n <= 1) return base;
  const suffix = `-${n}`;
  return base.slice(0, USERNAME_MAX - suffix.length) + suffix;
}

/** The groups at a dotted claim path (`groups`, `realm_access.roles`): a list of strings, or one string. */
export function groupsOf(claims: Claims, path: string): string[] {
  let value: unknown = claims;
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return [];
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === "string") : [];
}

export interface Admission {
  allowedUsers: readonly string[];
  allowedGroups: readonly string[];
}

/**
 * Whether the person may sign in: without lists, anyone the provider signs in; otherwise someone named in
 * `allowedUsers` (by `preferred_username` or `sub`, exactly as the provider sends them) or a member of one of
 * `allowedGroups`. Never by the username made from the claims: that may come from `name`, which people choose
 * themselves, and it folds distinct names together ("alice-", " alice" and "alice/" all become "alice").
 */
export function admitted(rule: Admission, claims: Claims, groups: readonly string[]): boolean {
  if (rule.allowedUsers.length === 0 && rule.allowedGroups.length === 0) return true;
  const names = [claims.preferred_username, claims.sub].filter((n): n is string => typeof n === "string");
  if (names.some((n) => rule.allowedUsers.includes(n))) return true;
  return groups.some((g) => rule.allowedGroups.includes(g));
}
