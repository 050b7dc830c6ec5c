DROP INDEX `captures_purge`;--> statement-breakpoint
ALTER TABLE `captures` ADD `image_synced_at` integer;--> statement-breakpoint
CREATE INDEX `captures_purge` ON `captures` (`purged_at`,`image_synced_at`,`planned_at`);