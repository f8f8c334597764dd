/** Packet-loss monitors, their runs, the rollups written with each run, and their state changes. */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { ProbeMethod } from "../../measure/probes/registry";
import { createdAt, timestampMs, updatedAt } from "./columns";

/** A packet-loss monitor: a host probed on a schedule, with the state machine's last state. */
export const packetLossMonitors = sqliteTable("packet_loss_monitors", {
  id: integer().primaryKey({ autoIncrement: true }),
  host: text().notNull(),
  name: text().notNull(),
  interval: text().notNull(),
  packetCount: integer("packet_count").notNull(),
  threshold: real().notNull(),
  enabled: integer({ mode: "boolean" }).notNull().default(false),
  lastRun: timestampMs("last_run"),
  nextRun: timestampMs("next_run"),
  lastState: text("last_state", { enum: ["unknown", "ok", "threshold_exceeded", "down"] })
    .notNull()
    .default("unknown"),
  lastStateChange: timestampMs("last_state_change"),
  /** The agent the monitor runs from; null: this server. */
  agentId: integer("agent_id"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** One monitor run. RTTs in ms with sub-millisecond precision; hop data stays out of list queries. */
export const packetLossResults = sqliteTable(
  "packet_loss_results",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    monitorId: integer("monitor_id")
      .notNull()
      .references(() => packetLossMonitors.id, { onDelete: "cascade" }),
    /** Null for a run that could not happen (its agent was unreachable). */
    packetLoss: real("packet_loss"),
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
    /** Where the run was measured: the agent (null: this server). */
    agentId: integer("agent_id"),
    /** The agent could not be asked, or went away mid-run: nothing was measured (not lost packets). */
    unreachable: integer("unreachable", { mode: "boolean" }).notNull().default(false),
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
    bucketStart: timestampMs("bucket_start").notNull(),
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
