/** The notifications JSON API under /api/notifications: the original's paths and fields; secrets never leave. */
import { Elysia } from "elysia";
import type { SessionPlugin } from "../auth/session.plugin";
import type { AppContext } from "../server/context";
import { maskedUrl } from "./channels/index";
import { builtInJson, channelJson, eventJson, historyJson, ruleJson } from "./notify.json";
import {
  channelBody,
  channelPatch,
  eventsQuery,
  historyQuery,
  idParams,
  ruleBody,
  rulePatch,
  rulesQuery,
  testBody,
} from "./notify.schema";
import type { NotifyService } from "./notify.service";

const HISTORY_DEFAULT_LIMIT = 100;

export function notifyApi(ctx: AppContext, notify: NotifyService, session: SessionPlugin) {
  const builtIn = notify.builtIn;
  const builtInChannel = builtIn
    ? builtInJson(builtIn, maskedUrl(builtIn.target.type, builtIn.target.values), ctx.startedAt)
    : null;

  return new Elysia({ name: "notify-api", seed: ctx.instanceId }).use(session).guard({ api: true }, (app) =>
    app
      .get("/api/notifications/channels", async () => [
        ...(builtInChannel ? [builtInChannel] : []),
        ...(await notify.channels()).map((c) => channelJson(c, notify.masked(c))),
      ])
      .post(
        "/api/notifications/channels",
        async ({ body, status }) => {
          const c = await notify.createChannel(body);
          return status(201, channelJson(c, notify.masked(c)));
        },
        { body: channelBody },
      )
      .get(
        "/api/notifications/channels/:id",
        async ({ params }) => {
          if (params.id === 0 && builtInChannel) return builtInChannel;
          const c = await notify.channel(params.id);
          return channelJson(c, notify.masked(c));
        },
        { params: idParams },
      )
      .put(
        "/api/notifications/channels/:id",
        async ({ params, body }) => {
          const c = await notify.updateChannel(params.id, body);
          return channelJson(c, notify.masked(c));
        },
        { params: idParams, body: channelPatch },
      )
      .delete(
        "/api/notifications/channels/:id",
        async ({ params }) => {
          await notify.deleteChannel(params.id);
          return { message: "channel deleted" };
        },
        { params: idParams },
      )
      .get(
        "/api/notifications/events",
        ({ query }) =>
          notify
            .events()
            .filter((e) => !query.category || e.category === query.category)
            .map(eventJson),
        { query: eventsQuery },
      )
      .get("/api/notifications/rules", async ({ query }) => (await notify.rules(query.channel_id)).map(ruleJson), {
        query: rulesQuery,
      })
      .post(
        "/api/notifications/rules",
        async ({ body, status }) => status(201, ruleJson(await notify.createRule(body))),
        {
          body: ruleBody,
        },
      )
      .put(
        "/api/notifications/rules/:id",
        async ({ params, body }) => ruleJson(await notify.updateRule(params.id, body)),
        {
          params: idParams,
          body: rulePatch,
        },
      )
      .delete(
        "/api/notifications/rules/:id",
        async ({ params }) => {
          await notify.deleteRule(params.id);
          return { message: "rule deleted" };
        },
        { params: idParams },
      )
      .post(
        "/api/notifications/test",
        async ({ body, status }) => {
          const o = await notify.test(body);
          return o.ok
            ? { message: `test notification sent to ${o.channel}`, success: true }
            : status(502, { error: "delivery_failed", message: o.error ?? "not delivered", success: false });
        },
        { body: testBody },
      )
      .get(
        "/api/notifications/history",
        async ({ query }) =>
          (await notify.history(query.limit ?? HISTORY_DEFAULT_LIMIT, { channelId: query.channel_id })).map(
            historyJson,
          ),
        { query: historyQuery },
      ),
  );
}
