/** The SQL of settings, schedules, the config revision and config apply (drizzle's async API only). */
import { eq, inArray, notInArray, sql } from "drizzle-orm";
import type { CameraConfig } from "../../shared/contracts/config";
import type { ScheduleRule } from "../../shared/contracts/schedule";
import type { HubDb } from "../db/client";
import { cameras, profiles, schedules, settings } from "../db/schema";

export async function readSetting<T>(db: HubDb, key: string): Promise<T | null> {
  const [row] = await db.select().from(settings).where(eq(settings.key, key));
  return (row?.value as T) ?? null;
}

export async function writeSetting(db: HubDb, key: string, value: unknown): Promise<void> {
  await db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
}

/** Sets the revision of the cameras named, or of every camera (null). */
export async function setCamerasRevision(db: HubDb, revision: number, ids: string[] | null): Promise<void> {
  await db
    .update(cameras)
    .set({ revision })
    .where(ids ? inArray(cameras.id, ids) : undefined);
}

/** The revision a camera's desired state is at; null for an unknown camera. */
export async function cameraRevision(db: HubDb, cameraId: string): Promise<number | null> {
  let q = revisionLookups.get(db);
  if (!q) revisionLookups.set(db, (q = prepareRevisionLookup(db)));
  return (await q.execute({ id: cameraId }))[0]?.revision ?? null;
}

// Prepared once per database: every poll runs it.
const revisionLookups = new WeakMap<HubDb, ReturnType<typeof prepareRevisionLookup>>();
function prepareRevisionLookup(db: HubDb) {
  return db.select({ revision: cameras.revision }).from(cameras).where(eq(cameras.id, sql.placeholder("id"))).prepare();
}

/** Every camera's config, assignment and retirement: what shapes its desired state. */
export function shapingCameras(db: HubDb) {
  return db
    .select({ id: cameras.id, config: cameras.config, assignedProfile: cameras.assignedProfile, assignedVersion: cameras.assignedVersion, retiredAt: cameras.retiredAt })
    .from(cameras);
}

/** Every schedule's rule by name. */
export async function scheduleRules(db: HubDb): Promise<Map<string, ScheduleRule>> {
  return new Map((await db.select().from(schedules).orderBy(schedules.name)).map((s) => [s.name, s.rule]));
}

export async function cameraConfigs(db: HubDb): Promise<Map<string, CameraConfig>> {
  return new Map((await db.select({ id: cameras.id, config: cameras.config }).from(cameras)).map((c) => [c.id, c.config]));
}

const absent = <T>(ids: string[], column: T) => (ids.length ? notInArray(column as never, ids) : undefined);

/** Deletes the cameras, profiles and schedules not named (their records and profile versions stay). */
export async function deleteAllBut(db: HubDb, keep: { cameras: string[]; profiles: string[]; schedules: string[] }): Promise<void> {
  await db.delete(cameras).where(absent(keep.cameras, cameras.id));
  await db.delete(profiles).where(absent(keep.profiles, profiles.id));
  await db.delete(schedules).where(absent(keep.schedules, schedules.name));
}

/** Which of these schedule names the hub knows. */
export async function knownScheduleNames(db: HubDb, names: string[]): Promise<Set<string>> {
  return new Set(names.length ? (await db.select({ name: schedules.name }).from(schedules).where(inArray(schedules.name, names))).map((s) => s.name) : []);
}

export async function upsertSchedule(db: HubDb, name: string, rule: ScheduleRule): Promise<void> {
  await db.insert(schedules).values({ name, rule }).onConflictDoUpdate({ target: schedules.name, set: { rule } });
}

/** The profile and version a camera is assigned, or null for an unknown camera. */
export async function cameraAssignment(db: HubDb, cameraId: string) {
  const [current] = await db.select({ profile: cameras.assignedProfile, version: cameras.assignedVersion }).from(cameras).where(eq(cameras.id, cameraId));
  return current ?? null;
}

/** Adds a camera or sets its config and assignment, keeping everything else it holds. */
export async function upsertCameraConfig(
  db: HubDb,
  id: string,
  config: CameraConfig,
  assignment: { assignedProfile: string | null; assignedVersion: string | null },
  now: number,
): Promise<void> {
  await db
    .insert(cameras)
    .values({ id, config, createdAt: now, ...assignment })
    .onConflictDoUpdate({ target: cameras.id, set: { config, ...assignment } });
}
