CREATE TABLE "agent_logs" (
	"camera_id" text NOT NULL,
	"log_id" text NOT NULL,
	"contiguous_through" bigint DEFAULT 0 NOT NULL,
	"max_seq" bigint DEFAULT 0 NOT NULL,
	"first_seen_at" bigint NOT NULL,
	"state" text,
	"state_at" bigint,
	CONSTRAINT "agent_logs_camera_id_log_id_pk" PRIMARY KEY("camera_id","log_id")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" serial PRIMARY KEY NOT NULL,
	"at" bigint NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text NOT NULL,
	"before" text,
	"after" text
);
--> statement-breakpoint
CREATE TABLE "cameras" (
	"id" text PRIMARY KEY NOT NULL,
	"config" text NOT NULL,
	"token_hash" text,
	"last_contact_at" bigint,
	"observed" text,
	"created_at" bigint NOT NULL,
	"assigned_profile" text,
	"assigned_version" text,
	"retired_at" bigint,
	"revision" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "capture_aliases" (
	"camera_id" text NOT NULL,
	"log_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"record_id" text NOT NULL,
	"capture_id" text NOT NULL,
	"received_at" bigint NOT NULL,
	CONSTRAINT "capture_aliases_camera_id_log_id_seq_pk" PRIMARY KEY("camera_id","log_id","seq")
);
--> statement-breakpoint
CREATE TABLE "capture_images" (
	"capture_id" text PRIMARY KEY NOT NULL,
	"camera_id" text NOT NULL,
	"planned_at" bigint NOT NULL,
	"thumbnail_bytes" bigint,
	"thumbnail_at" bigint,
	"image_bytes" bigint,
	"image_complete_at" bigint,
	"image_purged_at" bigint,
	"thumbnail_purged_at" bigint
);
--> statement-breakpoint
CREATE TABLE "captures" (
	"id" text PRIMARY KEY NOT NULL,
	"camera_id" text NOT NULL,
	"log_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"planned_at" bigint NOT NULL,
	"schedule" text NOT NULL,
	"profile_id" text NOT NULL,
	"outcome" text NOT NULL,
	"record" text NOT NULL,
	"received_at" bigint NOT NULL,
	"tick_key" text,
	"test_id" text,
	"test_role" text,
	"captured_at" bigint,
	"reason_code" text,
	"reason" text,
	"recovered" bigint DEFAULT 0 NOT NULL,
	"mean_luma" double precision,
	"clipped_pct" double precision,
	"crushed_pct" double precision
);
--> statement-breakpoint
CREATE TABLE "clock_samples" (
	"camera_id" text NOT NULL,
	"at" bigint NOT NULL,
	"offset_ms" bigint,
	"trusted" bigint NOT NULL,
	"source" text NOT NULL,
	"correction_ms" bigint NOT NULL,
	CONSTRAINT "clock_samples_camera_id_at_pk" PRIMARY KEY("camera_id","at")
);
--> statement-breakpoint
CREATE TABLE "enrollment_codes" (
	"code_hash" text PRIMARY KEY NOT NULL,
	"camera_id" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"used_at" bigint
);
--> statement-breakpoint
CREATE TABLE "log_gaps" (
	"camera_id" text NOT NULL,
	"log_id" text NOT NULL,
	"from_seq" bigint NOT NULL,
	"to_seq" bigint NOT NULL,
	CONSTRAINT "log_gaps_camera_id_log_id_to_seq_pk" PRIMARY KEY("camera_id","log_id","to_seq")
);
--> statement-breakpoint
CREATE TABLE "outages" (
	"camera_id" text NOT NULL,
	"from_at" bigint NOT NULL,
	"to_at" bigint NOT NULL,
	"backlog_at_return" bigint NOT NULL,
	"oldest_pending_at" bigint,
	"caught_up_at" bigint,
	CONSTRAINT "outages_camera_id_from_at_pk" PRIMARY KEY("camera_id","from_at")
);
--> statement-breakpoint
CREATE TABLE "override_tests" (
	"id" text PRIMARY KEY NOT NULL,
	"camera_ids" text NOT NULL,
	"schedule" text,
	"override" text NOT NULL,
	"pairs" bigint,
	"until_at" bigint,
	"from_at" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"cancelled_at" bigint
);
--> statement-breakpoint
CREATE TABLE "plan_revisions" (
	"camera_id" text NOT NULL,
	"revision" bigint NOT NULL,
	"effective_at" bigint NOT NULL,
	"content_hash" text NOT NULL,
	"position" text NOT NULL,
	"rules" text NOT NULL,
	"default_profiles" text NOT NULL,
	CONSTRAINT "plan_revisions_camera_id_revision_pk" PRIMARY KEY("camera_id","revision")
);
--> statement-breakpoint
CREATE TABLE "profile_versions" (
	"profile_id" text NOT NULL,
	"version" text NOT NULL,
	"checksum" text NOT NULL,
	"snapshot" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "profile_versions_profile_id_version_pk" PRIMARY KEY("profile_id","version")
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"id" text PRIMARY KEY NOT NULL,
	"definition" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"name" text PRIMARY KEY NOT NULL,
	"rule" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "timelapses" (
	"id" text PRIMARY KEY NOT NULL,
	"spec_key" text NOT NULL,
	"origin" text NOT NULL,
	"camera_ids" text NOT NULL,
	"from_at" bigint NOT NULL,
	"to_at" bigint NOT NULL,
	"schedule" text,
	"profile_id" text,
	"fps" bigint NOT NULL,
	"crf" bigint NOT NULL,
	"deflicker" text NOT NULL,
	"source" text NOT NULL,
	"status" text NOT NULL,
	"attempt" bigint DEFAULT 0 NOT NULL,
	"frames" bigint DEFAULT 0 NOT NULL,
	"frames_done" bigint DEFAULT 0 NOT NULL,
	"missing" bigint DEFAULT 0 NOT NULL,
	"width" bigint,
	"height" bigint,
	"bytes" bigint,
	"error" text,
	"created_at" bigint NOT NULL,
	"started_at" bigint,
	"finished_at" bigint,
	"lease_until" bigint
);
--> statement-breakpoint
CREATE INDEX "audit_at" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "cameras_token_hash" ON "cameras" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "capture_images_camera" ON "capture_images" USING btree ("camera_id","planned_at");--> statement-breakpoint
CREATE INDEX "capture_images_planned" ON "capture_images" USING btree ("planned_at");--> statement-breakpoint
CREATE UNIQUE INDEX "captures_log_seq" ON "captures" USING btree ("camera_id","log_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "captures_tick" ON "captures" USING btree ("camera_id","tick_key");--> statement-breakpoint
CREATE INDEX "captures_camera_planned" ON "captures" USING btree ("camera_id","planned_at");--> statement-breakpoint
CREATE INDEX "captures_test" ON "captures" USING btree ("test_id","camera_id","planned_at");--> statement-breakpoint
CREATE UNIQUE INDEX "profile_versions_checksum" ON "profile_versions" USING btree ("profile_id","checksum");--> statement-breakpoint
CREATE UNIQUE INDEX "timelapses_spec" ON "timelapses" USING btree ("spec_key");--> statement-breakpoint
CREATE INDEX "timelapses_status" ON "timelapses" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "timelapses_created" ON "timelapses" USING btree ("created_at");