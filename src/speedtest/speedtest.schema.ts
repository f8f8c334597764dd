/** Request shapes of the speed-test API (the original's field names), validated with Elysia's t. */
import { t } from "elysia";
import { PROVIDER_IDS, type ProviderId } from "../measure/providers/registry";
import { oneOf, pageLimit, pageNumber, rowId } from "../server/validation";

/** The test types are the provider registry's IDs. */
export const TEST_TYPES = PROVIDER_IDS;
export type TestType = ProviderId;

/** The original API's provider switches, frozen: providers added since are chosen with `testType`. */
export const LEGACY_PROVIDER_FLAGS = { useIperf: "iperf3", useLibrespeed: "librespeed" } as const satisfies Record<
  string,
  TestType
>;

export const TIME_RANGES = ["1h", "6h", "1d", "24h", "3d", "1w", "week", "1m", "month", "all"] as const;

const flag = (options: { default?: boolean } = {}) =>
  t.Optional(t.Boolean({ ...options, error: "must be true or false" }));
const serverIds = t.Optional(
  t.Array(t.String({ maxLength: 128, error: "a server ID has at most 128 characters" }), {
    maxItems: 20,
    error: "at most 20 server IDs",
  }),
);

/**
 * The original's TestOptions, plus `testType` (any provider; wins over the original's useIperf/useLibrespeed) and
 * `useUdp` for iperf3's UDP mode. Unknown fields are ignored. Its messages leave
 * the field out: it is also nested (a schedule's `options`), and the errors hook names the field by its path.
 */
export const testOptions = t.Object({
  enableDownload: flag({ default: true }),
  enableUpload: flag({ default: true }),
  enablePacketLoss: flag(),
  enablePing: flag(),
  enableJitter: flag(),
  serverIds,
  isScheduled: flag(),
  testType: t.Optional(oneOf(TEST_TYPES, "testType")),
  useIperf: flag(),
  useLibrespeed: flag(),
  useUdp: flag(),
  serverHost: t.Optional(t.String({ maxLength: 300, error: "at most 300 characters" })),
  serverName: t.Optional(t.String({ maxLength: 200, error: "at most 200 characters" })),
  isPublicServer: flag(),
});
export type TestOptions = typeof testOptions.static;

export const serversQuery = t.Object({
  testType: t.Optional(oneOf(TEST_TYPES, "testType")),
});

export const historyQuery = t.Object({
  timeRange: t.Optional(oneOf(TIME_RANGES, "timeRange")),
  page: t.Optional(pageNumber),
  limit: t.Optional(pageLimit),
  testType: t.Optional(oneOf(TEST_TYPES, "testType")),
  serverId: t.Optional(t.String({ maxLength: 300, error: "serverId: at most 300 characters" })),
});

export const chartQuery = t.Object({
  timeRange: t.Optional(oneOf(TIME_RANGES, "timeRange")),
  serverId: t.Optional(t.String({ maxLength: 300, error: "serverId: at most 300 characters" })),
});

export const exportQuery = t.Object({
  format: t.Optional(oneOf(["csv", "json"], "format")),
  timeRange: t.Optional(oneOf(TIME_RANGES, "timeRange")),
});

export const scheduleBody = t.Object({
  serverIds,
  interval: t.String({ maxLength: 400, error: "interval: required, at most 400 characters" }),
  enabled: flag(),
  options: t.Optional(testOptions),
});

export const iperfServerBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 100, error: "name: required, at most 100 characters" }),
  host: t.String({ minLength: 1, maxLength: 300, error: "host: required, at most 300 characters" }),
  port: t.Optional(t.Numeric({ minimum: 1, maximum: 65535, error: "port: must be between 1 and 65535" })),
});

const id = rowId("id");

export const idParams = t.Object({ id });

/** Pausing or resuming a schedule from its card. */
export const scheduleActionParams = t.Object({ id, action: oneOf(["pause", "resume"], "action") });

/** Each provider's server list on the Speed Test page is its own radio group, `serverId-<provider>`. */
const serverChoice = () => t.Optional(t.String({ maxLength: 128 }));
const serverChoices = Object.fromEntries(TEST_TYPES.map((id) => [`serverId-${id}`, serverChoice()])) as Record<
  `serverId-${TestType}`,
  ReturnType<typeof serverChoice>
>;

/** The Speed Test page's form (only the visible provider's fieldset is submitted). */
export const runForm = t.Object({
  provider: oneOf(TEST_TYPES, "provider"),
  ...serverChoices,
  serverIdManual: t.Optional(t.String({ maxLength: 32 })),
  serverHost: t.Optional(t.String({ maxLength: 300 })),
  useUdp: t.Optional(t.String({ maxLength: 3 })),
  enableDownload: t.Optional(t.String({ maxLength: 3 })),
  enableUpload: t.Optional(t.String({ maxLength: 3 })),
});

export const resultsQuery = t.Object({
  page: t.Optional(pageNumber),
  limit: t.Optional(pageLimit),
});

/** The schedule form on the Speed Test page. */
export const scheduleForm = t.Object({
  interval: t.String({ maxLength: 400 }),
  provider: oneOf(TEST_TYPES, "provider"),
  serverId: t.Optional(t.String({ maxLength: 128 })),
  serverHost: t.Optional(t.String({ maxLength: 300 })),
  enableDownload: t.Optional(t.String({ maxLength: 3 })),
  enableUpload: t.Optional(t.String({ maxLength: 3 })),
});

/** The saved-server form on the Speed Test page. */
export const iperfServerForm = t.Object({
  name: t.String({ maxLength: 200, error: "name: at most 100 characters" }),
  host: t.String({ maxLength: 300, error: "host: at most 300 characters" }),
  port: t.Optional(t.String({ maxLength: 10, error: "port: must be between 1 and 65535" })),
});
