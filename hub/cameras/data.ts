/** The SQL of cameras and their capture records as the operator API reads them (drizzle's async API only). */
import { and, asc, eq, gt, gte, inArray, isNull, lt, or } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { cameras, captures } from "../db/schema";

export type CameraRow = typeof cameras.$inferSelect;

export function cameraRows(db: HubDb): Promise<CameraRow[]> {
  return db.select().from(cameras).orderBy(cameras.id);
}

export async function cameraRow(db: HubDb, cameraId: string): Promise<CameraRow | null> {
  const [row] = await db.select().from(cameras).where(eq(cameras.id, cameraId));
  return row ?? null;
}

export async function cameraExists(db: HubDb, cameraId: string): Promise<boolean> {
  return (await db.select({ id: cameras.id }).from(cameras).where(eq(cameras.id, cameraId))).length > 0;
}

/** Which of these cameras the hub knows (retired ones included). */
export async function knownCameraIds(db: HubDb, ids: string[]): Promise<Set<string>> {
  return new Set((await db.select({ id: cameras.id }).from(cameras).where(inArray(cameras.id, ids))).map((c) => c.id));
}

/** The cameras not retired. */
export async function activeCameraIds(db: HubDb): Promise<string[]> {
  return (await db.select({ id: cameras.id }).from(cameras).where(isNull(cameras.retiredAt))).map((c) => c.id);
}

export async function insertCamera(db: HubDb, row: typeof cameras.$inferInsert): Promise<CameraRow> {
  const [inserted] = await db.insert(cameras).values(row).returning();
  return inserted!;
}

/** Sets some of a camera's columns; the row as it now is. */
export async function updateCameraRow(db: HubDb, cameraId: string, set: Partial<Pick<CameraRow, "config" | "retiredAt" | "tokenHash">>): Promise<CameraRow> {
  const [updated] = await db.update(cameras).set(set).where(eq(cameras.id, cameraId)).returning();
  return updated!;
}

/** Up to `limit` of a camera's records by (planned time, id), from `after` on. */
export function capturesPage(db: HubDb, cameraId: string, q: { from?: number; to?: number; after: [number, string] | null; limit: number }) {
  const { after } = q;
  return db
    .select()
    .from(captures)
    .where(
      and(
        eq(captures.cameraId, cameraId),
        q.from !== undefined ? gte(captures.plannedAt, q.from) : undefined,
        q.to !== undefined ? lt(captures.plannedAt, q.to) : undefined,
        after
          ? or(gt(captures.plannedAt, after[0]), and(eq(captures.plannedAt, after[0]), gt(captures.id, after[1])))
          : undefined,
      ),
    )
    .orderBy(asc(captures.plannedAt), asc(captures.id))
    .limit(q.limit);
}
