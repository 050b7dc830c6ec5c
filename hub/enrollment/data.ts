/** The SQL of enrollment codes (drizzle's async API only). */
import { and, eq, isNull } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { enrollmentCodes } from "../db/schema";

/** Deletes a camera's unused codes; how many there were. */
export async function deleteUnusedCodes(db: HubDb, cameraId: string): Promise<number> {
  return (
    await db
      .delete(enrollmentCodes)
      .where(and(eq(enrollmentCodes.cameraId, cameraId), isNull(enrollmentCodes.usedAt)))
      .returning({ hash: enrollmentCodes.codeHash })
  ).length;
}

export async function insertCode(db: HubDb, row: typeof enrollmentCodes.$inferInsert): Promise<void> {
  await db.insert(enrollmentCodes).values(row);
}

export async function codeWithHash(db: HubDb, hash: string) {
  const [row] = await db.select().from(enrollmentCodes).where(eq(enrollmentCodes.codeHash, hash));
  return row ?? null;
}

export async function markCodeUsed(db: HubDb, hash: string, now: number): Promise<void> {
  await db.update(enrollmentCodes).set({ usedAt: now }).where(eq(enrollmentCodes.codeHash, hash));
}
