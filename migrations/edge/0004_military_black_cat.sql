DROP INDEX `captures_tick_profile`;--> statement-breakpoint
CREATE UNIQUE INDEX `captures_tick_profile` ON `captures` (`planned_at`,`profile_id`) WHERE test_id IS NULL AND clock_trusted = 1;