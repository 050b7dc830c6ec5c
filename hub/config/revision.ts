/**
 * Desired-state revisions. A camera's desired state (plans/service
 * desiredStateFor) is made of the site's location and sync policy, the camera's
 * own row (config, assignment), the rules of the schedules it runs, the latest
 * versions of the profiles it carries and its A/B tests. A change to any of these
 * bumps the revision of exactly the cameras it reaches, in the change's own
 * transaction, and a poll compares the camera's revision (one indexed read) with
 * the one its cached state was built at: one camera's edit recomputes one state.
 *
 * Revisions are values of one hub-wide counter, so a camera's revision never
 * repeats (not even for a camera removed and added again under its id), and they
 * live in the database, so every hub process sharing it sees every change.
 */
import { canonicalJson } from "../../shared/canonical";
import type { CameraConfig } from "../../shared/contracts/config";
import type { ScheduleRule } from "../../shared/contracts/schedule";
import type { HubDb } from "../db/client";
import { readSetting, scheduleRules, setCamerasRevision, shapingCameras, writeSetting } from "./data";

export { cameraRevision } from "./data";

/** Every camera, or the cameras named. */
export type Reach = "all" | Iterable<string>;

/** The hub-wide counter: increases with every change that shapes a desired state. */
export async function configRevision(db: HubDb): Promise<number> {
  return (await readSetting<number>(db, "revision")) ?? 0;
}

/**
 * A change reaches these cameras: their next poll (in any hub process) recomputes
 * their desired state; every other camera's stays cached. Call it inside the
 * change's transaction, after the change.
 */
export async function bumpRevision(db: HubDb, reach: Reach): Promise<void> {
  const revision = (await configRevision(db)) + 1;
  await writeSetting(db, "revision", revision);
  const ids = reach === "all" ? null : [...new Set(reach)];
  if (ids?.length === 0) return;
  await setCamerasRevision(db, revision, ids);
}

/**
 * The fields of a camera's config that shape its desired state (position, zone,
 * rules, mode, profile, image-sync policy): a change to any of them reaches the
 * camera. Its name, host or port do not.
 */
export function desiredShape(c: CameraConfig) {
  return JSON.stringify([c.latitude, c.longitude, c.timezone, c.schedules, c.mode, c.deployed_profile, c.image_sync ?? null]);
}

interface ShapingCamera {
  config: CameraConfig;
  assignedProfile: string | null;
  assignedVersion: string | null;
  retiredAt: number | null;
}

/** What desired states are made of, as a change's reach is decided from it (A/B tests and profile versions aside). */
export interface Shaping {
  location: unknown;
  sync: unknown;
  schedules: Map<string, ScheduleRule>;
  cameras: Map<string, ShapingCamera>;
}

export async function readShaping(db: HubDb): Promise<Shaping> {
  const rows = await shapingCameras(db);
  return {
    location: await readSetting(db, "location"),
    sync: await readSetting(db, "sync"),
    schedules: await scheduleRules(db),
    cameras: new Map(rows.map(({ id, ...camera }) => [id, camera])),
  };
}

/**
 * The profiles a camera's desired state carries: its assignment and the profiles
 * its schedules name. A live camera carries none (the hub drives it), nor does a
 * retired one.
 */
function profilesCarried(camera: ShapingCamera, rules: Map<string, ScheduleRule>): Set<string> {
  if (camera.retiredAt !== null || camera.config.mode === "live") return new Set();
  const carried = new Set(camera.assignedProfile ? [camera.assignedProfile] : []);
  for (const name of camera.config.schedules) for (const p of rules.get(name)?.profiles ?? []) carried.add(p);
  return carried;
}

/** The cameras whose desired state carries any of these profiles (a new version of one reaches them). */
export function camerasCarrying(shaping: Shaping, profileIds: Iterable<string>): string[] {
  const published = [...profileIds];
  return [...shaping.cameras].filter(([, c]) => published.some((p) => profilesCarried(c, shaping.schedules).has(p))).map(([id]) => id);
}

/**
 * What a config apply reaches, from what shaped desired states before and after
 * it and the profiles it published new versions of: every camera when the site's
 * location or sync policy changed; else the cameras added or changed, those that
 * run a schedule changed, added or removed, and those carrying a profile published.
 */
export function applyReach(before: Shaping, after: Shaping, published: string[]): Reach {
  if (canonicalJson(before.location) !== canonicalJson(after.location) || canonicalJson(before.sync) !== canonicalJson(after.sync)) return "all";
  const changedSchedules = new Set(
    [...new Set([...before.schedules.keys(), ...after.schedules.keys()])].filter(
      (name) => canonicalJson(before.schedules.get(name) ?? null) !== canonicalJson(after.schedules.get(name) ?? null),
    ),
  );
  const reached = new Set(camerasCarrying(after, published));
  for (const [id, camera] of after.cameras) {
    const was = before.cameras.get(id);
    if (
      !was ||
      desiredShape(was.config) !== desiredShape(camera.config) ||
      was.assignedProfile !== camera.assignedProfile ||
      was.assignedVersion !== camera.assignedVersion ||
      camera.config.schedules.some((name) => changedSchedules.has(name))
    )
      reached.add(id);
  }
  return reached;
}
