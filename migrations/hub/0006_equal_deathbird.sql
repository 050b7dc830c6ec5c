CREATE TABLE `log_gaps` (
	`camera_id` text NOT NULL,
	`log_id` text NOT NULL,
	`from_seq` integer NOT NULL,
	`to_seq` integer NOT NULL,
	PRIMARY KEY(`camera_id`, `log_id`, `to_seq`)
);
--> statement-breakpoint
ALTER TABLE `agent_logs` ADD `state` text;--> statement-breakpoint
ALTER TABLE `agent_logs` ADD `state_at` integer;--> statement-breakpoint
INSERT INTO `log_gaps` (`camera_id`, `log_id`, `from_seq`, `to_seq`)
SELECT `camera_id`, `log_id`, `prev` + 1, `seq` - 1 FROM (
  SELECT `camera_id`, `log_id`, `seq`, lag(`seq`, 1, 0) OVER (PARTITION BY `camera_id`, `log_id` ORDER BY `seq`) AS `prev` FROM (
    SELECT `camera_id`, `log_id`, `seq` FROM `captures` UNION SELECT `camera_id`, `log_id`, `seq` FROM `capture_aliases`
  )
) WHERE `seq` > `prev` + 1;
