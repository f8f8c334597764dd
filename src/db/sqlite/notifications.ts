/** Notification channels, their rules, the alert state each rule keeps, and the delivery history. */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, timestampMs, updatedAt } from "./columns";

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
    lastSentAt: timestampMs("last_sent_at"),
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
