/** The SQL of timelapse jobs and the captures they render (drizzle's async API only); the queue's claims are in queue.ts. */
import { and, asc, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { FrameSource, TimelapseStatus } from "../../shared/contracts/timelapse";
import type { HubDb } from "../db/client";
import { captureImages, captures, timelapses } from "../db/schema";

export type TimelapseRow = typeof timelapses.$inferSelect;

/** A camera's records planned in [from, to), oldest first, with whether the hub holds the picture a render of `source` needs. */
export function capturesWithPictures(db: HubDb, cameraId: string, from: number, to: number, source: FrameSource) {
  const held =
    source === "full"
      ? sql<number>`(${captureImages.imageCompleteAt} IS NOT NULL AND ${captureImages.imagePurgedAt} IS NULL)`
      : sql<number>`(${captureImages.thumbnailAt} IS NOT NULL AND ${captureImages.thumbnailPurgedAt} IS NULL)`;
  return db
    .select({ id: captures.id, record: captures.record, held })
    .from(captures)
    .leftJoin(captureImages, eq(captureImages.captureId, captures.id))
    .where(and(eq(captures.cameraId, cameraId), gte(captures.plannedAt, from), lt(captures.plannedAt, to)))
    .orderBy(asc(captures.plannedAt));
}

export async function timelapseRow(db: HubDb, id: string): Promise<TimelapseRow | null> {
  const [row] = await db.select().from(timelapses).where(eq(timelapses.id, id));
  return row ?? null;
}

/** The job of a spec (by its key), if there is one. */
export async function timelapseWithSpec(db: HubDb, specKey: string): Promise<TimelapseRow | null> {
  const [row] = await db.select().from(timelapses).where(eq(timelapses.specKey, specKey));
  return row ?? null;
}

export async function insertTimelapse(db: HubDb, row: typeof timelapses.$inferInsert): Promise<void> {
  await db.insert(timelapses).values(row);
}

export async function updateTimelapse(db: HubDb, id: string, set: Partial<TimelapseRow>): Promise<void> {
  await db.update(timelapses).set(set).where(eq(timelapses.id, id));
}

export async function deleteTimelapse(db: HubDb, id: string): Promise<void> {
  await db.delete(timelapses).where(eq(timelapses.id, id));
}

/** Jobs whose cameras include `cameraId` (the ids are a JSON array in text; ids never hold a quote). */
function namesCamera(cameraId: string) {
  const pattern = `%${JSON.stringify(cameraId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`${timelapses.cameraIds} LIKE ${pattern} ESCAPE '\\'`;
}

/** Jobs newest first, of a status and naming a camera when asked. */
export function timelapseRows(db: HubDb, filter: { camera_id?: string; status?: TimelapseStatus; limit: number }): Promise<TimelapseRow[]> {
  const where = [filter.status ? eq(timelapses.status, filter.status) : undefined, filter.camera_id ? namesCamera(filter.camera_id) : undefined];
  return db
    .select()
    .from(timelapses)
    .where(and(...where))
    .orderBy(desc(timelapses.createdAt), desc(timelapses.id))
    .limit(filter.limit);
}

/** How many jobs are queued and how many running. */
export async function queueCounts(db: HubDb): Promise<{ queued: number; running: number }> {
  const rows = await db
    .select({ status: timelapses.status, n: sql<number>`count(*)`.mapWith(Number) })
    .from(timelapses)
    .where(inArray(timelapses.status, ["queued", "running"]))
    .groupBy(timelapses.status);
  const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return { queued: count("queued"), running: count("running") };
}

/** Writes to a job while `job`'s attempt is still the running one; false once it is not. */
export async function updateRunningAttempt(db: HubDb, job: Pick<TimelapseRow, "id" | "attempt">, set: Partial<TimelapseRow>): Promise<boolean> {
  const changed = await db
    .update(timelapses)
    .set(set)
    .where(and(eq(timelapses.id, job.id), eq(timelapses.attempt, job.attempt), eq(timelapses.status, "running")))
    .returning({ id: timelapses.id });
  return changed.length > 0;
}
