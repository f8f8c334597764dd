/** Request shapes of the speed-test API (the original's field names), validated with Elysia's t. */
import { t } from "elysia";
import { oneOf } from "../server/validation";

export const TEST_TYPES = ["speedtest", "librespeed", "iperf3"] as const;
export type TestType = (typeof TEST_TYPES)[number];

export const TIME_RANGES = ["1d", "24h", "3d", "1w", "week", "1m", "month", "all"] as const;

/** The original's TestOptions, plus `useUdp` for iperf3's UDP mode. Unknown fields are ignored. */
export const testOptions = t.Object({
  enableDownload: t.Optional(t.Boolean({ default: true })),
  enableUpload: t.Optional(t.Boolean({ default: true })),
  enablePacketLoss: t.Optional(t.Boolean()),
  enablePing: t.Optional(t.Boolean()),
  enableJitter: t.Optional(t.Boolean()),
  serverIds: t.Optional(t.Array(t.String({ maxLength: 128 }), { maxItems: 20 })),
  isScheduled: t.Optional(t.Boolean()),
  useIperf: t.Optional(t.Boolean()),
  useLibrespeed: t.Optional(t.Boolean()),
  useUdp: t.Optional(t.Boolean()),
  serverHost: t.Optional(t.String({ maxLength: 300 })),
  serverName: t.Optional(t.String({ maxLength: 200 })),
  isPublicServer: t.Optional(t.Boolean()),
});
export type TestOptions = typeof testOptions.static;

export const serversQuery = t.Object({
  testType: t.Optional(oneOf(TEST_TYPES, "testType")),
});

export const historyQuery = t.Object({
  timeRange: t.Optional(oneOf(TIME_RANGES, "timeRange")),
  page: t.Optional(t.Numeric({ minimum: 1, error: "page: must be a whole number ≥ 1" })),
  limit: t.Optional(t.Numeric({ minimum: 1, error: "limit: must be a whole number ≥ 1" })),
  testType: t.Optional(oneOf(TEST_TYPES, "testType")),
  serverId: t.Optional(t.String({ maxLength: 300 })),
});

export const chartQuery = t.Object({
  timeRange: t.Optional(oneOf(TIME_RANGES, "timeRange")),
  serverId: t.Optional(t.String({ maxLength: 300 })),
});

export const exportQuery = t.Object({
  format: t.Optional(oneOf(["csv", "json"], "format")),
  timeRange: t.Optional(oneOf(TIME_RANGES, "timeRange")),
});

export const scheduleBody = t.Object({
  serverIds: t.Optional(t.Array(t.String({ maxLength: 128 }), { maxItems: 20 })),
  interval: t.String({ maxLength: 400, error: "interval: required" }),
  enabled: t.Optional(t.Boolean()),
  options: t.Optional(testOptions),
});

export const iperfServerBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 100, error: "name: required, at most 100 characters" }),
  host: t.String({ minLength: 1, maxLength: 300, error: "host: required" }),
  port: t.Optional(t.Numeric({ minimum: 1, maximum: 65535, error: "port: must be between 1 and 65535" })),
});

export const idParams = t.Object({ id: t.Numeric({ minimum: 1, error: "id: must be a positive number" }) });

/** The Speed Test page's form (only the visible provider's fieldset is submitted). */
export const runForm = t.Object({
  provider: oneOf(TEST_TYPES, "provider"),
  "serverId-speedtest": t.Optional(t.String({ maxLength: 128 })),
  "serverId-librespeed": t.Optional(t.String({ maxLength: 128 })),
  serverIdManual: t.Optional(t.String({ maxLength: 32 })),
  serverHost: t.Optional(t.String({ maxLength: 300 })),
  useUdp: t.Optional(t.String({ maxLength: 3 })),
  enableDownload: t.Optional(t.String({ maxLength: 3 })),
  enableUpload: t.Optional(t.String({ maxLength: 3 })),
});

export const resultsQuery = t.Object({
  page: t.Optional(t.Numeric({ minimum: 1 })),
  limit: t.Optional(t.Numeric({ minimum: 1 })),
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
