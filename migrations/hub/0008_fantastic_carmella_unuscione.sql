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
CREATE INDEX `agent_releases_published` ON `agent_releases` (`published_at`);