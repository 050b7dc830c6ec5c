CREATE TABLE `captures` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`planned_at` integer NOT NULL,
	`schedule` text NOT NULL,
	`profile_id` text NOT NULL,
	`outcome` text NOT NULL,
	`test_id` text,
	`record` text NOT NULL,
	`uploaded_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `captures_id_unique` ON `captures` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `captures_tick_profile` ON `captures` (`planned_at`,`profile_id`) WHERE test_id IS NULL;--> statement-breakpoint
CREATE INDEX `captures_planned` ON `captures` (`planned_at`);--> statement-breakpoint
CREATE TABLE `desired` (
	`id` integer PRIMARY KEY NOT NULL,
	`etag` text NOT NULL,
	`state` text NOT NULL,
	`applied_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY NOT NULL,
	`enqueued_at` integer NOT NULL,
	FOREIGN KEY (`seq`) REFERENCES `captures`(`seq`) ON UPDATE no action ON DELETE no action
);
