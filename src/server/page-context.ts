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

/** Only same-site paths under the base URL are followed after sign-in. */
export function safeNext(base: string, next: string | undefined): string {
  if (next?.startsWith(`${base}/`) && !next.startsWith("//") && !/[\\\s]/.test(next)) return next;
  return `${base}/`;
}
