CREATE TABLE `plan_revisions` (
	`camera_id` text NOT NULL,
	`revision` integer NOT NULL,
	`effective_at` integer NOT NULL,
	`content_hash` text NOT NULL,
	`position` text NOT NULL,
	`rules` text NOT NULL,
	`default_profiles` text NOT NULL,
	PRIMARY KEY(`camera_id`, `revision`)
);
