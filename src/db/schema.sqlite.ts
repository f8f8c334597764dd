/** SQLite schema. schema.pg.ts must define the same tables with the same TypeScript shapes (see schema-parity.ts). */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ProbeMethod } from "../measure/probes/registry";
import type { ProviderId } from "../measure/providers/registry";

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" })
    .notNull()
    .$defaultFn(() => new Date());

export const users = sqliteTable("users", {
  id: integer().primaryKey({ autoIncrement: true }),
  username: text().notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  createdAt: createdAt(),
});

/**
 * Signed-in browsers and scripts. The token itself is never stored, only its keyed fingerprint; `method` says how
 * the session was signed in. Revoking a session deletes its row; expired rows are pruned hourly.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    tokenHash: text("token_hash").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    method: text({ enum: ["password", "oidc"] }).notNull(),
    createdAt: createdAt(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    clientAddress: text("client_address"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_at_idx").on(t.expiresAt)],
);

export const appSettings = sqliteTable("app_settings", {
  key: text().primaryKey(),
  value: text().notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" })
    .notNull()
    .$defaultFn(() => new Date()),
});

/** One speed-test run. Throughput in Mbit/s and times in ms, as numbers; a failed run keeps its error. */
export const speedTests = sqliteTable(
  "speed_tests",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    testType: text("test_type").$type<ProviderId>().notNull(),
    serverId: text("server_id").notNull(),
    serverName: text("server_name").notNull(),
    serverHost: text("server_host").notNull(),
    downloadMbps: real("download_mbps"),
    uploadMbps: real("upload_mbps"),
    latencyMs: real("latency_ms"),
    jitterMs: real("jitter_ms"),
    packetLoss: real("packet_loss"),
    /** iperf3 in UDP mode: sent at a fixed target rate, so the rates are what arrived at that rate, not capacity. */
    udp: integer({ mode: "boolean" }).notNull().default(false),
    /** The client's ISP as the test service saw it. */
    isp: text(),
    bytesDownloaded: integer("bytes_downloaded").notNull().default(0),
    bytesUploaded: integer("bytes_uploaded").notNull().default(0),
    durationMs: integer("duration_ms").notNull().default(0),
    isScheduled: integer("is_scheduled", { mode: "boolean" }).notNull().default(false),
    scheduleId: integer("schedule_id"),
    error: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index("speed_tests_created_at_idx").on(t.createdAt),
    index("speed_tests_type_idx").on(t.testType, t.createdAt),
  ],
);

/** A recurring speed test. `options` holds the TestOptions it runs with. */
export const schedules = sqliteTable("schedules", {
  id: integer().primaryKey({ autoIncrement: true }),
  serverIds: text("server_ids", { mode: "json" }).$type<string[]>().notNull(),
  interval: text().notNull(),
  options: text({ mode: "json" }).$type<Record<string, unknown>>().notNull(),
  enabled: integer({ mode: "boolean" }).notNull().default(true),
  lastRun: integer("last_run", { mode: "timestamp_ms" }),
  nextRun: integer("next_run", { mode: "timestamp_ms" }),
  createdAt: createdAt(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" })
    .notNull()
    .$defaultFn(() => new Date()),
});

export const savedIperfServers = sqliteTable("saved_iperf_servers", {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text().notNull(),
  host: text().notNull(),
  port: integer().notNull().default(5201),
  createdAt: createdAt(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" })
    .notNull()
    .$defaultFn(() => new Date()),
});

/** A packet-loss monitor: a host probed on a schedule, with the state machine's last state. */
export const packetLossMonitors = sqliteTable("packet_loss_monitors", {
  id: integer().primaryKey({ autoIncrement: true }),
  host: text().notNull(),
  name: text().notNull(),
  interval: text().notNull(),
  packetCount: integer("packet_count").notNull(),
  threshold: real().notNull(),
  enabled: integer({ mode: "boolean" }).notNull().default(false),
  lastRun: integer("last_run", { mode: "timestamp_ms" }),
  nextRun: integer("next_run", { mode: "timestamp_ms" }),
  lastState: text("last_state", { enum: ["unknown", "ok", "threshold_exceeded", "down"] })
    .notNull()
    .default("unknown"),
  lastStateChange: integer("last_state_change", { mode: "timestamp_ms" }),
  createdAt: createdAt(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" })
    .notNull()
    .$defaultFn(() => new Date()),
});

/** One monitor run. RTTs in ms with sub-millisecond precision; hop data stays out of list queries. */
export const packetLossResults = sqliteTable(
  "packet_loss_results",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    monitorId: integer("monitor_id")
      .notNull()
      .references(() => packetLossMonitors.id, { onDelete: "cascade" }),
    packetLoss: real("packet_loss").notNull(),
    packetsSent: integer("packets_sent").notNull(),
    packetsRecv: integer("packets_recv").notNull(),
    minRtt: real("min_rtt"),
    avgRtt: real("avg_rtt"),
    maxRtt: real("max_rtt"),
    stdDevRtt: real("std_dev_rtt"),
    method: text().$type<ProbeMethod>().notNull(),
    privilegedMode: integer("privileged_mode", { mode: "boolean" }).notNull().default(false),
    hopCount: integer("hop_count"),
    hops: text({ mode: "json" }).$type<unknown[]>(),
    error: text(),
    /** Why a method with hop data (mtr) did not run, when another one did. */
    fallbackReason: text("fallback_reason"),
    createdAt: createdAt(),
  },
  (t) => [
    index("packet_loss_results_monitor_time_idx").on(t.monitorId, t.createdAt, t.id),
    index("packet_loss_results_time_idx").on(t.createdAt),
  ],
);

/**
 * Aggregates of results per monitor and time bucket (resolution 60 s or 3600 s), written with each
 * result. Sums and counts merge exactly across buckets; `histogram` holds RTT counts per fixed bucket
 * for percentiles.
 */
export const packetLossRollups = sqliteTable(
  "packet_loss_rollups",
  {
    monitorId: integer("monitor_id")
      .notNull()
      .references(() => packetLossMonitors.id, { onDelete: "cascade" }),
    resolution: integer().notNull(),
    bucketStart: integer("bucket_start", { mode: "timestamp_ms" }).notNull(),
    runs: integer().notNull(),
    packetsSent: integer("packets_sent").notNull(),
    packetsRecv: integer("packets_recv").notNull(),
    rttCount: integer("rtt_count").notNull(),
    rttSum: real("rtt_sum").notNull(),
    rttMin: real("rtt_min"),
    rttMax: real("rtt_max"),
    lossMax: real("loss_max").notNull(),
    histogram: text({ mode: "json" }).$type<number[]>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.monitorId, t.resolution, t.bucketStart] }),
    index("packet_loss_rollups_time_idx").on(t.resolution, t.bucketStart),
  ],
);

/** State-machine transitions (ok, threshold_exceeded, down), kept for notifications. */
export const monitorEvents = sqliteTable(
  "monitor_events",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    monitorId: integer("monitor_id")
      .notNull()
      .references(() => packetLossMonitors.id, { onDelete: "cascade" }),
    fromState: text("from_state").notNull(),
    toState: text("to_state").notNull(),
    packetLoss: real("packet_loss"),
    createdAt: createdAt(),
  },
  (t) => [index("monitor_events_monitor_idx").on(t.monitorId, t.createdAt)],
);

const AGENT_STATES = ["online", "offline", "unauthorized", "incompatible"] as const;
const agentRef = () =>
  integer("agent_id")
    .notNull()
    .references(() => agents.id, { onDelete: "cascade" });

/** A remote `netronome agent` the hub connects to (the original's monitor_agents), with its connection state. */
export const agents = sqliteTable("agents", {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text().notNull(),
  /** Normalised to end in /events?stream=live-data, as the original stores it. */
  url: text().notNull(),
  enabled: integer({ mode: "boolean" }).notNull().default(true),
  interface: text().notNull().default(""),
  /** Encrypted at rest (core/secret-box.ts); null when the agent needs no key. */
  apiKey: text("api_key"),
  isTailscale: integer("is_tailscale", { mode: "boolean" }).notNull().default(false),
  tailscaleHostname: text("tailscale_hostname"),
  discoveredAt: integer("discovered_at", { mode: "timestamp_ms" }),
  state: text({ enum: AGENT_STATES }),
  stateReason: text("state_reason"),
  stateSince: integer("state_since", { mode: "timestamp_ms" }),
  lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }),
  createdAt: createdAt(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" })
    .notNull()
    .$defaultFn(() => new Date()),
});

/** The last /system/info and /system/hardware an agent answered: what is shown while it is offline. */
export const agentSystemInfo = sqliteTable(
  "agent_system_info",
  {
    agentId: agentRef(),
    hostname: text().notNull(),
    kernel: text().notNull(),
    uptimeSeconds: integer("uptime_seconds").notNull(),
    vnstatVersion: text("vnstat_version").notNull(),
    agentVersion: text("agent_version"),
    protocolVersion: integer("protocol_version"),
    bandwidthSource: text("bandwidth_source"),
    cpuModel: text("cpu_model"),
    cpuCores: integer("cpu_cores"),
    cpuThreads: integer("cpu_threads"),
    totalMemory: integer("total_memory"),
    hardware: text({ mode: "json" }).$type<Record<string, unknown>>(),
    systemAt: integer("system_at", { mode: "timestamp_ms" }),
    hardwareAt: integer("hardware_at", { mode: "timestamp_ms" }),
  },
  // A table-level key: an INTEGER PRIMARY KEY column would make SQLite treat agent_id as an optional rowid.
  (t) => [primaryKey({ columns: [t.agentId] })],
);

export const agentInterfaces = sqliteTable(
  "agent_interfaces",
  {
    agentId: agentRef(),
    name: text().notNull(),
    alias: text().notNull(),
    ipAddress: text("ip_address").notNull(),
    addresses: text({ mode: "json" }).$type<string[]>().notNull(),
    /** Mbit/s; -1 when unknown or virtual. */
    linkSpeed: integer("link_speed").notNull(),
    isUp: integer("is_up", { mode: "boolean" }).notNull(),
    bytesTotal: integer("bytes_total").notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.name] })],
);

/**
 * Raw resource samples, one row per metric and poll: `label` names the mount or sensor ("" for
 * single-valued metrics). Pruned after [retention] agent_raw_days; rollups stay.
 */
export const agentSamples = sqliteTable(
  "agent_samples",
  {
    agentId: agentRef(),
    metric: text().notNull(),
    label: text().notNull(),
    createdAt: createdAt(),
    value: real().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.metric, t.label, t.createdAt] }),
    index("agent_samples_time_idx").on(t.createdAt),
  ],
);

/** Per agent, metric and label: count, sum and extremes of the samples in each 1-minute and 1-hour bucket. */
export const agentRollups = sqliteTable(
  "agent_rollups",
  {
    agentId: agentRef(),
    metric: text().notNull(),
    label: text().notNull(),
    resolution: integer().notNull(),
    bucketStart: integer("bucket_start", { mode: "timestamp_ms" }).notNull(),
    count: integer().notNull(),
    sum: real().notNull(),
    min: real().notNull(),
    max: real().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.metric, t.label, t.resolution, t.bucketStart] }),
    index("agent_rollups_time_idx").on(t.resolution, t.bucketStart),
  ],
);

/** The last vnstat export of each of an agent's interfaces (vnstat keeps the history itself). */
export const agentVnstat = sqliteTable(
  "agent_vnstat",
  {
    agentId: agentRef(),
    interfaceName: text("interface_name").notNull(),
    vnstatVersion: text("vnstat_version").notNull(),
    jsonVersion: text("json_version").notNull(),
    data: text({ mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** The agent's clock when it exported, and its offset from UTC in seconds. */
    serverTime: text("server_time").notNull(),
    timezoneOffset: integer("timezone_offset").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.interfaceName] })],
);

/** Peak live rates (bytes/s) as the agent last reported them. */
export const agentPeaks = sqliteTable(
  "agent_peaks",
  {
    agentId: agentRef(),
    peakRx: real("peak_rx").notNull(),
    peakTx: real("peak_tx").notNull(),
    peakRxAt: integer("peak_rx_at", { mode: "timestamp_ms" }),
    peakTxAt: integer("peak_tx_at", { mode: "timestamp_ms" }),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" })
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [primaryKey({ columns: [t.agentId] })],
);

const updatedAt = () =>
  integer("updated_at", { mode: "timestamp_ms" })
    .notNull()
    .$defaultFn(() => new Date());

/** A place notifications go: `url` is the channel's shoutrrr-style URL, secrets included (never shown). */
export const notificationChannels = sqliteTable("notification_channels", {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text().notNull(),
  type: text().notNull(),
  url: text().notNull(),
  enabled: integer({ mode: "boolean" }).notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Channel × event, with the condition (threshold, N of the last M checks) and how often it may speak. */
export const notificationRules = sqliteTable(
  "notification_rules",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    channelId: integer("channel_id")
      .notNull()
      .references(() => notificationChannels.id, { onDelete: "cascade" }),
    eventId: integer("event_id").notNull(),
    enabled: integer({ mode: "boolean" }).notNull().default(true),
    thresholdValue: real("threshold_value"),
    thresholdOperator: text("threshold_operator", { enum: ["gt", "gte", "lt", "lte", "eq"] }),
    minBreaches: integer("min_breaches").notNull().default(1),
    windowSize: integer("window_size").notNull().default(1),
    cooldownMinutes: integer("cooldown_minutes").notNull().default(0),
    quietStart: text("quiet_start"),
    quietEnd: text("quiet_end"),
    notifyRecovery: integer("notify_recovery", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("notification_rules_channel_event_idx").on(t.channelId, t.eventId)],
);

/** Per rule and subject (a monitor, an agent, the speed tests): the last M checks, whether it is firing, last send. */
export const notificationAlertState = sqliteTable(
  "notification_alert_state",
  {
    ruleKey: text("rule_key").notNull(),
    subject: text().notNull(),
    recent: text().notNull(),
    firing: integer({ mode: "boolean" }).notNull().default(false),
    lastSentAt: integer("last_sent_at", { mode: "timestamp_ms" }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.ruleKey, t.subject] })],
);

/** Every delivery attempt's outcome; the channel's name is kept so history outlives the channel. */
export const notificationHistory = sqliteTable(
  "notification_history",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    channelId: integer("channel_id"),
    channelName: text("channel_name").notNull(),
    eventId: integer("event_id").notNull(),
    success: integer({ mode: "boolean" }).notNull(),
    errorMessage: text("error_message"),
    payload: text().notNull(),
    attempts: integer().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("notification_history_time_idx").on(t.createdAt)],
);
