CREATE TABLE `agent_interfaces` (
	`agent_id` integer NOT NULL,
	`name` text NOT NULL,
	`alias` text NOT NULL,
	`ip_address` text NOT NULL,
	`addresses` text NOT NULL,
	`link_speed` integer NOT NULL,
	`is_up` integer NOT NULL,
	`bytes_total` integer NOT NULL,
	PRIMARY KEY(`agent_id`, `name`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `agent_peaks` (
	`agent_id` integer PRIMARY KEY NOT NULL,
	`peak_rx` real NOT NULL,
	`peak_tx` real NOT NULL,
	`peak_rx_at` integer,
	`peak_tx_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `agent_rollups` (
	`agent_id` integer NOT NULL,
	`metric` text NOT NULL,
	`label` text NOT NULL,
	`resolution` integer NOT NULL,
	`bucket_start` integer NOT NULL,
	`count` integer NOT NULL,
	`sum` real NOT NULL,
	`min` real NOT NULL,
	`max` real NOT NULL,
	PRIMARY KEY(`agent_id`, `metric`, `label`, `resolution`, `bucket_start`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `agent_rollups_time_idx` ON `agent_rollups` (`resolution`,`bucket_start`);--> statement-breakpoint
CREATE TABLE `agent_samples` (
	`agent_id` integer NOT NULL,
	`metric` text NOT NULL,
	`label` text NOT NULL,
	`created_at` integer NOT NULL,
	`value` real NOT NULL,
	PRIMARY KEY(`agent_id`, `metric`, `label`, `created_at`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `agent_samples_time_idx` ON `agent_samples` (`created_at`);--> statement-breakpoint
CREATE TABLE `agent_system_info` (
	`agent_id` integer PRIMARY KEY NOT NULL,
	`hostname` text NOT NULL,
	`kernel` text NOT NULL,
	`uptime_seconds` integer NOT NULL,
	`vnstat_version` text NOT NULL,
	`agent_version` text,
	`protocol_version` integer,
	`bandwidth_source` text,
	`cpu_model` text,
	`cpu_cores` integer,
	`cpu_threads` integer,
	`total_memory` integer,
	`hardware` text,
	`system_at` integer,
	`hardware_at` integer,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `agent_vnstat` (
	`agent_id` integer NOT NULL,
	`interface_name` text NOT NULL,
	`vnstat_version` text NOT NULL,
	`json_version` text NOT NULL,
	`data` text NOT NULL,
	`server_time` text NOT NULL,
	`timezone_offset` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`agent_id`, `interface_name`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `agents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`interface` text DEFAULT '' NOT NULL,
	`api_key` text,
	`is_tailscale` integer DEFAULT false NOT NULL,
	`tailscale_hostname` text,
	`discovered_at` integer,
	`state` text,
	`state_reason` text,
	`state_since` integer,
	`last_seen_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
