/** Request shapes of the packet-loss monitor API (the original's field names) and the page's forms. */
import { t } from "elysia";
import { CHART_RANGES } from "../../history/chart";
import { agentIdField, runFromField } from "../../hub/run-from";
import { oneOf, pageLimit, pageNumber, rowId } from "../../server/validation";

const monitorFields = {
  host: t.String({
    minLength: 1,
    maxLength: 300,
    error: "host: required, a host name or IP address of at most 300 characters",
  }),
  name: t.Optional(t.String({ maxLength: 100, error: "name: at most 100 characters" })),
  interval: t.Optional(
    t.String({ maxLength: 400, error: 'interval: a duration from 10s to 24h such as "30s" or "5m", or "exact:HH:MM"' }),
  ),
  packetCount: t.Optional(
    t.Integer({ minimum: 1, maximum: 1000, error: "packetCount: must be a whole number from 1 to 1000" }),
  ),
  threshold: t.Optional(
    t.Number({ minimum: 0, maximum: 100, error: "threshold: must be a loss percentage from 0 to 100" }),
  ),
  enabled: t.Optional(t.Boolean({ error: "enabled: must be true or false" })),
  startImmediately: t.Optional(t.Boolean({ error: "startImmediately: must be true or false" })),
  /** Extension: the agent the monitor runs from; null or absent: this server. */
  agentId: agentIdField,
};

export const monitorBody = t.Object(monitorFields);

/** PUT: every field optional; what is left out stays as it is. */
export const monitorPatch = t.Object({ ...monitorFields, host: t.Optional(monitorFields.host) });

export const monitorParams = t.Object({ id: rowId("id") });

export const resultParams = t.Object({
  id: rowId("id"),
  resultId: rowId("resultId"),
});

export const historyQuery = t.Object({
  page: t.Optional(pageNumber),
  limit: t.Optional(pageLimit),
});

export const chartQuery = t.Object({
  timeRange: t.Optional(oneOf(CHART_RANGES, "timeRange")),
});

/** The panel's create/edit form: checkboxes and selects arrive as strings. */
export const monitorForm = t.Object({
  host: t.String({ maxLength: 300 }),
  name: t.Optional(t.String({ maxLength: 100 })),
  intervalMode: t.Optional(oneOf(["preset", "exact"], "intervalMode")),
  interval: t.Optional(t.String({ maxLength: 400 })),
  exactTimes: t.Optional(t.String({ maxLength: 400 })),
  packetCount: t.Optional(t.String({ maxLength: 10 })),
  threshold: t.Optional(t.String({ maxLength: 10 })),
  startImmediately: t.Optional(t.String({ maxLength: 3 })),
  runFrom: runFromField,
});

export const panelQuery = t.Object({
  host: t.Optional(t.String({ maxLength: 300, error: "host: at most 300 characters" })),
});

/** The list fragment: which monitor to show as selected. */
export const listQuery = t.Object({
  selected: t.Optional(rowId("selected")),
});

export const detailQuery = t.Object({
  page: t.Optional(pageNumber),
});

/** The form's hop-data note: the fields that decide the probe method, as the form sends them. */
export const hopNoteQuery = t.Object({
  intervalMode: t.Optional(oneOf(["preset", "exact"], "intervalMode")),
  interval: t.Optional(t.String({ maxLength: 400 })),
  exactTimes: t.Optional(t.String({ maxLength: 400 })),
  packetCount: t.Optional(t.String({ maxLength: 10 })),
  runFrom: runFromField,
});
