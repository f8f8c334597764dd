/** Schedule routes: the JSON API (/api/schedules, the original's paths and fields) and the page's schedule card. */
import { Elysia } from "elysia";
import type { MachineChoice } from "../../views/components/run-from";
import { schedulesCard } from "../../views/speedtest/schedules";
import type { SessionUser } from "../auth/identity";
import type { SessionPlugin } from "../auth/session.plugin";
import { AppError } from "../core/errors";
import { fragmentResponse } from "../core/html";
import { agentIdOf } from "../hub/run-from";
import { PROVIDERS } from "../measure/providers/registry";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";
import type { SchedulesService, ScheduleView } from "./schedules.service";
import { idParams, scheduleActionParams, scheduleBody, scheduleForm } from "./speedtest.schema";
import { providerOptions } from "./speedtest.service";

export function scheduleJson(s: ScheduleView) {
  return {
    id: s.id,
    serverIds: s.serverIds,
    interval: s.interval,
    description: s.description,
    lastRun: s.lastRun?.toISOString() ?? null,
    nextRun: s.nextRun?.toISOString() ?? null,
    enabled: s.enabled,
    options: { ...s.options, serverIds: s.serverIds },
    createdAt: s.createdAt.toISOString(),
    /** Extension: the agent the schedule runs from; null: this server. */
    agentId: s.options.agentId ?? null,
  };
}

export function schedulesPlugin(
  ctx: AppContext,
  schedules: SchedulesService,
  machines: { choices(): Promise<MachineChoice[]> },
  session: SessionPlugin,
  page: PageContextFactory,
) {
  const timezone = ctx.config.server.timezone;
  const card = async (
    request: Request,
    user: SessionUser,
    extra: { error?: string; notice?: string; interval?: string } = {},
    status = 200,
  ) =>
    fragmentResponse(
      schedulesCard(page(request, user), {
        schedules: await schedules.list(),
        timezone,
        machines: await machines.choices(),
        ...extra,
      }),
      { status },
    );

  return new Elysia({ name: "speedtest.schedules", seed: ctx.instanceId })
    .use(session)
    .guard({ api: true }, (app) =>
      app
        .get("/api/schedules", async () => (await schedules.list()).map(scheduleJson))
        .post("/api/schedules", async ({ body, status }) => status(201, scheduleJson(await schedules.create(body))), {
          body: scheduleBody,
        })
        .put(
          "/api/schedules/:id",
          async ({ params, body }) => ({
            message: "schedule updated",
            schedule: scheduleJson(await schedules.update(params.id, body)),
          }),
          { params: idParams, body: scheduleBody },
        )
        .delete(
          "/api/schedules/:id",
          async ({ params }) => {
            await schedules.remove(params.id);
            return { message: "schedule deleted" };
          },
          { params: idParams },
        ),
    )
    .guard({ page: true }, (app) =>
      app
        .post(
          "/speedtest/schedules",
          async ({ body, request, user }) => {
            try {
              await schedules.create({
                interval: body.interval,
                serverIds: body.serverId?.trim() ? [body.serverId.trim()] : [],
                options: {
                  ...providerOptions(body.provider),
                  serverHost: PROVIDERS[body.provider].target === "host" ? body.serverHost : undefined,
                  enableDownload: body.enableDownload === "on",
                  enableUpload: body.enableUpload === "on",
                  agentId: agentIdOf(body.runFrom),
                },
              });
              return card(request, user, { notice: "Schedule added." });
            } catch (e) {
              if (!(e instanceof AppError)) throw e;
              return card(request, user, { error: e.message, interval: body.interval }, e.status);
            }
          },
          { body: scheduleForm },
        )
        .post(
          "/speedtest/schedules/:id/:action",
          async ({ params, request, user }) => {
            await schedules.setEnabled(params.id, params.action === "resume");
            return card(request, user);
          },
          { params: scheduleActionParams },
        )
        .delete(
          "/speedtest/schedules/:id",
          async ({ params, request, user }) => {
            await schedules.remove(params.id);
            return card(request, user, { notice: "Schedule deleted." });
          },
          { params: idParams },
        ),
    );
}
