/** Request shapes of the notifications API (the original's paths and snake_case fields) and the settings forms. */
import { t } from "elysia";
import { MAX_ROW_ID, oneOf } from "../server/validation";
import { CATEGORIES, OPERATORS } from "./catalogue";
import { MAX_URL_LENGTH } from "./channels/index";

const id = (field: string) =>
  t.Integer({ minimum: 0, maximum: MAX_ROW_ID, error: `${field}: must be a whole number from 0 to ${MAX_ROW_ID}` });

export const idParams = t.Object({ id: id("id") });

const channelFields = {
  name: t.String({ minLength: 1, maxLength: 100, error: "name: required, at most 100 characters" }),
  url: t.String({
    minLength: 1,
    maxLength: MAX_URL_LENGTH,
    error: `url: required, at most ${MAX_URL_LENGTH} characters`,
  }),
  enabled: t.Optional(t.Boolean({ error: "enabled: must be true or false" })),
};

export const channelBody = t.Object(channelFields);
export const channelPatch = t.Object({
  name: t.Optional(channelFields.name),
  url: t.Optional(channelFields.url),
  enabled: channelFields.enabled,
});

const ruleFields = {
  enabled: t.Optional(t.Boolean({ error: "enabled: must be true or false" })),
  threshold_value: t.Optional(
    t.Nullable(t.Number({ minimum: -1e9, maximum: 1e9, error: "threshold_value: a number (or null for the default)" })),
  ),
  threshold_operator: t.Optional(t.Nullable(oneOf(OPERATORS, "threshold_operator"))),
  min_breaches: t.Optional(
    t.Integer({ minimum: 1, maximum: 100, error: "min_breaches: a whole number from 1 to 100" }),
  ),
  window_size: t.Optional(t.Integer({ minimum: 1, maximum: 100, error: "window_size: a whole number from 1 to 100" })),
  cooldown_minutes: t.Optional(
    t.Integer({ minimum: 0, maximum: 10_080, error: "cooldown_minutes: a whole number of minutes from 0 to 10080" }),
  ),
  quiet_start: t.Optional(t.Nullable(t.String({ maxLength: 5, error: "quiet_start: a time as HH:MM" }))),
  quiet_end: t.Optional(t.Nullable(t.String({ maxLength: 5, error: "quiet_end: a time as HH:MM" }))),
  notify_recovery: t.Optional(t.Boolean({ error: "notify_recovery: must be true or false" })),
};

export const ruleBody = t.Object({
  channel_id: t.Integer({ minimum: 1, error: "channel_id: the ID of a saved channel" }),
  event_id: t.Integer({ minimum: 1, error: "event_id: the ID of an event (see /api/notifications/events)" }),
  ...ruleFields,
});
export const rulePatch = t.Object(ruleFields);

export const rulesQuery = t.Object({ channel_id: t.Optional(id("channel_id")) });
export const eventsQuery = t.Object({ category: t.Optional(oneOf(CATEGORIES, "category")) });
export const historyQuery = t.Object({
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, error: "limit: a whole number from 1 to 1000" })),
  channel_id: t.Optional(id("channel_id")),
});

export const testBody = t.Object({
  channel_id: t.Optional(t.Integer({ minimum: 0, error: "channel_id: the ID of a saved channel" })),
  url: t.Optional(
    t.String({ minLength: 1, maxLength: MAX_URL_LENGTH, error: `url: at most ${MAX_URL_LENGTH} characters` }),
  ),
});
