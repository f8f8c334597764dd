/** The Speed Test page and its htmx fragments (server picker, run, cancel, results table). */
import { Elysia } from "elysia";
import { alert } from "../../views/components/form";
import { iperfServersCard } from "../../views/speedtest/iperf-servers";
import { savedServerSelect, speedtestPage } from "../../views/speedtest/page";
import { resultsTable } from "../../views/speedtest/results-table";
import { schedulesCard } from "../../views/speedtest/schedules";
import { serverList } from "../../views/speedtest/servers";
import type { SessionUser } from "../auth/auth.service";
import type { SessionPlugin } from "../auth/session.plugin";
import { AppError, BadInput } from "../core/errors";
import { fragmentResponse, html, htmlResponse } from "../core/html";
import { pageWindow } from "../core/pagination";
import { PROVIDERS } from "../measure/providers/registry";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";
import type { IperfServersService } from "./iperf-servers.service";
import type { SchedulesService } from "./schedules.service";
import type { SpeedtestRepository } from "./speedtest.repository";
import {
  idParams,
  iperfServerForm,
  resultsQuery,
  runForm,
  serversQuery,
  TEST_TYPES,
  type TestOptions,
} from "./speedtest.schema";
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
  iperfServers: IperfServersService,
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

  /** The saved-server card; a change also refreshes the run form's choice of saved servers (HX-Trigger). */
  const serversCard = async (
    request: Request,
    user: SessionUser,
    extra: Omit<Parameters<typeof iperfServersCard>[1], "servers"> = {},
    status = 200,
  ) =>
    fragmentResponse(iperfServersCard(page(request, user), { servers: await iperfServers.list(), ...extra }), {
      status,
      headers: status === 200 ? { "hx-trigger": "iperf-servers-changed" } : {},
    });

  return new Elysia({ name: "speedtest.pages", seed: ctx.instanceId }).use(session).guard({ page: true }, (app) =>
    app
      .get("/speedtest", async ({ request, user }) => {
        const pageCtx = page(request, user);
        const saved = await iperfServers.list();
        return htmlResponse(
          speedtestPage(pageCtx, {
            current: service.current(),
            iperfServers: saved,
            iperfServersCard: iperfServersCard(pageCtx, { servers: saved }),
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
          const url = `${ctx.config.server.base_url}/speedtest/servers?testType=${testType}`;
          try {
            return fragmentResponse(serverList(testType, await service.listServers(testType, request.signal), url));
          } catch (e) {
            ctx.log.warn("server list failed", { testType, error: (e as Error).message });
            return fragmentResponse(serverList(testType, [], url, (e as Error).message));
          }
        },
        { query: serversQuery },
      )
      .post(
        "/speedtest/run",
        async ({ body }) => {
          try {
            const { done } = await service.start(formToOptions(body), { scheduled: false });
            // The live card shows the run and its outcome from the event stream; an earlier message is cleared.
            done.catch(() => {});
            return fragmentResponse(html``);
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            return fragmentResponse(alert("error", e.message), { status: e.status });
          }
        },
        { body: runForm },
      )
      // The live card says "Cancelling…" until the stream reports the end; only a cancel that came too late is news.
      .post("/speedtest/cancel", () =>
        fragmentResponse(service.cancel() ? html`` : alert("warn", "No test is running: it had already ended.")),
      )
      .get("/speedtest/iperf-servers/select", async () =>
        fragmentResponse(savedServerSelect(await iperfServers.list())),
      )
      .post(
        "/speedtest/iperf-servers",
        async ({ body, request, user }) => {
          try {
            const port = body.port?.trim() ? Number(body.port) : undefined;
            if (port !== undefined && !Number.isInteger(port))
              throw new BadInput("port: must be between 1 and 65535", "port");
            const saved = await iperfServers.save({ name: body.name, host: body.host, port });
            return serversCard(request, user, { notice: `Saved ${saved.name}.` });
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            return serversCard(request, user, { error: e, values: body }, e.status);
          }
        },
        { body: iperfServerForm },
      )
      .delete(
        "/speedtest/iperf-servers/:id",
        async ({ params, request, user }) => {
          await iperfServers.remove(params.id);
          return serversCard(request, user, { notice: "Server deleted; its results stay." });
        },
        { params: idParams },
      )
      .get(
        "/speedtest/results",
        async ({ request, user, query }) =>
          fragmentResponse(resultsTable(page(request, user), await resultsPage(query))),
        { query: resultsQuery },
      ),
  );
}
