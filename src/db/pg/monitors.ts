/** Packet-loss monitors, their runs, the rollups written with each run, and their state changes. */
import { boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import type { ProbeMethod } from "../../measure/probes/registry";
import { createdAt, timestampTz, updatedAt } from "./columns";

export const packetLossMonitors = pgTable("packet_loss_monitors", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  host: text().notNull(),
  name: text().notNull(),
  interval: text().notNull(),
  packetCount: integer("packet_count").notNull(),
  threshold: doublePrecision().notNull(),
  enabled: boolean().notNull().default(false),
  lastRun: timestampTz("last_run"),
  nextRun: timestampTz("next_run"),
  lastState: text("last_state", { enum: ["unknown", "ok", "threshold_exceeded", "down"] })
    .notNull()
    .default("unknown"),
  lastStateChange: timestampTz("last_state_change"),
  /** The agent the monitor runs from; null: this server. */
  agentId: integer("agent_id"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const packetLossResults = pgTable(
  "packet_loss_results",
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    monitorId: integer("monitor_id")
      .notNull()
      .references(() => packetLossMonitors.id, { onDelete: "cascade" }),
    /** Null for a run that could not happen (its agent was unreachable). */
    packetLoss: doublePrecision("packet_loss"),
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
    /** Where the run was measured: the agent (null: this server). */
    agentId: integer("agent_id"),
    /** The agent could not be asked, or went away mid-run: nothing was measured (not lost packets). */
    unreachable: boolean("unreachable").notNull().default(false),
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
    bucketStart: timestampTz("bucket_start").notNull(),
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
