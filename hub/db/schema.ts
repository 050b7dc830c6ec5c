import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { CameraConfig } from "../../shared/contracts/config";
import type { ProfileDefinition, ProfileSnapshot } from "../../shared/contracts/profile";
import type { ScheduleRule } from "../../shared/contracts/schedule";
import type { CaptureRecord, ObservedState } from "../../shared/contracts/sync";

/** Small singleton settings: the site location and the sync policy, as JSON. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
});

export const schedules = sqliteTable("schedules", {
  name: text("name").primaryKey(),
  rule: text("rule", { mode: "json" }).$type<ScheduleRule>().notNull(),
});

export const profiles = sqliteTable("profiles", {
  id: text("id").primaryKey(),
  /** The definition in our own form (seed-form input is normalized on the way in). */
  definition: text("definition", { mode: "json" }).$type<ProfileDefinition>().notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const profileVersions = sqliteTable(
  "profile_versions",
  {
    profileId: text("profile_id").notNull(),
    version: text("version").notNull(),
    checksum: text("checksum").notNull(),
    snapshot: text("snapshot", { mode: "json" }).$type<ProfileSnapshot>().notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.profileId, t.version] }), uniqueIndex("profile_versions_checksum").on(t.profileId, t.checksum)],
);

export const cameras = sqliteTable(
  "cameras",
  {
    id: text("id").primaryKey(),
    config: text("config", { mode: "json" }).$type<CameraConfig>().notNull(),
    /** sha256 of the agent's bearer token; the token itself is never stored. */
    tokenHash: text("token_hash"),
    lastContactAt: integer("last_contact_at"),
    observed: text("observed", { mode: "json" }).$type<ObservedState>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("cameras_token_hash").on(t.tokenHash)],
);

export const captures = sqliteTable(
  "captures",
  {
    id: text("id").primaryKey(),
    cameraId: text("camera_id").notNull(),
    logId: text("log_id").notNull(),
    seq: integer("seq").notNull(),
    plannedAt: integer("planned_at").notNull(),
    schedule: text("schedule").notNull(),
    profileId: text("profile_id").notNull(),
    outcome: text("outcome").notNull(),
    record: text("record", { mode: "json" }).$type<CaptureRecord>().notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    uniqueIndex("captures_log_seq").on(t.cameraId, t.logId, t.seq),
    index("captures_camera_planned").on(t.cameraId, t.plannedAt),
  ],
);

/** Per agent log: how far the hub holds every record without a gap. */
export const agentLogs = sqliteTable(
  "agent_logs",
  {
    cameraId: text("camera_id").notNull(),
    logId: text("log_id").notNull(),
    contiguousThrough: integer("contiguous_through").notNull().default(0),
    maxSeq: integer("max_seq").notNull().default(0),
    firstSeenAt: integer("first_seen_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cameraId, t.logId] })],
);
