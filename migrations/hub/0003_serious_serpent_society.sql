CREATE TABLE `capture_images` (
	`capture_id` text PRIMARY KEY NOT NULL,
	`camera_id` text NOT NULL,
	`planned_at` integer NOT NULL,
	`thumbnail_bytes` integer,
	`thumbnail_at` integer,
	`image_bytes` integer,
	`image_complete_at` integer,
	`image_purged_at` integer,
	`thumbnail_purged_at` integer
);
--> statement-breakpoint
CREATE INDEX `capture_images_camera` ON `capture_images` (`camera_id`,`planned_at`);--> statement-breakpoint
CREATE INDEX `capture_images_planned` ON `capture_images` (`planned_at`);