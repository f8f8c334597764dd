/** Notification channels, their rules, the alert state each rule keeps, and the delivery history. */
import { boolean, doublePrecision, index, integer, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, timestampTz, updatedAt } from "./columns";

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
    lastSentAt: timestampTz("last_sent_at"),
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
