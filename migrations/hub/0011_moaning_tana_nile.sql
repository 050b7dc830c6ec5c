CREATE TABLE `hub_versions` (
	`version` text PRIMARY KEY NOT NULL,
	`first_started_at` integer NOT NULL,
	`last_started_at` integer NOT NULL
);
