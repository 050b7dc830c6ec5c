CREATE TABLE `health_buckets` (
	`camera_id` text NOT NULL,
	`bucket_at` integer NOT NULL,
	`samples` integer NOT NULL,
	`metrics` text NOT NULL,
	PRIMARY KEY(`camera_id`, `bucket_at`)
);
--> statement-breakpoint
CREATE INDEX `health_buckets_at` ON `health_buckets` (`bucket_at`);