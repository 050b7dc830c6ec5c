import { assignmentStatuses } from "../assignments/service";
import { qualityPolicy, syncPolicy } from "../config/service";
import type { HubDb } from "../db/client";
import { cameras } from "../db/schema";
import { cameraExposure, fleetWindow } from "../quality/service";
import { computeFleet, type FleetSummary } from "./compute";

/** Every camera's contact, backlog, disk, clock, assignment and exposure, those needing attention first. */
export function fleetSummary(db: HubDb, now: number): FleetSummary {
  const quality = qualityPolicy(db);
  const window = fleetWindow(quality);
  const assignments = new Map(assignmentStatuses(db).map((s) => [s.camera_id, s]));
  const rows = db
    .select({ id: cameras.id, createdAt: cameras.createdAt, lastContactAt: cameras.lastContactAt, observed: cameras.observed })
    .from(cameras)
    .all()
    .map((r) => {
      const s = assignments.get(r.id);
      const assignment = s?.assigned
        ? { profile_id: s.assigned.profile_id, version: s.assigned.version, resolved_version: s.assigned.resolved_version, running: s.running, converged: s.converged, since: s.since }
        : null;
      // One indexed query per camera: its newest records.
      const exposure = cameraExposure(db, r.id, Number.MAX_SAFE_INTEGER, quality, window);
      return { ...r, observed: r.observed ?? null, assignment, exposure };
    });
  return computeFleet(rows, syncPolicy(db).poll_interval_seconds, now, quality);
}
