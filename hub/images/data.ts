/** What the pictures of capture records read and write: the record a picture belongs to, the pictures held, retention's marks. */
import { and, eq, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { type HubDb, isPostgres } from "../db/client";
import { inGroupCommit } from "../db/group-commit";
import { preparedOnce } from "../db/prepared";
import { captureImages, captures } from "../db/schema";

/** The capture a picture belongs to: what its row in capture_images is keyed and ordered by. */
export interface PictureOwner {
  captureId: string;
  cameraId: string;
  plannedAt: number;
}

export type HeldPictures = typeof captureImages.$inferSelect;
export type PicturesChange = Partial<typeof captureImages.$inferInsert>;

// Prepared once: every thumbnail upload runs them.
const recordLookup = preparedOnce((db) =>
  db
    .select({ record: captures.record })
    .from(captures)
    .where(and(eq(captures.id, sql.placeholder("capture")), eq(captures.cameraId, sql.placeholder("camera"))))
    .prepare(),
);
const thumbnailUpsert = preparedOnce((db) => {
  const excluded = (column: { name: string }) => sql`excluded.${sql.identifier(column.name)}`;
  return db
    .insert(captureImages)
    .values({ captureId: sql.placeholder("capture"), cameraId: sql.placeholder("camera"), plannedAt: sql.placeholder("plannedAt"), thumbnailBytes: sql.placeholder("bytes"), thumbnailAt: sql.placeholder("at"), thumbnailPurgedAt: null })
    .onConflictDoUpdate({ target: captureImages.captureId, set: { thumbnailBytes: excluded(captureImages.thumbnailBytes), thumbnailAt: excluded(captureImages.thumbnailAt), thumbnailPurgedAt: null } })
    .prepare();
});

/** The record of this camera's capture, or null when the hub holds none. */
export async function captureRecord(db: HubDb, cameraId: string, captureId: string): Promise<CaptureRecord | null> {
  const [row] = await recordLookup(db).execute({ capture: captureId, camera: cameraId });
  return row?.record ?? null;
}

/** What the hub holds of a capture's pictures (sizes, arrival and purge times), or null before any arrived. */
export async function heldPictures(db: HubDb, captureId: string): Promise<HeldPictures | null> {
  return (await db.select().from(captureImages).where(eq(captureImages.captureId, captureId)))[0] ?? null;
}

/** A thumbnail of `bytes` arrived at `at` (one received before, or purged, is replaced). */
export async function saveThumbnail(db: HubDb, owner: PictureOwner, bytes: number, at: number): Promise<void> {
  const row = { capture: owner.captureId, camera: owner.cameraId, plannedAt: owner.plannedAt, bytes, at };
  // One statement is atomic alone: on PostgreSQL it needs no transaction (nor the hub-wide write lock), on SQLite it shares the group's WAL fsync.
  const upsert = (d: HubDb) => thumbnailUpsert(d).execute(row);
  await (isPostgres(db) ? upsert(db) : inGroupCommit(db, upsert));
}

/** Changes what is held of a capture's pictures (its row made on the first picture), committed with concurrent uploads. */
export async function savePictures(db: HubDb, owner: PictureOwner, change: PicturesChange): Promise<void> {
  await inGroupCommit(db, (tx) =>
    tx
      .insert(captureImages)
      .values({ ...owner, ...change })
      .onConflictDoUpdate({ target: captureImages.captureId, set: change }),
  );
}

/** Captures planned before `before` whose full image is held and not yet purged. */
export function fullImagesPlannedBefore(db: HubDb, before: number): Promise<{ captureId: string; cameraId: string }[]> {
  return db
    .select({ captureId: captureImages.captureId, cameraId: captureImages.cameraId })
    .from(captureImages)
    .where(and(isNotNull(captureImages.imageCompleteAt), isNull(captureImages.imagePurgedAt), lt(captureImages.plannedAt, before)));
}

/** Captures planned before `before` whose thumbnail is held and not yet purged. */
export function thumbnailsPlannedBefore(db: HubDb, before: number): Promise<{ captureId: string; cameraId: string }[]> {
  return db
    .select({ captureId: captureImages.captureId, cameraId: captureImages.cameraId })
    .from(captureImages)
    .where(and(isNotNull(captureImages.thumbnailAt), isNull(captureImages.thumbnailPurgedAt), lt(captureImages.plannedAt, before)));
}

export async function markFullImagePurged(db: HubDb, captureId: string, at: number): Promise<void> {
  await db.update(captureImages).set({ imagePurgedAt: at }).where(eq(captureImages.captureId, captureId));
}

export async function markThumbnailPurged(db: HubDb, captureId: string, at: number): Promise<void> {
  await db.update(captureImages).set({ thumbnailPurgedAt: at }).where(eq(captureImages.captureId, captureId));
}
