/** The dashboard page: latest figures, history chart, recent results. */
import { Elysia } from "elysia";
import { dashboardPage } from "../../views/dashboard/dashboard";
import { resultsTable } from "../../views/speedtest/results-table";
import type { SessionPlugin } from "../auth/session.plugin";
import { htmlResponse } from "../core/html";
import { pageWindow } from "../core/pagination";
import { canonicalRange } from "../core/time-range";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";
import type { SpeedtestRepository } from "../speedtest/speedtest.repository";

export function dashboardPlugin(
  ctx: AppContext,
  speedtests: SpeedtestRepository,
  session: SessionPlugin,
  page: PageContextFactory,
) {
  return new Elysia({ name: "dashboard", seed: ctx.instanceId }).use(session).get(
    "/",
    async ({ request, user }) => {
      const pageCtx = page(request, user);
      const w = pageWindow({ limit: ctx.config.pagination.default_limit }, ctx.config.pagination);
      const [[latest, previous], servers, history] = await Promise.all([
        speedtests.latestSuccessful(2),
        speedtests.distinctServers(),
        speedtests.history({}, w.limit, 0),
      ]);
      return htmlResponse(
        dashboardPage(pageCtx, {
          latest,
          previous,
          servers,
          defaultRange: canonicalRange(ctx.config.pagination.default_time_range),
          results: resultsTable(pageCtx, { ...history, page: 1, limit: w.limit }),
        }),
      );
    },
    { page: true },
  );
}
