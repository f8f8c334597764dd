CREATE TABLE `notification_alert_state` (
	`rule_key` text NOT NULL,
	`subject` text NOT NULL,
	`recent` text NOT NULL,
	`firing` integer DEFAULT false NOT NULL,
	`last_sent_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`rule_key`, `subject`)
);
--> statement-breakpoint
CREATE TABLE `notification_channels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`url` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notification_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel_id` integer,
	`channel_name` text NOT NULL,
	`event_id` integer NOT NULL,
	`success` integer NOT NULL,
	`error_message` text,
	`payload` text NOT NULL,
	`attempts` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notification_history_time_idx` ON `notification_history` (`created_at`);--> statement-breakpoint
CREATE TABLE `notification_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel_id` integer NOT NULL,
	`event_id` integer NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`threshold_value` real,
	`threshold_operator` text,
	`min_breaches` integer DEFAULT 1 NOT NULL,
	`window_size` integer DEFAULT 1 NOT NULL,
	`cooldown_minutes` integer DEFAULT 0 NOT NULL,
	`quiet_start` text,
	`quiet_end` text,
	`notify_recovery` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `notification_channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_rules_channel_event_idx` ON `notification_rules` (`channel_id`,`event_id`);