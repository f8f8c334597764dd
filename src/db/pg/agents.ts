/** Remote agents, what they last reported, and their resource history (raw samples and rollups). */
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
} from "drizzle-orm/pg-core";
import { createdAt, timestampTz, updatedAt } from "./columns";

const AGENT_STATES = ["online", "offline", "unauthorized", "incompatible"] as const;
const agentRef = () =>
  integer("agent_id")
    .notNull()
    .references(() => agents.id, { onDelete: "cascade" });

export const agents = pgTable("agents", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  name: text().notNull(),
  url: text().notNull(),
  enabled: boolean().notNull().default(true),
  interface: text().notNull().default(""),
  apiKey: text("api_key"),
  isTailscale: boolean("is_tailscale").notNull().default(false),
  tailscaleHostname: text("tailscale_hostname"),
  discoveredAt: timestampTz("discovered_at"),
  state: text({ enum: AGENT_STATES }),
  stateReason: text("state_reason"),
  stateSince: timestampTz("state_since"),
  lastSeenAt: timestampTz("last_seen_at"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
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
  systemAt: timestampTz("system_at"),
  hardwareAt: timestampTz("hardware_at"),
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
    bucketStart: timestampTz("bucket_start").notNull(),
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
  peakRxAt: timestampTz("peak_rx_at"),
  peakTxAt: timestampTz("peak_tx_at"),
  updatedAt: updatedAt(),
});
