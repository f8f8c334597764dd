PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_packet_loss_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`monitor_id` integer NOT NULL,
	`packet_loss` real,
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
	`fallback_reason` text,
	`agent_id` integer,
	`unreachable` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`monitor_id`) REFERENCES `packet_loss_monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_packet_loss_results`("id", "monitor_id", "packet_loss", "packets_sent", "packets_recv", "min_rtt", "avg_rtt", "max_rtt", "std_dev_rtt", "method", "privileged_mode", "hop_count", "hops", "error", "fallback_reason", "created_at") SELECT "id", "monitor_id", "packet_loss", "packets_sent", "packets_recv", "min_rtt", "avg_rtt", "max_rtt", "std_dev_rtt", "method", "privileged_mode", "hop_count", "hops", "error", "fallback_reason", "created_at" FROM `packet_loss_results`;--> statement-breakpoint
DROP TABLE `packet_loss_results`;--> statement-breakpoint
ALTER TABLE `__new_packet_loss_results` RENAME TO `packet_loss_results`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `packet_loss_results_monitor_time_idx` ON `packet_loss_results` (`monitor_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `packet_loss_results_time_idx` ON `packet_loss_results` (`created_at`);--> statement-breakpoint
ALTER TABLE `packet_loss_monitors` ADD `agent_id` integer;--> statement-breakpoint
ALTER TABLE `speed_tests` ADD `agent_id` integer;--> statement-breakpoint
ALTER TABLE `speed_tests` ADD `agent_name` text;--> statement-breakpoint
CREATE INDEX `speed_tests_agent_idx` ON `speed_tests` (`agent_id`,`created_at`);