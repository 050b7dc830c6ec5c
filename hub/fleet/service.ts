import { assignmentStatuses } from "../assignments/service";
import { qualityPolicy, siteLocation, syncPolicy } from "../config/service";
import type { HubDb } from "../db/client";
import { and, desc, eq, isNotNull, isNull, or, sql } from "drizzle-orm";
import { cameras, captureImages, captures } from "../db/schema";
import { firstContacts } from "../plans/revisions";
import { cameraExposure, fleetWindow } from "../quality/service";
import { computeFleet, type FleetSummary } from "./compute";
import { sharedTokens } from "../agents/log-binding";

/**
 * Every camera's contact, backlog, disk, clock, assignment and exposure, those
 * needing attention first; with `cameraId`, that camera's alone (its per-camera
 * reads done once, not once per camera of the fleet).
 */
export function fleetSummary(db: HubDb, now: number, cameraId?: string): FleetSummary {
  const quality = qualityPolicy(db);
  const window = fleetWindow(quality);
  const assignments = new Map(assignmentStatuses(db).map((s) => [s.camera_id, s]));
  const firstContact = firstContacts(db);
  const shared = sharedTokens(db);
  const siteZone = siteLocation(db)?.timezone ?? "UTC";
  const rows = db
    .select({ id: cameras.id, createdAt: cameras.createdAt, lastContactAt: cameras.lastContactAt, observed: cameras.observed, config: cameras.config })
    .from(cameras)
    .where(cameraId === undefined ? undefined : eq(cameras.id, cameraId))
    .all()
    .map((r) => {
      const s = assignments.get(r.id);
      const assignment = s?.assigned
        ? { profile_id: s.assigned.profile_id, version: s.assigned.version, resolved_version: s.assigned.resolved_version, running: s.running, converged: s.converged, since: s.since }
        : null;
      // One indexed query per camera: its newest records.
      const exposure = cameraExposure(db, r.id, Number.MAX_SAFE_INTEGER, quality, window);
      const { config, ...camera } = r;
      return { ...camera, timezone: config.timezone ?? siteZone, firstContactAt: firstContact.get(r.id) ?? null, observed: r.observed ?? null, assignment, exposure, latestPicture: latestPicture(db, r.id), tokenShared: shared.get(r.id) ?? null };
    });
  return computeFleet(rows, syncPolicy(db).poll_interval_seconds, now, quality);
}

/** The camera's newest production capture whose thumbnail the hub holds (an A/B variant is not one). */
export function latestPicture(db: HubDb, cameraId: string): { capture_id: string; planned_at: string } | null {
  const row = db
    .select({ id: captureImages.captureId, plannedAt: captureImages.plannedAt })
    .from(captureImages)
    .innerJoin(captures, eq(captures.id, captureImages.captureId))
    .where(
      and(
        eq(captureImages.cameraId, cameraId),
        isNotNull(captureImages.thumbnailAt),
        isNull(captureImages.thumbnailPurgedAt),
        or(isNull(captures.testId), sql`json_extract(${captures.record}, '$.test_role') = 'baseline'`),
      ),
    )
    .orderBy(desc(captureImages.plannedAt))
    .limit(1)
    .get();
  return row ? { capture_id: row.id, planned_at: new Date(row.plannedAt).toISOString() } : null;
}
