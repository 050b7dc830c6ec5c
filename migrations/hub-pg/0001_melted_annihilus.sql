CREATE TABLE "agent_release_assignments" (
	"camera_id" text PRIMARY KEY NOT NULL,
	"target" text NOT NULL,
	"previous" text,
	"assigned_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_releases" (
	"version" text NOT NULL,
	"arch" text NOT NULL,
	"signed" text NOT NULL,
	"runtime_sha256" text NOT NULL,
	"runtime_bytes" bigint NOT NULL,
	"bundle_sha256" text NOT NULL,
	"bundle_bytes" bigint NOT NULL,
	"published_at" bigint NOT NULL,
	CONSTRAINT "agent_releases_version_arch_pk" PRIMARY KEY("version","arch")
);
--> statement-breakpoint
CREATE TABLE "alert_channels" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"format" text,
	"url" text,
	"secret" text,
	"email_to" text,
	"per_event" bigint DEFAULT 1 NOT NULL,
	"digest_hour" bigint,
	"enabled" bigint DEFAULT 1 NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_deliveries" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"channel_id" text NOT NULL,
	"alert_id" bigint,
	"event" text NOT NULL,
	"payload" text NOT NULL,
	"status" text NOT NULL,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint NOT NULL,
	"lease_until" bigint,
	"last_error" text,
	"last_status" bigint,
	"created_at" bigint NOT NULL,
	"delivered_at" bigint
);
--> statement-breakpoint
CREATE TABLE "alert_mutes" (
	"camera_id" text NOT NULL,
	"kind" text NOT NULL,
	"until" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "alert_mutes_camera_id_kind_pk" PRIMARY KEY("camera_id","kind")
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"open_key" text,
	"camera_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"since" bigint NOT NULL,
	"fired_at" bigint,
	"clear_since" bigint,
	"resolved_at" bigint,
	"notified_at" bigint,
	"resolution_notified_at" bigint,
	"acknowledged_at" bigint,
	"summary" text NOT NULL,
	"value" text,
	"threshold" text
);
--> statement-breakpoint
CREATE TABLE "diagnostics_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"camera_id" text NOT NULL,
	"requested_at" bigint NOT NULL,
	"received_at" bigint,
	"bundle" text,
	"bytes" bigint
);
--> statement-breakpoint
CREATE TABLE "health_buckets" (
	"camera_id" text NOT NULL,
	"bucket_at" bigint NOT NULL,
	"samples" bigint NOT NULL,
	"metrics" text NOT NULL,
	CONSTRAINT "health_buckets_camera_id_bucket_at_pk" PRIMARY KEY("camera_id","bucket_at")
);
--> statement-breakpoint
CREATE TABLE "maintenance_windows" (
	"id" serial PRIMARY KEY NOT NULL,
	"camera_id" text NOT NULL,
	"starts_at" bigint NOT NULL,
	"ends_at" bigint NOT NULL,
	"reason" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "agent_releases_published" ON "agent_releases" USING btree ("published_at");--> statement-breakpoint
CREATE UNIQUE INDEX "alert_deliveries_key" ON "alert_deliveries" USING btree ("key");--> statement-breakpoint
CREATE INDEX "alert_deliveries_due" ON "alert_deliveries" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "alert_deliveries_created" ON "alert_deliveries" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_open" ON "alerts" USING btree ("open_key");--> statement-breakpoint
CREATE INDEX "alerts_camera" ON "alerts" USING btree ("camera_id","since");--> statement-breakpoint
CREATE INDEX "alerts_status" ON "alerts" USING btree ("status");--> statement-breakpoint
CREATE INDEX "diagnostics_requests_camera" ON "diagnostics_requests" USING btree ("camera_id","requested_at");--> statement-breakpoint
CREATE INDEX "health_buckets_at" ON "health_buckets" USING btree ("bucket_at");--> statement-breakpoint
CREATE INDEX "maintenance_camera" ON "maintenance_windows" USING btree ("camera_id","ends_at");