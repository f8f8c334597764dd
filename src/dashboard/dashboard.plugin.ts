/** The dashboard page and its live fragments: latest figures, monitor overview, history chart, recent results. */
import { Elysia } from "elysia";
import { type DashboardView, dashboardPage, dashboardSummary, type SummaryView } from "../../views/dashboard/dashboard";
import { monitorsSummary } from "../../views/dashboard/monitors-summary";
import { resultsTable } from "../../views/speedtest/results-table";
import type { SessionPlugin } from "../auth/session.plugin";
import { fragmentResponse, htmlResponse } from "../core/html";
import { pageWindow } from "../core/pagination";
import { canonicalRange } from "../core/time-range";
import type { MonitorsService } from "../diagnostics/monitors/monitors.service";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";
import type { SpeedtestRepository } from "../speedtest/speedtest.repository";

export function dashboardPlugin(
  ctx: AppContext,
  speedtests: SpeedtestRepository,
  monitors: MonitorsService,
  session: SessionPlugin,
  page: PageContextFactory,
) {
  /** The latest test's server, each figure's newest value there and the one before (for the change). */
  const summary = async (): Promise<SummaryView> => {
    const [latest] = await speedtests.latestSuccessful(1);
    if (!latest) return { latest, figures: { download: [], upload: [], latency: [], jitter: [] } };
    const [download, upload, latency, jitter] = await Promise.all(
      (["downloadMbps", "uploadMbps", "latencyMs", "jitterMs"] as const).map((figure) =>
        speedtests.latestValues(figure, latest),
      ),
    );
    return { latest, figures: { download: download!, upload: upload!, latency: latency!, jitter: jitter! } };
  };

  return new Elysia({ name: "dashboard", seed: ctx.instanceId }).use(session).guard({ page: true }, (app) =>
    app
      .get("/", async ({ request, user }) => {
        const pageCtx = page(request, user);
        const w = pageWindow({ limit: ctx.config.pagination.default_limit }, ctx.config.pagination);
        const [figures, servers, history, overview] = await Promise.all([
          summary(),
          speedtests.distinctServers(),
          speedtests.history({}, w.limit, 0),
          monitors.overview(),
        ]);
        const view: DashboardView = {
          ...figures,
          servers,
          defaultRange: canonicalRange(ctx.config.pagination.default_time_range),
          monitors: monitorsSummary(pageCtx, overview),
          results: resultsTable(pageCtx, { ...history, page: 1, limit: w.limit }),
        };
        return htmlResponse(dashboardPage(pageCtx, view));
      })
      .get("/dashboard/summary", async ({ request, user }) =>
        fragmentResponse(dashboardSummary(page(request, user), await summary())),
      )
      .get("/dashboard/monitors", async ({ request, user }) =>
        fragmentResponse(monitorsSummary(page(request, user), await monitors.overview())),
      ),
  );
}
