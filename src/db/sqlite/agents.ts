/** Remote agents, what they last reported, and their resource history (raw samples and rollups). */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, timestampMs, updatedAt } from "./columns";

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
  discoveredAt: timestampMs("discovered_at"),
  state: text({ enum: AGENT_STATES }),
  stateReason: text("state_reason"),
  stateSince: timestampMs("state_since"),
  lastSeenAt: timestampMs("last_seen_at"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
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
    systemAt: timestampMs("system_at"),
    hardwareAt: timestampMs("hardware_at"),
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
    bucketStart: timestampMs("bucket_start").notNull(),
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
    peakRxAt: timestampMs("peak_rx_at"),
    peakTxAt: timestampMs("peak_tx_at"),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.agentId] })],
);
