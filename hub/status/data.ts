/** The SQL of the monitoring endpoints (drizzle's async API only). */
import { and, desc, eq } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { captures } from "../db/schema";

/** When a camera's newest captured frame of a schedule was planned, or null: one indexed look. */
export async function lastCapturedAt(db: HubDb, cameraId: string, schedule: string): Promise<number | null> {
  const [row] = await db
    .select({ plannedAt: captures.plannedAt })
    .from(captures)
    .where(and(eq(captures.cameraId, cameraId), eq(captures.schedule, schedule), eq(captures.outcome, "captured")))
    .orderBy(desc(captures.plannedAt))
    .limit(1);
  return row?.plannedAt ?? null;
}
