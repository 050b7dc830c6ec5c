import { eq, notInArray } from "drizzle-orm";
import { type CameraConfig, DEFAULT_QUALITY, HubConfig, keepHeldToken, type QualityConfig, redactCamera, TOKEN_SET } from "../../shared/contracts/config";
import type { GeoPosition } from "../../shared/contracts/plan";
import type { ProfileDefinition } from "../../shared/contracts/profile";
import { normalizeDefinition, resolveInheritance } from "../../shared/exposure/compile";
import { describeZodError } from "../../shared/env";
import type { HubDb } from "../db/client";
import { cameras, profiles, schedules, settings } from "../db/schema";
import { HttpError } from "../../shared/http";
import { OPERATOR, recordAudit } from "../audit/service";
import { publishVersion } from "../profiles/service";
import { type ConfigChange, configDiff } from "./compute";
import { readFirstSystemKeys } from "./first-system";
import { applyReach, bumpRevision, readShaping } from "./revision";

export class ConfigError extends Error {}

export interface SyncPolicy {
  poll_interval_seconds: number;
  plan_days: number;
}

/** Validates a whole config; the error names each bad field and why. */
export function parseConfig(raw: unknown): HubConfig {
  return readConfig(raw).config;
}

/** parseConfig, with a note for each key of the first system's config that was set aside. */
export function readConfig(input: unknown): { config: HubConfig; notes: string[] } {
  const { raw, notes } = readFirstSystemKeys(input);
  const parsed = HubConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid config: ${describeZodError(parsed.error)}`);
  const definitions = normalizedProfiles(parsed.data);
  for (const id of Object.keys(definitions)) {
    try {
      resolveInheritance(id, definitions);
    } catch (e) {
      throw new ConfigError(`invalid config: profiles.${id}.extends: ${(e as Error).message}`);
    }
  }
  return { config: parsed.data, notes };
}

function normalizedProfiles(config: HubConfig): Record<string, ProfileDefinition> {
  const out: Record<string, ProfileDefinition> = {};
  for (const [id, def] of Object.entries(config.profiles)) out[id] = normalizeDefinition(def);
  return out;
}

export interface ApplyOptions {
  /**
   * Remove schedules, profiles and cameras the config does not name. Without it
   * they stay: a camera added or a profile published through the API is not
   * deleted by a file that predates it.
   */
  prune?: boolean;
}

/**
 * Applies a validated config in one transaction: the whole of it or nothing.
 * Cameras present keep their token and observed state; profiles are published
 * as versions (a no-op when unchanged); the cameras whose desired state it changes
 * get a new revision. What the config does not name is removed only with
 * `prune` (their records and profile versions stay).
 */
export function applyConfig(db: HubDb, config: HubConfig, now: number, options: ApplyOptions = {}): void {
  const definitions = normalizedProfiles(config);
  const absent = <T>(ids: string[], column: T) => (ids.length ? notInArray(column as never, ids) : undefined);
  db.transaction((tx) => {
    const t = tx as unknown as HubDb;
    const before = readShaping(t);
    t.insert(settings).values({ key: "location", value: config.location }).onConflictDoUpdate({ target: settings.key, set: { value: config.location } }).run();
    t.insert(settings).values({ key: "sync", value: config.sync }).onConflictDoUpdate({ target: settings.key, set: { value: config.sync } }).run();
    const quality = config.quality ?? DEFAULT_QUALITY;
    t.insert(settings).values({ key: "quality", value: quality }).onConflictDoUpdate({ target: settings.key, set: { value: quality } }).run();

    if (options.prune) {
      t.delete(cameras).where(absent(Object.keys(config.cameras), cameras.id)).run();
      t.delete(profiles).where(absent(Object.keys(definitions), profiles.id)).run();
      t.delete(schedules).where(absent(Object.keys(config.schedules), schedules.name)).run();
    }
    for (const [name, rule] of Object.entries(config.schedules))
      t.insert(schedules).values({ name, rule }).onConflictDoUpdate({ target: schedules.name, set: { rule } }).run();

    const published: string[] = [];
    for (const [id, definition] of Object.entries(definitions)) {
      t.insert(profiles).values({ id, definition, updatedAt: now }).onConflictDoUpdate({ target: profiles.id, set: { definition, updatedAt: now } }).run();
      if (publishVersion(t, id, definitions, now).created) published.push(id);
    }

    for (const [id, camera] of Object.entries(withHeldTokens(t, config).cameras)) {
      // The config names the profile; a version pinned through the API (a rollback) stays while the profile is the same.
      const current = t.select({ profile: cameras.assignedProfile, version: cameras.assignedVersion }).from(cameras).where(eq(cameras.id, id)).get();
      const assignment =
        camera.deployed_profile === undefined
          ? { assignedProfile: null, assignedVersion: null }
          : current?.profile === camera.deployed_profile
            ? { assignedProfile: current.profile, assignedVersion: current.version ?? "latest" }
            : { assignedProfile: camera.deployed_profile, assignedVersion: "latest" };
      t.insert(cameras)
        .values({ id, config: camera, createdAt: now, ...assignment })
        .onConflictDoUpdate({ target: cameras.id, set: { config: camera, ...assignment } })
        .run();
    }
    bumpRevision(t, applyReach(before, readShaping(t), published));
  });
}

/** The applied configuration, in our normalized form (what `skylapse export` prints). */
export function exportConfig(db: HubDb) {
  const location = siteLocation(db);
  if (!location) throw new HttpError(404, "not_found", "no configuration has been applied yet");
  return {
    location,
    schedules: Object.fromEntries(db.select().from(schedules).orderBy(schedules.name).all().map((s) => [s.name, s.rule])),
    cameras: Object.fromEntries(
      db
        .select()
        .from(cameras)
        .orderBy(cameras.id)
        .all()
        .filter((c) => c.retiredAt === null)
        .map((c) => {
          const { deployed_profile: _, ...config } = redactCamera(c.config);
          return [c.id, { ...config, ...(c.assignedProfile ? { deployed_profile: c.assignedProfile } : {}) }];
        }),
    ),
    profiles: Object.fromEntries(db.select().from(profiles).orderBy(profiles.id).all().map((p) => [p.id, p.definition])),
    sync: syncPolicy(db),
    quality: qualityPolicy(db),
  };
}

/** A config file as the hub would hold it: validated, with profiles in our form. */
export function normalizedConfig(config: HubConfig) {
  return { ...config, quality: config.quality ?? DEFAULT_QUALITY, profiles: normalizedProfiles(config) };
}

/**
 * Applies a whole config as a diff: with `dryRun` only the changes are returned.
 * Nothing changes when the file matches the hub; an applied change is audited.
 * `kept` names what the file leaves out and the hub keeps (removed with `prune`).
 */
export function applyConfigDiff(
  db: HubDb,
  raw: unknown,
  options: { dryRun: boolean; prune: boolean },
  now: number,
): { changes: ConfigChange[]; applied: boolean; kept: string[]; notes: string[] } {
  let read: ReturnType<typeof readConfig>;
  try {
    read = readConfig(raw);
  } catch (e) {
    throw new HttpError(422, "invalid_config", (e as Error).message);
  }
  const { notes } = read;
  let config: HubConfig;
  try {
    config = withHeldTokens(db, read.config);
  } catch (e) {
    throw new HttpError(422, "invalid_config", `invalid config: ${(e as Error).message}`);
  }
  const current = siteLocation(db) ? exportConfig(db) : {};
  const { changes, kept } = configDiff(current, { ...normalizedConfig(config), cameras: tokensForDiff(db, config) }, options.prune);
  if (options.dryRun || changes.length === 0) return { changes, applied: false, kept, notes };
  db.transaction((tx) => {
    applyConfig(tx as unknown as HubDb, config, now, { prune: options.prune });
    recordAudit(tx as unknown as HubDb, { actor: OPERATOR, action: "config.apply", target: "config", before: null, after: { changes } }, now);
  });
  return { changes, applied: true, kept, notes };
}

function heldConfigs(db: HubDb): Map<string, CameraConfig> {
  return new Map(db.select({ id: cameras.id, config: cameras.config }).from(cameras).all().map((c) => [c.id, c.config]));
}

/** The config with each camera's TOKEN_SET replaced by the technician token the hub holds for it. */
function withHeldTokens(db: HubDb, config: HubConfig): HubConfig {
  const held = heldConfigs(db);
  const keep = (id: string, c: CameraConfig) => {
    try {
      return keepHeldToken(id, c, held.get(id));
    } catch (e) {
      throw new ConfigError(`cameras.${id}.technician_token: ${(e as Error).message}`);
    }
  };
  return { ...config, cameras: Object.fromEntries(Object.entries(config.cameras).map(([id, c]) => [id, keep(id, c)])) };
}

/** Cameras as a diff shows them: a token is TOKEN_SET, or "(changed)" when it replaces the one the hub holds; never the token. */
function tokensForDiff(db: HubDb, config: HubConfig): Record<string, CameraConfig> {
  const held = heldConfigs(db);
  return Object.fromEntries(
    Object.entries(config.cameras).map(([id, c]) => {
      if (c.technician_token === undefined) return [id, c];
      const before = held.get(id)?.technician_token;
      return [id, { ...c, technician_token: before === undefined || before === c.technician_token ? TOKEN_SET : "(changed)" }];
    }),
  );
}

export function readSetting<T>(db: HubDb, key: string): T | null {
  const row = db.select().from(settings).where(eq(settings.key, key)).get();
  return (row?.value as T) ?? null;
}

export function siteLocation(db: HubDb): GeoPosition | null {
  return readSetting<GeoPosition>(db, "location");
}

export function syncPolicy(db: HubDb): SyncPolicy {
  return readSetting<SyncPolicy>(db, "sync") ?? { poll_interval_seconds: 60, plan_days: 7 };
}

/** When a camera's exposure counts as drifting (the config's optional `quality` section). */
export function qualityPolicy(db: HubDb): QualityConfig {
  return { ...DEFAULT_QUALITY, ...(readSetting<Partial<QualityConfig>>(db, "quality") ?? {}) };
}
