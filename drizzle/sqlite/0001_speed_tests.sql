CREATE TABLE `saved_iperf_servers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`host` text NOT NULL,
	`port` integer DEFAULT 5201 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`server_ids` text NOT NULL,
	`interval` text NOT NULL,
	`options` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`last_run` integer,
	`next_run` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `speed_tests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`test_type` text NOT NULL,
	`server_id` text NOT NULL,
	`server_name` text NOT NULL,
	`server_host` text NOT NULL,
	`download_mbps` real,
	`upload_mbps` real,
	`latency_ms` real,
	`jitter_ms` real,
	`packet_loss` real,
	`bytes_downloaded` integer DEFAULT 0 NOT NULL,
	`bytes_uploaded` integer DEFAULT 0 NOT NULL,
	`duration_ms` integer DEFAULT 0 NOT NULL,
	`is_scheduled` integer DEFAULT false NOT NULL,
	`schedule_id` integer,
	`error` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `speed_tests_created_at_idx` ON `speed_tests` (`created_at`);--> statement-breakpoint
CREATE INDEX `speed_tests_type_idx` ON `speed_tests` (`test_type`,`created_at`);