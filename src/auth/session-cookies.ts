/**
 * The cookies sign-in uses, read from and written to raw headers (no framework state involved): the session token
 * and `login_next`, where to return after signing in.
 */
export const SESSION_COOKIE = "session";
/**
 * Set when a page sends an anonymous visitor to the sign-in page: a cookie scoped to the sign-in path rather than a
 * query parameter, so that the sign-in page is one static document.
 */
export const NEXT_COOKIE = "login_next";
const NEXT_TTL_SECONDS = 600;
/** Longer pages (a path with a huge query string) are not remembered: signing in leads to the dashboard. */
export const NEXT_MAX_LENGTH = 2048;

export interface CookieScope {
  /** The base URL ("" or "/sub"). */
  base: string;
  /** Whether the client uses HTTPS (then cookies carry Secure). */
  https: boolean;
}

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  try {
    return new Bun.CookieMap(header).get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

const cookie = (name: string, value: string, path: string, maxAge: number, https: boolean) =>
  new Bun.Cookie(name, value, { path, maxAge, httpOnly: true, secure: https, sameSite: "lax" }).serialize();

export const sessionCookie = (scope: CookieScope, token: string, maxAgeSeconds: number) =>
  cookie(SESSION_COOKIE, token, scope.base || "/", maxAgeSeconds, scope.https);

export const clearedSessionCookie = (scope: CookieScope) =>
  cookie(SESSION_COOKIE, "", scope.base || "/", 0, scope.https);

/** Remembers `next` for after sign-in; null when there is nothing worth remembering. */
export function nextCookie(scope: CookieScope, next: string): string | null {
  // The dashboard is where signing in leads anyway.
  if (next === `${scope.base}/` || next === scope.base || next.length > NEXT_MAX_LENGTH) return null;
  return cookie(NEXT_COOKIE, next, `${scope.base}/login`, NEXT_TTL_SECONDS, scope.https);
}

export const clearedNextCookie = (scope: CookieScope) => cookie(NEXT_COOKIE, "", `${scope.base}/login`, 0, scope.https);

/** A response with cookies added. */
export function withCookies(response: Response, cookies: readonly (string | null)[]): Response {
  for (const c of cookies) if (c) response.headers.append("set-cookie", c);
  return response;
}
