CREATE TABLE `agent_logs` (
	`camera_id` text NOT NULL,
	`log_id` text NOT NULL,
	`contiguous_through` integer DEFAULT 0 NOT NULL,
	`max_seq` integer DEFAULT 0 NOT NULL,
	`first_seen_at` integer NOT NULL,
	PRIMARY KEY(`camera_id`, `log_id`)
);
--> statement-breakpoint
CREATE TABLE `cameras` (
	`id` text PRIMARY KEY NOT NULL,
	`config` text NOT NULL,
	`token_hash` text,
	`last_contact_at` integer,
	`observed` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cameras_token_hash` ON `cameras` (`token_hash`);--> statement-breakpoint
CREATE TABLE `captures` (
	`id` text PRIMARY KEY NOT NULL,
	`camera_id` text NOT NULL,
	`log_id` text NOT NULL,
	`seq` integer NOT NULL,
	`planned_at` integer NOT NULL,
	`schedule` text NOT NULL,
	`profile_id` text NOT NULL,
	`outcome` text NOT NULL,
	`record` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `captures_log_seq` ON `captures` (`camera_id`,`log_id`,`seq`);--> statement-breakpoint
CREATE INDEX `captures_camera_planned` ON `captures` (`camera_id`,`planned_at`);--> statement-breakpoint
CREATE TABLE `profile_versions` (
	`profile_id` text NOT NULL,
	`version` text NOT NULL,
	`checksum` text NOT NULL,
	`snapshot` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`profile_id`, `version`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `profile_versions_checksum` ON `profile_versions` (`profile_id`,`checksum`);--> statement-breakpoint
CREATE TABLE `profiles` (
	`id` text PRIMARY KEY NOT NULL,
	`definition` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `schedules` (
	`name` text PRIMARY KEY NOT NULL,
	`rule` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
