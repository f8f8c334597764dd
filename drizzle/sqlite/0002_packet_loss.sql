CREATE TABLE `monitor_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`monitor_id` integer NOT NULL,
	`from_state` text NOT NULL,
	`to_state` text NOT NULL,
	`packet_loss` real,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`monitor_id`) REFERENCES `packet_loss_monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `monitor_events_monitor_idx` ON `monitor_events` (`monitor_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `packet_loss_monitors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`host` text NOT NULL,
	`name` text NOT NULL,
	`interval` text NOT NULL,
	`packet_count` integer NOT NULL,
	`threshold` real NOT NULL,
	`enabled` integer DEFAULT false NOT NULL,
	`last_run` integer,
	`next_run` integer,
	`last_state` text DEFAULT 'unknown' NOT NULL,
	`last_state_change` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `packet_loss_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`monitor_id` integer NOT NULL,
	`packet_loss` real NOT NULL,
	`packets_sent` integer NOT NULL,
	`packets_recv` integer NOT NULL,
	`min_rtt` real,
	`avg_rtt` real,
	`max_rtt` real,
	`std_dev_rtt` real,
	`method` text NOT NULL,
	`privileged_mode` integer DEFAULT false NOT NULL,
	`hop_count` integer,
	`hops` text,
	`error` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`monitor_id`) REFERENCES `packet_loss_monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `packet_loss_results_monitor_time_idx` ON `packet_loss_results` (`monitor_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `packet_loss_results_time_idx` ON `packet_loss_results` (`created_at`);--> statement-breakpoint
CREATE TABLE `packet_loss_rollups` (
	`monitor_id` integer NOT NULL,
	`resolution` integer NOT NULL,
	`bucket_start` integer NOT NULL,
	`runs` integer NOT NULL,
	`packets_sent` integer NOT NULL,
	`packets_recv` integer NOT NULL,
	`rtt_count` integer NOT NULL,
	`rtt_sum` real NOT NULL,
	`rtt_min` real,
	`rtt_max` real,
	`loss_max` real NOT NULL,
	`histogram` text NOT NULL,
	PRIMARY KEY(`monitor_id`, `resolution`, `bucket_start`),
	FOREIGN KEY (`monitor_id`) REFERENCES `packet_loss_monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `packet_loss_rollups_time_idx` ON `packet_loss_rollups` (`resolution`,`bucket_start`);