import { type CameraConfig, DEFAULT_QUALITY, HubConfig, keepHeldToken, redactCamera, TOKEN_SET } from "../../shared/contracts/config";
import type { ProfileDefinition } from "../../shared/contracts/profile";
import { normalizeDefinition, resolveInheritance } from "../../shared/exposure/compile";
import { describeZodError } from "../../shared/env";
import type { HubDb } from "../db/client";
import { cameraRows } from "../cameras/data";
import { profileRows, upsertDefinition } from "../profiles/data";
import { inTransaction } from "../db/transaction";
import { HttpError } from "../../shared/http";
import { OPERATOR, recordAudit } from "../audit/service";
import { publishVersion } from "../profiles/service";
import { type ConfigChange, configDiff } from "./compute";
import { readFirstSystemKeys } from "./first-system";
import { applyReach, bumpRevision, readShaping } from "./revision";
import { cameraAssignment, cameraConfigs, deleteAllBut, scheduleRules, upsertCameraConfig, upsertSchedule, writeSetting } from "./data";
import { qualityPolicy, siteLocation, syncPolicy } from "./settings";

export class ConfigError extends Error {}

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
export function applyConfig(db: HubDb, config: HubConfig, now: number, options: ApplyOptions = {}): Promise<void> {
  const definitions = normalizedProfiles(config);
  return inTransaction(db, async (t) => {
    const before = await readShaping(t);
    await writeSetting(t, "location", config.location);
    await writeSetting(t, "sync", config.sync);
    await writeSetting(t, "quality", config.quality ?? DEFAULT_QUALITY);

    if (options.prune) await deleteAllBut(t, { cameras: Object.keys(config.cameras), profiles: Object.keys(definitions), schedules: Object.keys(config.schedules) });
    for (const [name, rule] of Object.entries(config.schedules)) await upsertSchedule(t, name, rule);

    const published: string[] = [];
    for (const [id, definition] of Object.entries(definitions)) {
      await upsertDefinition(t, id, definition, now);
      if ((await publishVersion(t, id, definitions, now)).created) published.push(id);
    }

    for (const [id, camera] of Object.entries((await withHeldTokens(t, config)).cameras)) {
      // The config names the profile; a version pinned through the API (a rollback) stays while the profile is the same.
      const current = await cameraAssignment(t, id);
      const assignment =
        camera.deployed_profile === undefined
          ? { assignedProfile: null, assignedVersion: null }
          : current?.profile === camera.deployed_profile
            ? { assignedProfile: current.profile, assignedVersion: current.version ?? "latest" }
            : { assignedProfile: camera.deployed_profile, assignedVersion: "latest" };
      await upsertCameraConfig(t, id, camera, assignment, now);
    }
    await bumpRevision(t, applyReach(before, await readShaping(t), published));
  });
}

/** The applied configuration, in our normalized form (what `skylapse export` prints). */
export async function exportConfig(db: HubDb) {
  const location = await siteLocation(db);
  if (!location) throw new HttpError(404, "not_found", "no configuration has been applied yet");
  return {
    location,
    schedules: Object.fromEntries(await scheduleRules(db)),
    cameras: Object.fromEntries(
      (await cameraRows(db))
        .filter((c) => c.retiredAt === null)
        .map((c) => {
          const { deployed_profile: _, ...config } = redactCamera(c.config);
          return [c.id, { ...config, ...(c.assignedProfile ? { deployed_profile: c.assignedProfile } : {}) }];
        }),
    ),
    profiles: Object.fromEntries((await profileRows(db)).map((p) => [p.id, p.definition])),
    sync: await syncPolicy(db),
    quality: await qualityPolicy(db),
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
export async function applyConfigDiff(
  db: HubDb,
  raw: unknown,
  options: { dryRun: boolean; prune: boolean },
  now: number,
): Promise<{ changes: ConfigChange[]; applied: boolean; kept: string[]; notes: string[] }> {
  let read: ReturnType<typeof readConfig>;
  try {
    read = readConfig(raw);
  } catch (e) {
    throw new HttpError(422, "invalid_config", (e as Error).message);
  }
  const { notes } = read;
  let config: HubConfig;
  try {
    config = await withHeldTokens(db, read.config);
  } catch (e) {
    throw new HttpError(422, "invalid_config", `invalid config: ${(e as Error).message}`);
  }
  const current = (await siteLocation(db)) ? await exportConfig(db) : {};
  const { changes, kept } = configDiff(current, { ...normalizedConfig(config), cameras: await tokensForDiff(db, config) }, options.prune);
  if (options.dryRun || changes.length === 0) return { changes, applied: false, kept, notes };
  await inTransaction(db, async (tx) => {
    await applyConfig(tx, config, now, { prune: options.prune });
    await recordAudit(tx, { actor: OPERATOR, action: "config.apply", target: "config", before: null, after: { changes } }, now);
  });
  return { changes, applied: true, kept, notes };
}

/** The config with each camera's TOKEN_SET replaced by the technician token the hub holds for it. */
async function withHeldTokens(db: HubDb, config: HubConfig): Promise<HubConfig> {
  const held = await cameraConfigs(db);
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
async function tokensForDiff(db: HubDb, config: HubConfig): Promise<Record<string, CameraConfig>> {
  const held = await cameraConfigs(db);
  return Object.fromEntries(
    Object.entries(config.cameras).map(([id, c]) => {
      if (c.technician_token === undefined) return [id, c];
      const before = held.get(id)?.technician_token;
      return [id, { ...c, technician_token: before === undefined || before === c.technician_token ? TOKEN_SET : "(changed)" }];
    }),
  );
}
