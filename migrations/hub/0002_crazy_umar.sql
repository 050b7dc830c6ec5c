CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`before` text,
	`after` text
);
--> statement-breakpoint
CREATE INDEX `audit_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `enrollment_codes` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`camera_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE TABLE `override_tests` (
	`id` text PRIMARY KEY NOT NULL,
	`camera_ids` text NOT NULL,
	`schedule` text,
	`override` text NOT NULL,
	`pairs` integer,
	`until_at` integer,
	`from_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`cancelled_at` integer
);
--> statement-breakpoint
ALTER TABLE `cameras` ADD `assigned_profile` text;--> statement-breakpoint
ALTER TABLE `cameras` ADD `assigned_version` text;--> statement-breakpoint
ALTER TABLE `cameras` ADD `retired_at` integer;--> statement-breakpoint
ALTER TABLE `captures` ADD `test_id` text;--> statement-breakpoint
CREATE INDEX `captures_test` ON `captures` (`test_id`,`camera_id`,`planned_at`);--> statement-breakpoint
UPDATE `cameras` SET `assigned_profile` = json_extract(`config`, '$.deployed_profile'), `assigned_version` = 'latest' WHERE json_extract(`config`, '$.deployed_profile') IS NOT NULL;--> statement-breakpoint
UPDATE `captures` SET `test_id` = json_extract(`record`, '$.test_id');
