/**
 * Packet-loss monitor routes: the JSON API under /api/packetloss/monitors (the
 * original's paths and fields, plus /chart and /events) and the htmx fragments
 * of the monitors panel on the Traceroute page.
 */
import { Elysia } from "elysia";
import {
  hopDataNote,
  hopTable,
  type MonitorFormValues,
  type MonitorFormView,
  monitorDetail,
  monitorForm,
  monitorList,
  monitorResults,
  monitorsPage,
  monitorsPanel,
  type PanelView,
} from "../../../views/diagnostics/monitors";
import type { SessionPlugin } from "../../auth/session.plugin";
import { AppError, BadInput } from "../../core/errors";
import { fragmentResponse, htmlResponse } from "../../core/html";
import { pageWindow } from "../../core/pagination";
import type { AppContext } from "../../server/context";
import type { PageContextFactory } from "../../server/page-context";
import type { MonitorHop } from "./hops";
import { DEFAULT_THRESHOLD, durationText, type MonitorInput } from "./monitors.input";
import { monitorJson, resultDetailJson, resultJson } from "./monitors.json";
import {
  chartQuery,
  detailQuery,
  historyQuery,
  hopNoteQuery,
  listQuery,
  monitorBody,
  monitorForm as monitorFormSchema,
  monitorParams,
  monitorPatch,
  panelQuery,
  resultParams,
} from "./monitors.schema";
import type { MonitorsService, MonitorView } from "./monitors.service";

/** The original's history pages: 25 rows by default, at most 100. */
const HISTORY_PAGE_SIZE = { default_page_size: 25, max_page_size: 100 };
const RESULTS_PER_PAGE = 10;
const EVENTS_LIMIT = 100;

type FormBody = typeof monitorFormSchema.static;

function formNumber(text: string | undefined, field: string, what: string): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new BadInput(`${field}: ${what}`, field);
  return value;
}

/** Turns the panel's form into the service's input. */
function formToInput(f: FormBody): MonitorInput {
  const exact = f.intervalMode === "exact";
  return {
    host: f.host,
    name: f.name,
    interval: exact ? `exact:${f.exactTimes ?? ""}` : f.interval,
    packetCount: formNumber(f.packetCount, "packetCount", "must be a whole number from 1 to 1000"),
    threshold: formNumber(f.threshold, "threshold", "must be a loss percentage from 0 to 100"),
    startImmediately: f.startImmediately === "on",
  };
}

function formValues(f: FormBody): MonitorFormValues {
  return {
    host: f.host,
    name: f.name ?? "",
    interval: f.intervalMode === "exact" ? `exact:${f.exactTimes ?? ""}` : (f.interval ?? "1m"),
    packetCount: f.packetCount ?? "",
    threshold: f.threshold ?? "",
    startImmediately: f.startImmediately === "on",
  };
}

export function monitorsPlugin(
  ctx: AppContext,
  monitors: MonitorsService,
  session: SessionPlugin,
  page: PageContextFactory,
) {
  const settings = ctx.config.packetloss;
  const historyPaging = { ...ctx.config.pagination, ...HISTORY_PAGE_SIZE };
  const blankForm = (host = ""): MonitorFormView => ({
    values: {
      host,
      name: "",
      interval: durationText(settings.default_interval),
      packetCount: settings.default_packet_count,
      threshold: DEFAULT_THRESHOLD,
      startImmediately: true,
    },
  });

  const panelView = async (
    o: { form?: MonitorFormView; selected?: number; notice?: string; error?: string } = {},
  ): Promise<PanelView> => ({
    monitors: await monitors.list(),
    form: o.form ?? blankForm(),
    selected: o.selected,
    notice: o.notice,
    error: o.error,
  });

  const panel = async (
    request: Request,
    user: { id: number; username: string },
    o: { form?: MonitorFormView; selected?: number; notice?: string; error?: string } = {},
    status = 200,
  ) => fragmentResponse(monitorsPanel(page(request, user), await panelView(o)), { status });

  const resultsFragment = async (
    request: Request,
    user: { id: number; username: string },
    monitor: Pick<MonitorView, "id" | "status" | "nextRun">,
    pageNumber = 1,
  ) => {
    const w = pageWindow({ page: pageNumber, limit: RESULTS_PER_PAGE }, historyPaging);
    const { rows, total } = await monitors.history(monitor.id, w.limit, w.offset);
    return monitorResults(page(request, user), {
      monitorId: monitor.id,
      status: monitor.status,
      nextRun: monitor.nextRun,
      rows,
      total,
      page: w.page,
      limit: w.limit,
    });
  };

  const detail = async (request: Request, user: { id: number; username: string }, id: number) => {
    const monitor = await monitors.get(id);
    return monitorDetail(page(request, user), { monitor, results: await resultsFragment(request, user, monitor) });
  };

  /** Runs a panel action; a domain error is shown in the panel instead of failing the swap. */
  const act = async (
    request: Request,
    user: { id: number; username: string },
    action: () => Promise<{ notice: string; selected?: number }>,
  ) => {
    try {
      const { notice, selected } = await action();
      return panel(request, user, { notice, selected });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return panel(request, user, { error: e.message }, e.status);
    }
  };

  return new Elysia({ name: "monitors", seed: ctx.instanceId })
    .use(session)
    .guard({ api: true }, (app) =>
      app
        .get("/api/packetloss/monitors", async () => (await monitors.list()).map(monitorJson))
        .post(
          "/api/packetloss/monitors",
          async ({ body, status }) => status(201, monitorJson(await monitors.create(body))),
          {
            body: monitorBody,
          },
        )
        .put(
          "/api/packetloss/monitors/:id",
          async ({ params, body }) => monitorJson(await monitors.update(params.id, body)),
          { params: monitorParams, body: monitorPatch },
        )
        .delete(
          "/api/packetloss/monitors/:id",
          async ({ params, status }) => {
            await monitors.remove(params.id);
            return status(204, "");
          },
          { params: monitorParams },
        )
        .get("/api/packetloss/monitors/:id/status", ({ params }) => monitors.status(params.id), {
          params: monitorParams,
        })
        .get(
          "/api/packetloss/monitors/:id/history",
          async ({ params, query }) => {
            const w = pageWindow(query, historyPaging);
            const { rows, total } = await monitors.history(params.id, w.limit, w.offset);
            return { data: rows.map(resultJson), total, page: w.page, limit: w.limit };
          },
          { params: monitorParams, query: historyQuery },
        )
        .get(
          "/api/packetloss/monitors/:id/history/:resultId",
          async ({ params }) => {
            const { monitor, result } = await monitors.result(params.id, params.resultId);
            return resultDetailJson(result, monitor.host);
          },
          { params: resultParams },
        )
        .post(
          "/api/packetloss/monitors/:id/start",
          async ({ params, status }) => {
            const { monitor, queued } = await monitors.start(params.id);
            return status(202, {
              message: queued ? "monitor started; a test is queued" : "monitor started; a test is already under way",
              monitor: monitorJson(monitor),
            });
          },
          { params: monitorParams },
        )
        .post(
          "/api/packetloss/monitors/:id/stop",
          async ({ params }) => ({ message: "monitor stopped", monitor: monitorJson(await monitors.stop(params.id)) }),
          { params: monitorParams },
        )
        .get(
          "/api/packetloss/monitors/:id/chart",
          async ({ params, query }) => {
            const { plan, points, summary } = await monitors.chart(params.id, query.timeRange ?? "1d");
            return {
              timeRange: plan.range,
              resolution: plan.source,
              stepSeconds: plan.stepSeconds,
              from: new Date(plan.from).toISOString(),
              to: new Date(plan.to).toISOString(),
              summary,
              points,
            };
          },
          { params: monitorParams, query: chartQuery },
        )
        .get(
          "/api/packetloss/monitors/:id/events",
          async ({ params }) =>
            (await monitors.events(params.id, EVENTS_LIMIT)).map((e) => ({
              id: e.id,
              monitorId: e.monitorId,
              fromState: e.fromState,
              toState: e.toState,
              packetLoss: e.packetLoss,
              createdAt: e.createdAt.toISOString(),
            })),
          { params: monitorParams },
        ),
    )
    .guard({ page: true }, (app) =>
      app
        .get(
          "/monitors",
          async ({ request, user, query }) =>
            htmlResponse(monitorsPage(page(request, user), await panelView({ form: blankForm(query.host?.trim()) }))),
          { query: panelQuery },
        )
        .get(
          "/monitors/list",
          async ({ request, user, query }) =>
            fragmentResponse(monitorList(page(request, user), await monitors.list(), query.selected)),
          { query: listQuery },
        )
        .get("/monitors/new", ({ request, user }) => fragmentResponse(monitorForm(page(request, user), blankForm())))
        .get(
          "/monitors/hop-note",
          ({ query }) => {
            const interval =
              query.intervalMode === "exact" ? `exact:${query.exactTimes ?? ""}` : (query.interval ?? "");
            return fragmentResponse(hopDataNote(monitors.hopDataNote(interval, Number(query.packetCount))));
          },
          { query: hopNoteQuery },
        )
        .post(
          "/monitors",
          async ({ body, request, user }) => {
            try {
              const created = await monitors.create(formToInput(body));
              return panel(request, user, { notice: `Monitor ${created.name} added.`, selected: created.id });
            } catch (e) {
              if (!(e instanceof AppError)) throw e;
              return panel(request, user, { form: { values: formValues(body), error: e } }, e.status);
            }
          },
          { body: monitorFormSchema },
        )
        .get(
          "/monitors/:id/edit",
          async ({ params, request, user }) => {
            const m = await monitors.get(params.id);
            return fragmentResponse(
              monitorForm(page(request, user), {
                id: m.id,
                values: {
                  host: m.host,
                  name: m.name,
                  interval: m.interval,
                  packetCount: m.packetCount,
                  threshold: m.threshold,
                  startImmediately: false,
                },
              }),
            );
          },
          { params: monitorParams },
        )
        .post(
          "/monitors/:id",
          async ({ params, body, request, user }) => {
            try {
              const updated = await monitors.update(params.id, formToInput(body));
              return panel(request, user, { notice: `Monitor ${updated.name} saved.`, selected: updated.id });
            } catch (e) {
              if (!(e instanceof AppError)) throw e;
              return panel(request, user, { form: { id: params.id, values: formValues(body), error: e } }, e.status);
            }
          },
          { params: monitorParams, body: monitorFormSchema },
        )
        .post(
          "/monitors/:id/start",
          ({ params, request, user }) =>
            act(request, user, async () => {
              const { monitor } = await monitors.start(params.id);
              return { notice: `Monitor ${monitor.name} started.`, selected: monitor.id };
            }),
          { params: monitorParams },
        )
        .post(
          "/monitors/:id/stop",
          ({ params, request, user }) =>
            act(request, user, async () => {
              const monitor = await monitors.stop(params.id);
              return { notice: `Monitor ${monitor.name} stopped.`, selected: monitor.id };
            }),
          { params: monitorParams },
        )
        .delete(
          "/monitors/:id",
          ({ params, request, user }) =>
            act(request, user, async () => {
              await monitors.remove(params.id);
              return { notice: "Monitor deleted." };
            }),
          { params: monitorParams },
        )
        .get(
          "/monitors/:id",
          async ({ params, request, user }) => {
            const view = await panelView({ selected: params.id });
            return htmlResponse(
              monitorsPage(page(request, user), { ...view, detail: await detail(request, user, params.id) }),
            );
          },
          { params: monitorParams },
        )
        .get(
          "/monitors/:id/detail",
          async ({ params, request, user }) => fragmentResponse(await detail(request, user, params.id)),
          { params: monitorParams },
        )
        .get(
          "/monitors/:id/results",
          async ({ params, query, request, user }) =>
            fragmentResponse(await resultsFragment(request, user, await monitors.get(params.id), query.page)),
          { params: monitorParams, query: detailQuery },
        )
        .get(
          "/monitors/:id/results/:resultId/hops",
          async ({ params }) => {
            const { result } = await monitors.result(params.id, params.resultId);
            return fragmentResponse(hopTable((result.hops as MonitorHop[] | null) ?? []));
          },
          { params: resultParams },
        ),
    );
}
