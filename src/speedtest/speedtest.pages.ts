/** The Speed Test page and its htmx fragments (server picker, run, cancel, results table). */
import { Elysia } from "elysia";
import { alert } from "../../views/components/form";
import { speedtestPage } from "../../views/speedtest/page";
import { resultsTable } from "../../views/speedtest/results-table";
import { schedulesCard } from "../../views/speedtest/schedules";
import { serverList } from "../../views/speedtest/servers";
import type { SessionPlugin } from "../auth/session.plugin";
import { AppError, BadInput } from "../core/errors";
import { fragmentResponse, htmlResponse } from "../core/html";
import { pageWindow } from "../core/pagination";
import { PROVIDERS } from "../measure/providers/registry";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";
import type { SchedulesService } from "./schedules.service";
import type { SpeedtestRepository } from "./speedtest.repository";
import { resultsQuery, runForm, serversQuery, TEST_TYPES, type TestOptions } from "./speedtest.schema";
import { providerOptions, type SpeedtestService } from "./speedtest.service";

type RunForm = typeof runForm.static;

/** Turns the page's form into the API's TestOptions. */
export function formToOptions(f: RunForm): TestOptions {
  const provider = PROVIDERS[f.provider];
  const manual = provider.manualServerId ? f.serverIdManual?.trim() : undefined;
  if (manual && !provider.manualServerId?.pattern.test(manual))
    throw new BadInput(`serverIdManual: ${provider.manualServerId?.problem}`, "serverIdManual");
  const chosen = provider.target === "servers" ? manual || f[`serverId-${f.provider}`] : undefined;
  const options: TestOptions = {
    ...providerOptions(f.provider),
    serverIds: chosen ? [chosen] : [],
    serverHost: provider.target === "host" ? f.serverHost : undefined,
    useUdp: f.useUdp === "on",
    enableDownload: f.enableDownload === "on",
    enableUpload: f.enableUpload === "on",
  };
  if (!options.enableDownload && !options.enableUpload)
    throw new BadInput("enableDownload: choose download, upload or both", "enableDownload");
  return options;
}

export function speedtestPages(
  ctx: AppContext,
  service: SpeedtestService,
  repo: SpeedtestRepository,
  schedules: SchedulesService,
  session: SessionPlugin,
  page: PageContextFactory,
) {
  const resultsPage = async (query: { page?: number; limit?: number }) => {
    const w = pageWindow(
      { page: query.page, limit: query.limit ?? ctx.config.pagination.default_limit },
      ctx.config.pagination,
    );
    const { rows, total } = await repo.history({}, w.limit, w.offset);
    return { rows, total, page: w.page, limit: w.limit };
  };

  return new Elysia({ name: "speedtest.pages", seed: ctx.instanceId }).use(session).guard({ page: true }, (app) =>
    app
      .get("/speedtest", async ({ request, user }) => {
        const pageCtx = page(request, user);
        return htmlResponse(
          speedtestPage(pageCtx, {
            current: service.current(),
            iperfServers: await repo.listIperfServers(),
            schedules: schedulesCard(pageCtx, {
              schedules: await schedules.list(),
              timezone: ctx.config.server.timezone,
            }),
            results: resultsTable(pageCtx, await resultsPage({})),
          }),
        );
      })
      .get(
        "/speedtest/servers",
        async ({ query, request }) => {
          const testType = query.testType ?? TEST_TYPES[0];
          try {
            return fragmentResponse(serverList(testType, await service.listServers(testType, request.signal)));
          } catch (e) {
            ctx.log.warn("server list failed", { testType, error: (e as Error).message });
            return fragmentResponse(serverList(testType, [], (e as Error).message));
          }
        },
        { query: serversQuery },
      )
      .post(
        "/speedtest/run",
        async ({ body }) => {
          try {
            const { done } = await service.start(formToOptions(body), { scheduled: false });
            // The outcome reaches the page over the event stream; nothing waits for it here.
            done.catch(() => {});
            return fragmentResponse(alert("info", "Test started."));
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            return fragmentResponse(alert("error", e.message), { status: e.status });
          }
        },
        { body: runForm },
      )
      .post("/speedtest/cancel", () =>
        fragmentResponse(service.cancel() ? alert("info", "Cancelling…") : alert("warn", "No test is running.")),
      )
      .get(
        "/speedtest/results",
        async ({ request, user, query }) =>
          fragmentResponse(resultsTable(page(request, user), await resultsPage(query))),
        { query: resultsQuery },
      ),
  );
}
