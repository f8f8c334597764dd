/** Speed-test results, their schedules and the saved iperf3 servers. */
import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { ProviderId } from "../../measure/providers/registry";
import { createdAt, timestampMs, updatedAt } from "./columns";

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

/** A recurring speed test. `options` holds the TestOptions it runs with. */
export const schedules = sqliteTable("schedules", {
  id: integer().primaryKey({ autoIncrement: true }),
  serverIds: text("server_ids", { mode: "json" }).$type<string[]>().notNull(),
  interval: text().notNull(),
  options: text({ mode: "json" }).$type<Record<string, unknown>>().notNull(),
  enabled: integer({ mode: "boolean" }).notNull().default(true),
  lastRun: timestampMs("last_run"),
  nextRun: timestampMs("next_run"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const savedIperfServers = sqliteTable("saved_iperf_servers", {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text().notNull(),
  host: text().notNull(),
  port: integer().notNull().default(5201),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
