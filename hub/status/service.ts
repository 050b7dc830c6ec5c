/**
 * The first system's monitoring endpoints, answered from what the hub holds:
 * which schedules are open now, each camera's last captures by schedule, and
 * what the hub itself runs (live orchestration, session renders, the render
 * queue). Cameras shoot their own plans, so "the scheduler" here is the agents'
 * plans as the hub serves them plus the hub's own background work.
 */
import { notFound } from "../../shared/http";
import type { HubDb } from "../db/client";
import { fleetSummary } from "../fleet/service";
import type { FleetCamera } from "../fleet/compute";
import { planInForce } from "../plans/service";
import { lastCapturedAt } from "./data";

const HOUR_MS = 3_600_000;
const iso = (t: number) => new Date(t).toISOString();

export interface HubWork {
  /** Sessions are rendered as they close. */
  sessionRenders: boolean;
  renders: { queued: number; running: number };
}

/** The newest captured production frame of each schedule: one indexed look per schedule, newest first. */
async function lastCaptures(db: HubDb, cameraId: string, schedules: Iterable<string>): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const schedule of [...schedules].sort()) {
    const at = await lastCapturedAt(db, cameraId, schedule);
    out[schedule] = at === null ? null : iso(at);
  }
  return out;
}

/** One camera as the monitoring endpoints show it: the fleet's view plus open windows and last captures. */
async function cameraStatusOf(db: HubDb, camera: FleetCamera, now: number) {
  const plan = await planInForce(db, camera.id, now - 24 * HOUR_MS, now + 24 * HOUR_MS, now);
  // A camera not in contact yet runs nothing: its plan has no open window for anyone.
  const waiting = camera.status === "waiting_for_first_contact";
  const open = waiting ? [] : (plan?.windows ?? []).filter((w) => Date.parse(w.start) <= now && now < Date.parse(w.end));
  const byScheduleSeen = await lastCaptures(db, camera.id, plan?.schedules ?? []);
  const seen = Object.values(byScheduleSeen).filter((t): t is string => t !== null).sort();
  return {
    camera_id: camera.id,
    status: camera.status,
    /** autonomous: the agent runs its own plan; live: the hub drives it tick by tick. */
    mode: plan?.setup.config.mode ?? "autonomous",
    timezone: plan?.setup.position.timezone ?? null,
    active_schedules: open.map((w) => ({ schedule: w.schedule, start: w.start, end: w.end, interval_seconds: w.interval_seconds, profiles: w.profiles })),
    last_capture_at: seen.at(-1) ?? null,
    last_capture_by_schedule: byScheduleSeen,
    attention: camera.attention,
    online: camera.online,
    last_contact_at: camera.last_contact_at,
    offline_since: camera.offline_since,
    backlog: camera.backlog,
    disk: camera.disk,
    clock: camera.clock,
    assignment: camera.assignment,
  };
}

/** GET /status: the hub's time, its own background work, and every camera's open schedules and last captures. */
export async function hubStatus(db: HubDb, work: HubWork, now: number) {
  const cameras = [];
  for (const c of (await fleetSummary(db, now)).cameras) cameras.push(await cameraStatusOf(db, c, now));
  return {
    current_time: iso(now),
    scheduler: {
      autonomous_cameras: cameras.filter((c) => c.mode !== "live").length,
      live_cameras: cameras.filter((c) => c.mode === "live").length,
      session_renders: work.sessionRenders,
      renders: work.renders,
    },
    active_schedules: cameras.flatMap((c) => c.active_schedules.map((s) => ({ camera_id: c.camera_id, ...s }))),
    cameras,
  };
}

/** GET /cameras/{id}/status. */
export async function cameraStatus(db: HubDb, cameraId: string, now: number) {
  const camera = (await fleetSummary(db, now, cameraId)).cameras[0];
  if (!camera) throw notFound(`camera ${cameraId}`);
  return cameraStatusOf(db, camera, now);
}
