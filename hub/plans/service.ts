import type { CameraConfig } from "../../shared/contracts/config";
import type { GeoPosition, PlanWindow } from "../../shared/contracts/plan";
import type { ProfileSnapshot } from "../../shared/contracts/profile";
import type { ScheduleRule } from "../../shared/contracts/schedule";
import type { DesiredState } from "../../shared/contracts/sync";
import { computePlan, planRange } from "../../shared/plan/windows";
import { siteLocation, syncPolicy } from "../config/settings";
import type { HubDb } from "../db/client";
import { cameraRow } from "../cameras/data";
import { scheduleRules } from "../config/data";
import { activeTestsFor } from "../ab-tests/service";
import { latestVersion, versionOf } from "../profiles/service";
import { type PlanContent, schedulesInForce, spansInForce, windowsInForce } from "./history";
import { contactsWithoutRevision, planRevisionsOf, recordPlan } from "./revisions";

export interface CameraSetup {
  id: string;
  config: CameraConfig;
  position: GeoPosition;
  rules: Record<string, ScheduleRule>;
  assigned: ProfileSnapshot | null;
  /** When the operator added it (its life at the hub starts later, at its first contact). */
  registeredAt: number;
  /** A retired camera is planned nothing from then on. */
  retiredAt: number | null;
}

/** The snapshot an assignment names: a pinned version, or the latest of the profile. */
export async function assignedSnapshot(db: HubDb, profileId: string | null, version: string | null): Promise<ProfileSnapshot | null> {
  if (!profileId) return null;
  return !version || version === "latest" ? latestVersion(db, profileId) : versionOf(db, profileId, version);
}

/** A camera's own coordinates and zone, falling back to the site's. */
export async function cameraSetup(db: HubDb, cameraId: string): Promise<CameraSetup | null> {
  const row = await cameraRow(db, cameraId);
  const site = await siteLocation(db);
  if (!row || !site) return null;
  const c = row.config;
  const position: GeoPosition = {
    latitude: c.latitude ?? site.latitude,
    longitude: c.longitude ?? site.longitude,
    timezone: c.timezone ?? site.timezone,
  };
  const all = await scheduleRules(db);
  const rules: Record<string, ScheduleRule> = {};
  for (const name of c.schedules) {
    const rule = all.get(name);
    if (rule) rules[name] = rule;
  }
  const assigned = row.retiredAt !== null ? null : await assignedSnapshot(db, row.assignedProfile, row.assignedVersion);
  return { id: cameraId, config: c, position, rules: row.retiredAt !== null ? {} : rules, assigned, registeredAt: row.createdAt, retiredAt: row.retiredAt };
}

/**
 * Plan windows for [from, to) from the camera's current setup: what it is served
 * and driven by now. What was planned in the past is planInForce's.
 */
export function planFor(setup: CameraSetup, from: number, to: number, generatedAt: number) {
  const { position, rules, defaultProfiles } = planContent(setup);
  return computePlan({ cameraId: setup.id, position, schedules: rules, defaultProfiles, from, to, generatedAt });
}

/** The plan content of a camera's setup: what its desired state plans from. */
export function planContent(setup: CameraSetup): PlanContent {
  return { position: setup.position, rules: setup.rules, defaultProfiles: setup.assigned ? [setup.assigned.profile_id] : [] };
}

export interface PlanInForce {
  setup: CameraSetup;
  /** When the camera's life at the hub began (its first revision); null: no contact yet. */
  firstContactAt: number | null;
  windows: PlanWindow[];
  /** The schedules of the plans in force over the range, and of the current setup. */
  schedules: Set<string>;
}

/**
 * The windows a camera was (before `now`) and will be (from `now`) planned over
 * [from, to): the revisions it was served, then its current setup. Every view of
 * a range (report, plan, renders) counts against this, so they agree, and the
 * past reads the same after any change. Nothing before the first contact.
 */
export async function planInForce(db: HubDb, cameraId: string, from: number, to: number, now: number): Promise<PlanInForce | null> {
  const setup = await cameraSetup(db, cameraId);
  if (!setup) return null;
  const revisions = await planRevisionsOf(db, cameraId);
  const spans = spansInForce(revisions, planContent(setup), now, setup.retiredAt);
  return { setup, firstContactAt: revisions[0]?.effectiveAt ?? null, windows: windowsInForce(cameraId, spans, from, to), schedules: new Set([...schedulesInForce(spans, from, to), ...Object.keys(setup.rules)]) };
}

/**
 * Records what a camera is served (or, in live mode, driven by) at `now`. Checked
 * once per camera revision (cameraRevision, read before the call): the content
 * only changes with a change that reaches the camera.
 */
export class PlanHistory {
  private confirmed = new Map<string, number>();

  constructor(private readonly db: HubDb) {}

  async served(cameraId: string, revision: number | null, now: number): Promise<void> {
    if (revision === null || this.confirmed.get(cameraId) === revision) return;
    const setup = await cameraSetup(this.db, cameraId);
    if (setup && (await recordPlan(this.db, cameraId, planContent(setup), now))) this.confirmed.set(cameraId, revision);
  }
}

/** Cameras in contact before revisions were kept get a first one from their current setup (the best the hub knows). */
export async function backfillPlanHistory(db: HubDb): Promise<number> {
  let added = 0;
  for (const { cameraId, since } of await contactsWithoutRevision(db)) {
    const setup = await cameraSetup(db, cameraId);
    if (setup && (await recordPlan(db, cameraId, planContent(setup), since))) added++;
  }
  return added;
}

/**
 * What the camera should run now: assignment, snapshots, rules and a plan from
 * local midnight for plan_days. Whatever it reads, a change to it must bump the
 * revision of the cameras it reaches (config/revision), or polls keep a stale state.
 */
export async function desiredStateFor(db: HubDb, cameraId: string, now: number): Promise<DesiredState | null> {
  const setup = await cameraSetup(db, cameraId);
  if (!setup) return null;
  const policy = await syncPolicy(db);
  const { from, to } = planRange(setup.position.timezone, now, policy.plan_days);
  // A live camera is driven by the hub tick by tick: it gets no plan, no rules to extend one, no profile of its own.
  if (setup.config.mode === "live") {
    setup.assigned = null;
    setup.rules = {};
  }
  // generated_at is the window start, not `now`, so the state (and its ETag) only changes when content does.
  const plan = setup.config.mode === "live" ? { ...planFor(setup, from, to, from), windows: [] } : planFor(setup, from, to, from);
  const snapshots = new Map<string, ProfileSnapshot>();
  if (setup.assigned) snapshots.set(setup.assigned.profile_id, setup.assigned);
  for (const w of plan.windows) {
    for (const id of w.profiles) {
      const s = snapshots.get(id) ?? (await latestVersion(db, id));
      if (s) snapshots.set(id, s);
    }
  }
  return {
    camera: { id: cameraId, ...setup.position },
    assignment: setup.assigned ? { profile_id: setup.assigned.profile_id, version: setup.assigned.version } : null,
    profiles: [...snapshots.values()],
    schedules: setup.rules,
    plan,
    tests: setup.config.mode === "live" ? [] : await activeTestsFor(db, cameraId, now),
    poll_interval_seconds: policy.poll_interval_seconds,
    // Only when set, so the desired state (and its ETag) of every other camera is unchanged.
    ...(setup.config.image_sync === undefined ? {} : { image_sync: setup.config.image_sync }),
  };
}
