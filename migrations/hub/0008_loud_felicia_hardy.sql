ALTER TABLE `captures` ADD `test_role` text;--> statement-breakpoint
ALTER TABLE `captures` ADD `captured_at` integer;--> statement-breakpoint
ALTER TABLE `captures` ADD `reason_code` text;--> statement-breakpoint
ALTER TABLE `captures` ADD `reason` text;--> statement-breakpoint
ALTER TABLE `captures` ADD `recovered` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `captures` ADD `mean_luma` real;--> statement-breakpoint
ALTER TABLE `captures` ADD `clipped_pct` real;--> statement-breakpoint
ALTER TABLE `captures` ADD `crushed_pct` real;--> statement-breakpoint
UPDATE `captures` SET
  `test_role` = json_extract(`record`, '$.test_role'),
  `captured_at` = CASE WHEN json_extract(`record`, '$.captured_at') IS NULL THEN NULL ELSE CAST(ROUND((julianday(json_extract(`record`, '$.captured_at')) - 2440587.5) * 86400000) AS INTEGER) END,
  `reason_code` = json_extract(`record`, '$.reason_code'),
  `reason` = json_extract(`record`, '$.reason'),
  `recovered` = coalesce(json_extract(`record`, '$.recovered'), 0),
  `mean_luma` = json_extract(`record`, '$.measures.mean_luma'),
  `clipped_pct` = json_extract(`record`, '$.measures.clipped_highlights_pct'),
  `crushed_pct` = json_extract(`record`, '$.measures.crushed_shadows_pct');
