/** Builds the PageContext that every view receives. */

import type { PageContext } from "../../views/layout";
import type { SessionUser } from "../auth/auth.service";
import type { AppContext } from "./context";

export type PageContextFactory = (request: Request, user: SessionUser | null) => PageContext;

export function pageContextFactory(ctx: AppContext): PageContextFactory {
  const base = ctx.config.server.base_url;
  return (request, user) => {
    const pathname = new URL(request.url).pathname;
    const path = base && pathname.startsWith(base) ? pathname.slice(base.length) || "/" : pathname;
    return { base, user, path, version: ctx.build.version, timezone: ctx.config.server.timezone };
  };
}

/**
 * Only paths of this site under the base URL are followed after sign-in, percent-encoded so that any page name
 * (`/日本`) makes a valid Location header.
 */
export function safeNext(base: string, next: string | undefined): string {
  const home = `${base}/`;
  if (!next?.startsWith(home) || next.startsWith("//") || /[\\\s]/.test(next)) return home;
  const url = URL.parse(next, "http://next.invalid");
  if (url?.host !== "next.invalid") return home;
  const path = url.pathname + url.search;
  return path.startsWith(home) ? path : home;
}
