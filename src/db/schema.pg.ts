/** PostgreSQL schema: the same tables and TypeScript shapes as schema.sqlite.ts. */
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

import type { ProbeMethod } from "../measure/probes/registry";
import type { ProviderId } from "../measure/providers/registry";

const createdAt = () =>
  timestamp("created_at", { mode: "date", withTimezone: true })
    .notNull()
    .$defaultFn(() => new Date());

export const users = pgTable("users", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  username: text().notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  createdAt: createdAt(),
});

export const sessions = pgTable(
  "sessions",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    tokenHash: text("token_hash").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    method: text({ enum: ["password", "oidc"] }).notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestamp("last_seen_at", { mode: "date", withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { mode: "date", withTimezone: true }).notNull(),
    clientAddress: text("client_address"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_at_idx").on(t.expiresAt)],
);

export const appSettings = pgTable("app_settings", {
  key: text().primaryKey(),
  value: text().notNull(),
  updatedAt: timestamp("updated_at", { mode: "date", withTimezone: true })
    .notNull()
    .$defaultFn(() => new Date()),
});

export const speedTests = pgTable(
  "speed_tests",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    testType: text("test_type").$type<ProviderId>().notNull(),
    serverId: text("server_id").notNull(),
    serverName: text("server_name").notNull(),
    serverHost: text("server_host").notNull(),
    downloadMbps: doublePrecision("download_mbps"),
    uploadMbps: doublePrecision("upload_mbps"),
    latencyMs: doublePrecision("latency_ms"),
    jitterMs: doublePrecision("jitter_ms"),
    packetLoss: doublePrecision("packet_loss"),
    /** iperf3 in UDP mode: sent at a fixed target rate, so the rates are what arrived at that rate, not capacity. */
    udp: boolean().notNull().default(false),
    isp: text(),
    bytesDownloaded: bigint("bytes_downloaded", { mode: "number" }).notNull().default(0),
    bytesUploaded: bigint("bytes_uploaded", { mode: "number" }).notNull().default(0),
    durationMs: integer("duration_ms").notNull().default(0),
    isScheduled: boolean("is_scheduled").notNull().default(false),
    scheduleId: integer("schedule_id"),
    error: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index("speed_tests_created_at_idx").on(t.createdAt),
    index("speed_tests_type_idx").on(t.testType, t.createdAt),
  ],
);

export const schedules = pgTable("schedules", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  serverIds: jsonb("server_ids").$type<string[]>().notNull(),
  interval: text().notNull(),
  options: jsonb().$type<Record<string, unknown>>().notNull(),
  enabled: boolean().notNull().default(true),
  lastRun: timestamp("last_run", { mode: "date", withTimezone: true }),
  nextRun: timestamp("next_run", { mode: "date", withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { mode: "date", withTimezone: true })
    .notNull()
    .$defaultFn(() => new Date()),
});

export const savedIperfServers = pgTable("saved_iperf_servers", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  name: text().notNull(),
  host: text().notNull(),
  port: integer().notNull().default(5201),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { mode: "date", withTimezone: true })
    .notNull()
    .$defaultFn(() => new Date()),
});

export const packetLossMonitors = pgTable("packet_loss_monitors", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  host: text().notNull(),
  name: text().notNull(),
  interval: text().notNull(),
  packetCount: integer("packet_count").notNull(),
  threshold: doublePrecision().notNull(),
  enabled: boolean().notNull().default(false),
  lastRun: timestamp("last_run", { mode: "date", withTimezone: true }),
  nextRun: timestamp("next_run", { mode: "date", withTimezone: true }),
  lastState: text("last_state", { enum: ["unknown", "ok", "threshold_exceeded", "down"] })
    .notNull()
    .default("unknown"),
  lastStateChange: timestamp("last_state_change", { mode: "date", withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { mode: "date", withTimezone: true })
    .notNull()
    .$defaultFn(() => new Date()),
});

export const packetLossResults = pgTable(
  "packet_loss_results",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    monitorId: integer("monitor_id")
      .notNull()
      .references(() => packetLossMonitors.id, { onDelete: "cascade" }),
    packetLoss: doublePrecision("packet_loss").notNull(),
    packetsSent: integer("packets_sent").notNull(),
    packetsRecv: integer("packets_recv").notNull(),
    minRtt: doublePrecision("min_rtt"),
    avgRtt: doublePrecision("avg_rtt"),
    maxRtt: doublePrecision("max_rtt"),
    stdDevRtt: doublePrecision("std_dev_rtt"),
    method: text().$type<ProbeMethod>().notNull(),
    privilegedMode: boolean("privileged_mode").notNull().default(false),
    hopCount: integer("hop_count"),
    hops: jsonb().$type<unknown[]>(),
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

export const packetLossRollups = pgTable(
  "packet_loss_rollups",
  {
    monitorId: integer("monitor_id")
      .notNull()
      .references(() => packetLossMonitors.id, { onDelete: "cascade" }),
    resolution: integer().notNull(),
    bucketStart: timestamp("bucket_start", { mode: "date", withTimezone: true }).notNull(),
    runs: integer().notNull(),
    packetsSent: integer("packets_sent").notNull(),
    packetsRecv: integer("packets_recv").notNull(),
    rttCount: integer("rtt_count").notNull(),
    rttSum: doublePrecision("rtt_sum").notNull(),
    rttMin: doublePrecision("rtt_min"),
    rttMax: doublePrecision("rtt_max"),
    lossMax: doublePrecision("loss_max").notNull(),
    histogram: jsonb().$type<number[]>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.monitorId, t.resolution, t.bucketStart] }),
    index("packet_loss_rollups_time_idx").on(t.resolution, t.bucketStart),
  ],
);

export const monitorEvents = pgTable(
  "monitor_events",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    monitorId: integer("monitor_id")
      .notNull()
      .references(() => packetLossMonitors.id, { onDelete: "cascade" }),
    fromState: text("from_state").notNull(),
    toState: text("to_state").notNull(),
    packetLoss: doublePrecision("packet_loss"),
    createdAt: createdAt(),
  },
  (t) => [index("monitor_events_monitor_idx").on(t.monitorId, t.createdAt)],
);

const AGENT_STATES = ["online", "offline", "unauthorized", "incompatible"] as const;
const agentRef = () =>
  integer("agent_id")
    .notNull()
    .references(() => agents.id, { onDelete: "cascade" });
const at = (name: string) => timestamp(name, { mode: "date", withTimezone: true });

export const agents = pgTable("agents", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  name: text().notNull(),
  url: text().notNull(),
  enabled: boolean().notNull().default(true),
  interface: text().notNull().default(""),
  apiKey: text("api_key"),
  isTailscale: boolean("is_tailscale").notNull().default(false),
  tailscaleHostname: text("tailscale_hostname"),
  discoveredAt: at("discovered_at"),
  state: text({ enum: AGENT_STATES }),
  stateReason: text("state_reason"),
  stateSince: at("state_since"),
  lastSeenAt: at("last_seen_at"),
  createdAt: createdAt(),
  updatedAt: at("updated_at")
    .notNull()
    .$defaultFn(() => new Date()),
});

export const agentSystemInfo = pgTable("agent_system_info", {
  agentId: agentRef().primaryKey(),
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
  totalMemory: bigint("total_memory", { mode: "number" }),
  hardware: jsonb().$type<Record<string, unknown>>(),
  systemAt: at("system_at"),
  hardwareAt: at("hardware_at"),
});

export const agentInterfaces = pgTable(
  "agent_interfaces",
  {
    agentId: agentRef(),
    name: text().notNull(),
    alias: text().notNull(),
    ipAddress: text("ip_address").notNull(),
    addresses: jsonb().$type<string[]>().notNull(),
    linkSpeed: integer("link_speed").notNull(),
    isUp: boolean("is_up").notNull(),
    bytesTotal: bigint("bytes_total", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.name] })],
);

export const agentSamples = pgTable(
  "agent_samples",
  {
    agentId: agentRef(),
    metric: text().notNull(),
    label: text().notNull(),
    createdAt: createdAt(),
    value: doublePrecision().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.metric, t.label, t.createdAt] }),
    index("agent_samples_time_idx").on(t.createdAt),
  ],
);

export const agentRollups = pgTable(
  "agent_rollups",
  {
    agentId: agentRef(),
    metric: text().notNull(),
    label: text().notNull(),
    resolution: integer().notNull(),
    bucketStart: at("bucket_start").notNull(),
    count: integer().notNull(),
    sum: doublePrecision().notNull(),
    min: doublePrecision().notNull(),
    max: doublePrecision().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.metric, t.label, t.resolution, t.bucketStart] }),
    index("agent_rollups_time_idx").on(t.resolution, t.bucketStart),
  ],
);

export const agentVnstat = pgTable(
  "agent_vnstat",
  {
    agentId: agentRef(),
    interfaceName: text("interface_name").notNull(),
    vnstatVersion: text("vnstat_version").notNull(),
    jsonVersion: text("json_version").notNull(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
    serverTime: text("server_time").notNull(),
    timezoneOffset: integer("timezone_offset").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.interfaceName] })],
);

export const agentPeaks = pgTable("agent_peaks", {
  agentId: agentRef().primaryKey(),
  peakRx: doublePrecision("peak_rx").notNull(),
  peakTx: doublePrecision("peak_tx").notNull(),
  peakRxAt: at("peak_rx_at"),
  peakTxAt: at("peak_tx_at"),
  updatedAt: at("updated_at")
    .notNull()
    .$defaultFn(() => new Date()),
});

const updatedAt = () =>
  timestamp("updated_at", { mode: "date", withTimezone: true })
    .notNull()
    .$defaultFn(() => new Date());

export const notificationChannels = pgTable("notification_channels", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  name: text().notNull(),
  type: text().notNull(),
  url: text().notNull(),
  enabled: boolean().notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const notificationRules = pgTable(
  "notification_rules",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    channelId: integer("channel_id")
      .notNull()
      .references(() => notificationChannels.id, { onDelete: "cascade" }),
    eventId: integer("event_id").notNull(),
    enabled: boolean().notNull().default(true),
    thresholdValue: doublePrecision("threshold_value"),
    thresholdOperator: text("threshold_operator", { enum: ["gt", "gte", "lt", "lte", "eq"] }),
    minBreaches: integer("min_breaches").notNull().default(1),
    windowSize: integer("window_size").notNull().default(1),
    cooldownMinutes: integer("cooldown_minutes").notNull().default(0),
    quietStart: text("quiet_start"),
    quietEnd: text("quiet_end"),
    notifyRecovery: boolean("notify_recovery").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("notification_rules_channel_event_idx").on(t.channelId, t.eventId)],
);

export const notificationAlertState = pgTable(
  "notification_alert_state",
  {
    ruleKey: text("rule_key").notNull(),
    subject: text().notNull(),
    recent: text().notNull(),
    firing: boolean().notNull().default(false),
    lastSentAt: timestamp("last_sent_at", { mode: "date", withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.ruleKey, t.subject] })],
);

export const notificationHistory = pgTable(
  "notification_history",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    channelId: integer("channel_id"),
    channelName: text("channel_name").notNull(),
    eventId: integer("event_id").notNull(),
    success: boolean().notNull(),
    errorMessage: text("error_message"),
    payload: text().notNull(),
    attempts: integer().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("notification_history_time_idx").on(t.createdAt)],
);
