/** Speed-test results, their schedules and the saved iperf3 servers. */
import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import type { ProviderId } from "../../measure/providers/registry";
import { createdAt, timestampTz, updatedAt } from "./columns";

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
    /** The agent the test ran on (null: this server), and its name then: results outlive agents. */
    agentId: integer("agent_id"),
    agentName: text("agent_name"),
    error: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index("speed_tests_created_at_idx").on(t.createdAt),
    index("speed_tests_type_idx").on(t.testType, t.createdAt),
    index("speed_tests_agent_idx").on(t.agentId, t.createdAt),
  ],
);

export const schedules = pgTable("schedules", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  serverIds: jsonb("server_ids").$type<string[]>().notNull(),
  interval: text().notNull(),
  options: jsonb().$type<Record<string, unknown>>().notNull(),
  enabled: boolean().notNull().default(true),
  lastRun: timestampTz("last_run"),
  nextRun: timestampTz("next_run"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const savedIperfServers = pgTable("saved_iperf_servers", {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  name: text().notNull(),
  host: text().notNull(),
  port: integer().notNull().default(5201),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
