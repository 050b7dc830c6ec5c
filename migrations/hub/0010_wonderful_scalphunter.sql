CREATE TABLE `agent_release_assignments` (
	`camera_id` text PRIMARY KEY NOT NULL,
	`target` text NOT NULL,
	`previous` text,
	`assigned_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `agent_releases` (
	`version` text NOT NULL,
	`arch` text NOT NULL,
	`signed` text NOT NULL,
	`runtime_sha256` text NOT NULL,
	`runtime_bytes` integer NOT NULL,
	`bundle_sha256` text NOT NULL,
	`bundle_bytes` integer NOT NULL,
	`published_at` integer NOT NULL,
	PRIMARY KEY(`version`, `arch`)
);
--> statement-breakpoint
CREATE INDEX `agent_releases_published` ON `agent_releases` (`published_at`);--> statement-breakpoint
CREATE TABLE `alert_channels` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`format` text,
	`url` text,
	`secret` text,
	`email_to` text,
	`per_event` integer DEFAULT true NOT NULL,
	`digest_hour` integer,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`channel_id` text NOT NULL,
	`alert_id` integer,
	`event` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_until` integer,
	`last_error` text,
	`last_status` integer,
	`created_at` integer NOT NULL,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_deliveries_key` ON `alert_deliveries` (`key`);--> statement-breakpoint
CREATE INDEX `alert_deliveries_due` ON `alert_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `alert_deliveries_created` ON `alert_deliveries` (`created_at`);--> statement-breakpoint
CREATE TABLE `alert_mutes` (
	`camera_id` text NOT NULL,
	`kind` text NOT NULL,
	`until` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`camera_id`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`open_key` text,
	`camera_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`since` integer NOT NULL,
	`fired_at` integer,
	`clear_since` integer,
	`resolved_at` integer,
	`notified_at` integer,
	`resolution_notified_at` integer,
	`acknowledged_at` integer,
	`summary` text NOT NULL,
	`value` text,
	`threshold` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_open` ON `alerts` (`open_key`);--> statement-breakpoint
CREATE INDEX `alerts_camera` ON `alerts` (`camera_id`,`since`);--> statement-breakpoint
CREATE INDEX `alerts_status` ON `alerts` (`status`);--> statement-breakpoint
CREATE TABLE `diagnostics_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`camera_id` text NOT NULL,
	`requested_at` integer NOT NULL,
	`received_at` integer,
	`bundle` text,
	`bytes` integer
);
--> statement-breakpoint
CREATE INDEX `diagnostics_requests_camera` ON `diagnostics_requests` (`camera_id`,`requested_at`);--> statement-breakpoint
CREATE TABLE `health_buckets` (
	`camera_id` text NOT NULL,
	`bucket_at` integer NOT NULL,
	`samples` integer NOT NULL,
	`metrics` text NOT NULL,
	PRIMARY KEY(`camera_id`, `bucket_at`)
);
--> statement-breakpoint
CREATE INDEX `health_buckets_at` ON `health_buckets` (`bucket_at`);--> statement-breakpoint
CREATE TABLE `maintenance_windows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`camera_id` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `maintenance_camera` ON `maintenance_windows` (`camera_id`,`ends_at`);