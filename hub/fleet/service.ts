import { assignmentStatuses } from "../assignments/service";
import { qualityPolicy, siteLocation, syncPolicy } from "../config/settings";
import type { HubDb } from "../db/client";
import { firstContacts } from "../plans/revisions";
import { fleetWindow } from "../quality/service";
import { computeFleet, type FleetSummary } from "./compute";
import { fleetCameraRows, latestPicturesOf } from "./data";
import { exposuresOf, forgetExposuresBut } from "./exposure";
import { sharedTokens } from "../agents/log-binding";

/** Cameras read together (a few statements), with a turn of the event loop between slices. */
const SLICE = 100;

/**
 * How a background reader (the alert pass) spreads the fleet's reads: over at most
 * `spreadMs`, a pause of up to MAX_SLICE_PAUSE_MS between slices, so a large fleet's
 * reads are not one burst that the agents' requests queue behind (at 10,000 cameras
 * on PostgreSQL sharing 2 cores, a 3 s burst each pass put the agents' p99 at
 * 0.6–0.9 s; paced, 102–138 ms). A small fleet is read at once all the same.
 */
export interface FleetReadPace {
  spreadMs: number;
}
const MAX_SLICE_PAUSE_MS = 50;

/**
 * Every camera's contact, backlog, disk, clock, assignment and exposure, those
 * needing attention first; with `cameraId`, that camera's alone (its per-camera
 * reads done once, not once per camera of the fleet).
 */
export async function fleetSummary(db: HubDb, now: number, cameraId?: string, pace?: FleetReadPace): Promise<FleetSummary> {
  const quality = await qualityPolicy(db);
  const window = fleetWindow(quality);
  const assignments = new Map((await assignmentStatuses(db, cameraId === undefined ? undefined : [cameraId])).map((s) => [s.camera_id, s]));
  const firstContact = await firstContacts(db);
  const shared = await sharedTokens(db);
  const siteZone = (await siteLocation(db))?.timezone ?? "UTC";
  const rows = [];
  const all = await fleetCameraRows(db, cameraId);
  if (cameraId === undefined) forgetExposuresBut(db, all.map((r) => r.id));
  for (let from = 0; from < all.length; from += SLICE) {
    // A large fleet is read in slices: requests are served between them, not after the whole fleet.
    if (from) await (pace ? Bun.sleep(Math.min(MAX_SLICE_PAUSE_MS, pace.spreadMs / Math.ceil(all.length / SLICE))) : new Promise((resolve) => setImmediate(resolve)));
    const slice = all.slice(from, from + SLICE);
    const ids = slice.map((r) => r.id);
    const [exposures, pictures] = await Promise.all([exposuresOf(db, ids, quality, window), latestPicturesOf(db, ids)]);
    for (const r of slice) {
      const s = assignments.get(r.id);
      const assignment = s?.assigned
        ? { profile_id: s.assigned.profile_id, version: s.assigned.version, resolved_version: s.assigned.resolved_version, running: s.running, converged: s.converged, since: s.since }
        : null;
      const exposure = exposures.get(r.id)!;
      const { config, ...camera } = r;
      rows.push({ ...camera, timezone: config.timezone ?? siteZone, firstContactAt: firstContact.get(r.id) ?? null, observed: r.observed ?? null, assignment, exposure, latestPicture: pictures.get(r.id) ?? null, tokenShared: shared.get(r.id) ?? null });
    }
  }
  return computeFleet(rows, (await syncPolicy(db)).poll_interval_seconds, now, quality);
}
