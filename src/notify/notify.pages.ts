/** Settings → Notifications: the page and its htmx actions (each re-renders #notify with its outcome). */
import { Elysia, t } from "elysia";
import type { RulesView } from "../../views/settings/notification-rules";
import {
  type ChannelFormView,
  channelFields,
  type NotificationsView,
  notificationsPage,
  notifyFragment,
} from "../../views/settings/notifications";
import type { SessionPlugin } from "../auth/session.plugin";
import { AppError } from "../core/errors";
import { fragmentResponse, htmlResponse } from "../core/html";
import type { AppContext } from "../server/context";
import type { PageContextFactory } from "../server/page-context";
import { rowId } from "../server/validation";
import { eventById } from "./catalogue";
import { CHANNEL_TYPES, channelType, checkValues, mergeSecrets, parseChannelUrl } from "./channels/index";
import {
  blankChannel,
  blankRule,
  channelFormOf,
  conditionText,
  cooldownText,
  type Form,
  quietText,
  ruleInput,
  subjectText,
} from "./notify.forms";
import { configRuleKey, ruleKey } from "./notify.repository";
import { idParams } from "./notify.schema";
import type { NotifyService } from "./notify.service";

const HISTORY_ROWS = 50;
const form = t.Record(t.String({ maxLength: 64 }), t.String({ maxLength: 2048 }));
const fieldsQuery = t.Object({ type: t.Optional(t.String({ maxLength: 32 })) }, { additionalProperties: true });
const pageQuery = t.Object({
  edit_channel: t.Optional(rowId("edit_channel")),
  edit_rule: t.Optional(rowId("edit_rule")),
});

type User = { id: number; username: string };

export function notifyPages(ctx: AppContext, notify: NotifyService, session: SessionPlugin, page: PageContextFactory) {
  async function view(
    o: Partial<Pick<NotificationsView, "notice" | "error" | "channelForm">> & { ruleForm?: RulesView["form"] } = {},
  ) {
    const channels = await notify.channels();
    const rules = await notify.rules();
    const names = new Map(channels.map((c) => [c.id, c.name]));
    const firing = (key: string) =>
      notify
        .stateOf(key)
        .filter((s) => s.state.firing)
        .map((s) => subjectText(s.subject));
    const b = notify.builtIn;
    const items: RulesView["items"] = [
      ...(b?.rules ?? []).map((r) => ({
        id: null,
        channel: b!.target.channelName,
        event: r.event.name,
        condition: conditionText(
          r.event.id,
          r.comparison?.operator ?? null,
          r.comparison?.threshold ?? null,
          r.condition,
        ),
        cooldown: cooldownText(r.condition.cooldownMinutes),
        quiet: quietText(r.condition),
        recovery: r.condition.notifyRecovery,
        enabled: true,
        fromConfig: true,
        firing: firing(configRuleKey(r.event.id)),
      })),
      ...rules.map((r) => ({
        id: r.id,
        channel: names.get(r.channelId) ?? "?",
        event: eventById(r.eventId)?.name ?? "?",
        condition: conditionText(r.eventId, r.thresholdOperator, r.thresholdValue, r),
        cooldown: cooldownText(r.cooldownMinutes),
        quiet: quietText(r),
        recovery: r.notifyRecovery && !eventById(r.eventId)?.instant,
        enabled: r.enabled,
        fromConfig: false,
        firing: firing(ruleKey(r.id)),
      })),
    ];
    const history = await notify.history(HISTORY_ROWS);
    return {
      types: CHANNEL_TYPES,
      channels: [
        ...(b
          ? [
              {
                id: 0,
                name: b.target.channelName,
                typeLabel: b.target.type.label,
                url: notify.maskedBuiltIn(),
                enabled: true,
                fromConfig: true,
              },
            ]
          : []),
        ...channels.map((c) => ({
          id: c.id,
          name: c.name,
          typeLabel: channelType(c.type).label,
          url: notify.masked(c).url,
          enabled: c.enabled,
          fromConfig: false,
        })),
      ],
      channelForm: o.channelForm ?? blankChannel(),
      rules: {
        items,
        events: notify.events(),
        channels: channels.map((c) => ({ id: c.id, name: c.name })),
        form: o.ruleForm ?? { values: blankRule(String(channels[0]?.id ?? "")) },
        timezone: ctx.config.server.timezone,
      },
      history: history.map((h) => ({
        at: h.createdAt,
        channel: h.channelName,
        event: eventById(h.eventId)?.name ?? "Test",
        success: h.success,
        attempts: h.attempts,
        error: h.errorMessage,
        message: h.payload,
      })),
      notice: o.notice,
      error: o.error,
    } satisfies NotificationsView;
  }

  /** Runs an action and answers with #notify (htmx) or the whole page; a domain error is shown, the form kept. */
  async function act(
    request: Request,
    user: User,
    headers: Record<string, string | undefined>,
    run: () => Promise<string>,
    keep: Parameters<typeof view>[0] = {},
  ) {
    let o: Parameters<typeof view>[0];
    let status = 200;
    try {
      o = { notice: await run() };
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      o = { ...keep, error: e.message };
      status = e.status;
    }
    const pageCtx = page(request, user);
    const v = await view(o);
    return headers["hx-request"]
      ? fragmentResponse(notifyFragment(pageCtx, v), { status })
      : htmlResponse(notificationsPage(pageCtx, v), { status });
  }

  /** The channel URL a form describes: a pasted URL, or the type's fields (secrets left empty keep the saved ones). */
  async function urlFromForm(f: Form, id?: number): Promise<string> {
    if (f.url?.trim()) return f.url.trim();
    const type = channelType(f.type ?? "");
    let values = Object.fromEntries(type.fields.map((field) => [field.key, f[`v.${field.key}`] ?? ""]));
    if (id !== undefined) {
      const stored = parseChannelUrl((await notify.channel(id)).url);
      if (stored.type.id === type.id) values = mergeSecrets(type, values, stored.values);
    }
    return type.format(checkValues(type, values));
  }

  return new Elysia({ name: "notify-pages", seed: ctx.instanceId }).use(session).guard({ page: true }, (app) =>
    app
      .get(
        "/settings/notifications",
        async ({ request, user, query }) => {
          let channelForm: ChannelFormView | undefined;
          let ruleForm: RulesView["form"] | undefined;
          if (query.edit_channel) {
            const c = await notify.channel(query.edit_channel);
            const { type, values } = parseChannelUrl(c.url);
            channelForm = { id: c.id, name: c.name, typeId: type.id, values, enabled: c.enabled };
          }
          if (query.edit_rule) {
            const r = (await notify.rules()).find((x) => x.id === query.edit_rule);
            if (r)
              ruleForm = {
                id: r.id,
                values: {
                  channel_id: String(r.channelId),
                  event_id: String(r.eventId),
                  threshold_value: r.thresholdValue === null ? "" : String(r.thresholdValue),
                  threshold_operator: r.thresholdOperator ?? "",
                  min_breaches: String(r.minBreaches),
                  window_size: String(r.windowSize),
                  cooldown_minutes: String(r.cooldownMinutes),
                  quiet_start: r.quietStart ?? "",
                  quiet_end: r.quietEnd ?? "",
                  notify_recovery: r.notifyRecovery,
                  enabled: r.enabled,
                },
              };
          }
          return htmlResponse(notificationsPage(page(request, user), await view({ channelForm, ruleForm })));
        },
        { query: pageQuery },
      )
      .get(
        "/settings/notifications/channel-fields",
        ({ query }) => {
          const type = CHANNEL_TYPES.find((c) => c.id === query.type) ?? CHANNEL_TYPES[0];
          return fragmentResponse(channelFields(type, { ...blankChannel(), typeId: type.id }));
        },
        { query: fieldsQuery },
      )
      .post(
        "/settings/notifications/channels",
        async ({ request, user, headers, body }) =>
          act(
            request,
            user,
            headers,
            async () => {
              const c = await notify.createChannel({
                name: body.name ?? "",
                url: await urlFromForm(body),
                enabled: body.enabled === "on",
              });
              return `Channel “${c.name}” added. Add rules below to choose what it hears about.`;
            },
            { channelForm: channelFormOf(body) },
          ),
        { body: form },
      )
      .post(
        "/settings/notifications/channels/:id",
        async ({ request, user, headers, body, params }) =>
          act(
            request,
            user,
            headers,
            async () => {
              const c = await notify.updateChannel(params.id, {
                name: body.name ?? "",
                url: await urlFromForm(body, params.id),
                enabled: body.enabled === "on",
              });
              return `Channel “${c.name}” saved.`;
            },
            { channelForm: channelFormOf(body, params.id) },
          ),
        { body: form, params: idParams },
      )
      .post(
        "/settings/notifications/channels/:id/delete",
        async ({ request, user, headers, params }) =>
          act(request, user, headers, async () => {
            const c = await notify.channel(params.id);
            await notify.deleteChannel(params.id);
            return `Channel “${c.name}” and its rules deleted.`;
          }),
        { params: idParams },
      )
      .post(
        "/settings/notifications/channels/:id/test",
        async ({ request, user, headers, params }) =>
          act(request, user, headers, async () => {
            const o = await notify.test({ channel_id: params.id });
            if (!o.ok) throw new AppError(502, "delivery_failed", `The test to “${o.channel}” failed: ${o.error}`);
            return `Test notification delivered to “${o.channel}”.`;
          }),
        { params: idParams },
      )
      .post(
        "/settings/notifications/rules",
        async ({ request, user, headers, body }) =>
          act(
            request,
            user,
            headers,
            async () => {
              await notify.createRule({
                channel_id: Number(body.channel_id),
                event_id: Number(body.event_id),
                ...ruleInput(body),
              });
              return `Rule added: ${eventById(Number(body.event_id))?.name ?? "event"}.`;
            },
            {
              ruleForm: {
                values: {
                  ...blankRule(),
                  ...body,
                  notify_recovery: body.notify_recovery === "on",
                  enabled: body.enabled === "on",
                },
              },
            },
          ),
        { body: form },
      )
      .post(
        "/settings/notifications/rules/:id",
        async ({ request, user, headers, body, params }) =>
          act(
            request,
            user,
            headers,
            async () => {
              await notify.updateRule(params.id, ruleInput(body));
              return "Rule saved.";
            },
            {
              ruleForm: {
                id: params.id,
                values: {
                  ...blankRule(),
                  ...body,
                  notify_recovery: body.notify_recovery === "on",
                  enabled: body.enabled === "on",
                },
              },
            },
          ),
        { body: form, params: idParams },
      )
      .post(
        "/settings/notifications/rules/:id/delete",
        async ({ request, user, headers, params }) =>
          act(request, user, headers, async () => {
            await notify.deleteRule(params.id);
            return "Rule deleted.";
          }),
        { params: idParams },
      ),
  );
}
