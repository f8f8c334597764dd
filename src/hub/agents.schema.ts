/** Request shapes of the agent API (the original's field names) and of the Agents page's forms. */
import { t } from "elysia";
import { CHART_RANGES } from "../history/chart";
import { oneOf } from "../server/validation";

const fields = {
  name: t.String({ maxLength: 100, error: "name: required, at most 100 characters" }),
  url: t.String({ maxLength: 500, error: "url: required, the agent's address such as http://192.168.1.10:8200" }),
  apiKey: t.Optional(
    t.Union([t.String({ maxLength: 256 }), t.Null()], { error: "apiKey: a string of at most 256 characters, or null" }),
  ),
  enabled: t.Optional(t.Boolean({ error: "enabled: must be true or false" })),
  interface: t.Optional(t.String({ maxLength: 64, error: "interface: at most 64 characters" })),
};

export const agentBody = t.Object(fields);

/** PUT: what is left out stays as it is. */
export const agentPatch = t.Object({ ...fields, name: t.Optional(fields.name), url: t.Optional(fields.url) });

export const agentParams = t.Object({ id: t.Numeric({ minimum: 1, error: "id: must be a positive number" }) });

export const nativeQuery = t.Object({
  interface: t.Optional(
    t.String({
      maxLength: 64,
      pattern: "^[\\w.@:+-]+$",
      error: "interface: a network interface name such as eth0 (letters, digits and . _ @ : + -)",
    }),
  ),
});

export const historyQuery = t.Object({
  timeRange: t.Optional(oneOf(CHART_RANGES, "timeRange")),
  /** Comma-separated metrics (cpu, memory, swap, load, disk, temperature, rx, tx); all when absent. */
  metrics: t.Optional(
    t.String({
      maxLength: 100,
      pattern: "^[a-z]+(,[a-z]+)*$",
      error: "metrics: a comma-separated list of cpu, memory, swap, load, disk, temperature, rx, tx",
    }),
  ),
});

/** The page's add/edit form: checkboxes arrive as strings. */
export const agentForm = t.Object({
  name: t.String({ maxLength: 200 }),
  url: t.String({ maxLength: 600 }),
  apiKey: t.Optional(t.String({ maxLength: 300 })),
  /** "none": remove the stored key (edit). Otherwise a non-empty apiKey replaces it, and an empty one keeps it. */
  keyMode: t.Optional(oneOf(["none"], "keyMode")),
  enabled: t.Optional(t.String({ maxLength: 3 })),
});

export const pageQuery = t.Object({
  tab: t.Optional(oneOf(["overview", "bandwidth", "system"], "tab")),
});
