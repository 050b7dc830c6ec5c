CREATE TABLE `diagnostics_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`camera_id` text NOT NULL,
	`requested_at` integer NOT NULL,
	`received_at` integer,
	`bundle` text,
	`bytes` integer
);
--> statement-breakpoint
CREATE INDEX `diagnostics_requests_camera` ON `diagnostics_requests` (`camera_id`,`requested_at`);