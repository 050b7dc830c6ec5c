import { assignmentStatuses } from "../assignments/service";
import { syncPolicy } from "../config/service";
import type { HubDb } from "../db/client";
import { cameras } from "../db/schema";
import { computeFleet, type FleetSummary } from "./compute";

/** Every camera's contact, backlog, disk, clock and assignment, those needing attention first. */
export function fleetSummary(db: HubDb, now: number): FleetSummary {
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
      return { ...r, observed: r.observed ?? null, assignment };
    });
  return computeFleet(rows, syncPolicy(db).poll_interval_seconds, now);
}
