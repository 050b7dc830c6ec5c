import { assignmentStatuses } from "../assignments/service";
import { qualityPolicy, siteLocation, syncPolicy } from "../config/settings";
import type { HubDb } from "../db/client";
import { preparedOnce } from "../db/prepared";
import { and, desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { productionCapture } from "../db/captures";
import { cameras, captureImages, captures } from "../db/schema";
import { firstContacts } from "../plans/revisions";
import { cameraExposure, fleetWindow } from "../quality/service";
import { computeFleet, type FleetSummary } from "./compute";
import { sharedTokens } from "../agents/log-binding";

/** Cameras read between two turns of the event loop. */
const YIELD_EVERY = 100;

/**
 * Every camera's contact, backlog, disk, clock, assignment and exposure, those
 * needing attention first; with `cameraId`, that camera's alone (its per-camera
 * reads done once, not once per camera of the fleet).
 */
export async function fleetSummary(db: HubDb, now: number, cameraId?: string): Promise<FleetSummary> {
  const quality = await qualityPolicy(db);
  const window = fleetWindow(quality);
  const assignments = new Map((await assignmentStatuses(db, cameraId === undefined ? undefined : [cameraId])).map((s) => [s.camera_id, s]));
  const firstContact = await firstContacts(db);
  const shared = await sharedTokens(db);
  const siteZone = (await siteLocation(db))?.timezone ?? "UTC";
  const rows = [];
  let read = 0;
  for (const r of await db
    .select({ id: cameras.id, createdAt: cameras.createdAt, lastContactAt: cameras.lastContactAt, observed: cameras.observed, config: cameras.config })
    .from(cameras)
    .where(cameraId === undefined ? undefined : eq(cameras.id, cameraId))) {
    const s = assignments.get(r.id);
    const assignment = s?.assigned
      ? { profile_id: s.assigned.profile_id, version: s.assigned.version, resolved_version: s.assigned.resolved_version, running: s.running, converged: s.converged, since: s.since }
      : null;
    // A large fleet is read in slices: requests are served between them, not after the whole fleet.
    if (++read % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    // One indexed query per camera: its newest records.
    const exposure = await cameraExposure(db, r.id, Number.MAX_SAFE_INTEGER, quality, window);
    const { config, ...camera } = r;
    rows.push({ ...camera, timezone: config.timezone ?? siteZone, firstContactAt: firstContact.get(r.id) ?? null, observed: r.observed ?? null, assignment, exposure, latestPicture: await latestPicture(db, r.id), tokenShared: shared.get(r.id) ?? null });
  }
  return computeFleet(rows, (await syncPolicy(db)).poll_interval_seconds, now, quality);
}

// Prepared once: the fleet runs it for every camera.
const latestPictureLookup = preparedOnce((db) =>
  db
    .select({ id: captureImages.captureId, plannedAt: captureImages.plannedAt })
    .from(captureImages)
    .innerJoin(captures, eq(captures.id, captureImages.captureId))
    .where(
      and(
        eq(captureImages.cameraId, sql.placeholder("camera")),
        isNotNull(captureImages.thumbnailAt),
        isNull(captureImages.thumbnailPurgedAt),
        productionCapture,
      ),
    )
    .orderBy(desc(captureImages.plannedAt))
    .limit(1)
    .prepare(),
);

/** The camera's newest production capture whose thumbnail the hub holds (an A/B variant is not one). */
export async function latestPicture(db: HubDb, cameraId: string): Promise<{ capture_id: string; planned_at: string } | null> {
  const [row] = await latestPictureLookup(db).execute({ camera: cameraId });
  return row ? { capture_id: row.id, planned_at: new Date(row.plannedAt).toISOString() } : null;
}
