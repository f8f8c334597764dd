/** The dashboard page. */
import { Elysia } from "elysia";
import { dashboardPage } from "../../views/dashboard/dashboard";
import type { SessionPlugin } from "../auth/session.plugin";
import { htmlResponse } from "../core/html";
import { formatDuration } from "../core/time";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";

export function dashboardPlugin(ctx: AppContext, session: SessionPlugin, page: PageContextFactory) {
  return new Elysia({ name: "dashboard", seed: ctx.instanceId }).use(session).get(
    "/",
    ({ request, user }) =>
      htmlResponse(
        dashboardPage(page(request, user), {
          database: ctx.db.dialect === "sqlite" ? "SQLite" : "PostgreSQL",
          uptime: formatDuration((Date.now() - ctx.startedAt.getTime()) / 1000),
        }),
      ),
    { page: true },
  );
}
