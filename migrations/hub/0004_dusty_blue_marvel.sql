CREATE TABLE `timelapses` (
	`id` text PRIMARY KEY NOT NULL,
	`spec_key` text NOT NULL,
	`origin` text NOT NULL,
	`camera_ids` text NOT NULL,
	`from_at` integer NOT NULL,
	`to_at` integer NOT NULL,
	`schedule` text,
	`profile_id` text,
	`fps` integer NOT NULL,
	`crf` integer NOT NULL,
	`deflicker` text NOT NULL,
	`source` text NOT NULL,
	`status` text NOT NULL,
	`attempt` integer DEFAULT 0 NOT NULL,
	`frames` integer DEFAULT 0 NOT NULL,
	`frames_done` integer DEFAULT 0 NOT NULL,
	`missing` integer DEFAULT 0 NOT NULL,
	`width` integer,
	`height` integer,
	`bytes` integer,
	`error` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `timelapses_spec` ON `timelapses` (`spec_key`);--> statement-breakpoint
CREATE INDEX `timelapses_status` ON `timelapses` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `timelapses_created` ON `timelapses` (`created_at`);