CREATE TABLE `capture_aliases` (
	`camera_id` text NOT NULL,
	`log_id` text NOT NULL,
	`seq` integer NOT NULL,
	`record_id` text NOT NULL,
	`capture_id` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`camera_id`, `log_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `clock_samples` (
	`camera_id` text NOT NULL,
	`at` integer NOT NULL,
	`offset_ms` integer,
	`trusted` integer NOT NULL,
	`source` text NOT NULL,
	`correction_ms` integer NOT NULL,
	PRIMARY KEY(`camera_id`, `at`)
);
--> statement-breakpoint
CREATE TABLE `outages` (
	`camera_id` text NOT NULL,
	`from_at` integer NOT NULL,
	`to_at` integer NOT NULL,
	`backlog_at_return` integer NOT NULL,
	`oldest_pending_at` integer,
	`caught_up_at` integer,
	PRIMARY KEY(`camera_id`, `from_at`)
);
--> statement-breakpoint
ALTER TABLE `captures` ADD `tick_key` text;--> statement-breakpoint
-- Backfill (hand-added): the natural key of each record already held, as tickKey() in
-- hub/agents/service.ts computes it; where one tick was stored twice, the first keeps it.
UPDATE `captures` SET `tick_key` = json_array(`planned_at`, `profile_id`, json_extract(`record`, '$.test_id'), json_extract(`record`, '$.test_role'))
WHERE rowid IN (SELECT min(rowid) FROM `captures` GROUP BY `camera_id`, `planned_at`, `profile_id`, json_extract(`record`, '$.test_id'), json_extract(`record`, '$.test_role'));--> statement-breakpoint
CREATE UNIQUE INDEX `captures_tick` ON `captures` (`camera_id`,`tick_key`);