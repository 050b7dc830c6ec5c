/** The SQL of exposure quality: a camera's newest records (drizzle's async API only). */
import { and, desc, eq, lt, type Placeholder, sql } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { preparedOnce } from "../db/prepared";
import { captures } from "../db/schema";

/** The columns of a record that exposure quality judges (quality/compute.ts ExposureFrame). */
export const exposureFrameColumns = {
  plannedAt: captures.plannedAt,
  profileId: captures.profileId,
  outcome: captures.outcome,
  capturedAt: captures.capturedAt,
  testRole: captures.testRole,
  meanLuma: captures.meanLuma,
  clippedPct: captures.clippedPct,
  crushedPct: captures.crushedPct,
  reasonCode: captures.reasonCode,
  reason: captures.reason,
};

/** A camera's newest `limit` records planned before `before`, newest first (walks captures_camera_planned backwards). */
export function exposureQuery(db: HubDb, cameraId: string | Placeholder, before: number | Placeholder, limit: number | Placeholder) {
  return db
    .select(exposureFrameColumns)
    .from(captures)
    .where(and(eq(captures.cameraId, cameraId), lt(captures.plannedAt, before)))
    .orderBy(desc(captures.plannedAt))
    .limit(limit);
}

// Prepared once: the fleet runs it for every camera.
const exposureLookup = preparedOnce((db) => exposureQuery(db, sql.placeholder("camera"), sql.placeholder("before"), sql.placeholder("limit")).prepare());

/** A camera's newest `limit` records planned before `before` (epoch ms, exclusive), newest first. */
export function newestRecords(db: HubDb, cameraId: string, before: number, limit: number) {
  return exposureLookup(db).execute({ camera: cameraId, before, limit });
}
