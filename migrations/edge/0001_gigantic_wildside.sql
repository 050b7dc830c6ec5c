ALTER TABLE `captures` ADD `boot_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `captures` ADD `clock_trusted` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `captures` ADD `image_bytes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `captures` ADD `purged_at` integer;--> statement-breakpoint
CREATE INDEX `captures_purge` ON `captures` (`purged_at`,`uploaded_at`,`planned_at`);