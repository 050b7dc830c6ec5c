import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { DesiredState } from "../../shared/contracts/sync";
import type { CaptureRecord } from "../../shared/contracts/sync";

export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/** The last desired state pulled from the hub; replaced whole, in one statement. */
export const desired = sqliteTable("desired", {
  id: integer("id").primaryKey(),
  etag: text("etag").notNull(),
  state: text("state", { mode: "json" }).$type<DesiredState>().notNull(),
  appliedAt: integer("applied_at").notNull(),
});

/** The capture log: one row per planned tick and profile, whatever became of it. */
export const captures = sqliteTable(
  "captures",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    plannedAt: integer("planned_at").notNull(),
    schedule: text("schedule").notNull(),
    profileId: text("profile_id").notNull(),
    outcome: text("outcome").notNull(),
    testId: text("test_id"),
    bootId: text("boot_id").notNull().default(""),
    clockTrusted: integer("clock_trusted", { mode: "boolean" }).notNull().default(true),
    record: text("record", { mode: "json" }).$type<Omit<CaptureRecord, "seq">>().notNull(),
    uploadedAt: integer("uploaded_at"),
    /** Bytes on disk for this capture's image files (all bracket frames); 0 once purged. */
    imageBytes: integer("image_bytes").notNull().default(0),
    /** When the hub confirmed it holds this capture's image (image sync); until then the image is the only copy. */
    imageSyncedAt: integer("image_synced_at"),
    /** When the hub confirmed it holds this capture's thumbnail. */
    thumbSyncedAt: integer("thumb_synced_at"),
    purgedAt: integer("purged_at"),
  },
  (t) => [
    // A record whose time is not established (clock_trusted 0: a safety capture, a misdated record set aside) claims no tick.
    uniqueIndex("captures_tick_profile").on(t.plannedAt, t.profileId).where(sql`test_id IS NULL AND clock_trusted = 1`),
    index("captures_planned").on(t.plannedAt),
    index("captures_purge").on(t.purgedAt, t.imageSyncedAt, t.plannedAt),
  ],
);

/** Records committed but not yet acknowledged by the hub, oldest first by seq. */
export const outbox = sqliteTable("outbox", {
  seq: integer("seq")
    .primaryKey()
    .references(() => captures.seq),
  enqueuedAt: integer("enqueued_at").notNull(),
});
