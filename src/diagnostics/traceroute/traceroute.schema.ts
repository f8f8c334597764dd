/** Request shapes of the traceroute routes, validated with Elysia's t. */
import { t } from "elysia";
import { agentFilterField, runFromField } from "../../hub/run-from";

/** Long enough for a pasted URL; the host inside it is held to 253 characters by parseTarget. */
const MAX_INPUT_LENGTH = 2048;

/** GET /api/traceroute and the live stream: `host` is a name, an IP, a URL, host:port or [IPv6]. */
export const traceQuery = t.Object({
  host: t.String({
    minLength: 1,
    maxLength: MAX_INPUT_LENGTH,
    error: `host: required; a name, IP address or URL of at most ${MAX_INPUT_LENGTH} characters`,
  }),
  /** Extension: trace from this agent (its id); absent: from this server. */
  agentId: agentFilterField,
  /** The panel's form field for the same choice. */
  runFrom: runFromField,
});

/** The panel only pre-fills its form with `host`; it is validated when a trace starts. */
export const panelQuery = t.Object({
  host: t.Optional(t.String({ maxLength: MAX_INPUT_LENGTH, error: `host: at most ${MAX_INPUT_LENGTH} characters` })),
});
