import type { ProfileRef } from "../../shared/contracts/sync";
import { HttpError, notFound } from "../../shared/http";
import { OPERATOR, recordAudit } from "../audit/service";
import { bumpRevision } from "../config/revision";
import type { HubDb } from "../db/client";
import { inTransaction } from "../db/transaction";
import { compareSemver, versionNumbers } from "../profiles/service";
import { auditEntriesOf, latestAuditPerTarget } from "../audit/data";
import { assignmentRows, cameraAssignments, setAssignment, versionsPublished } from "./data";

/** What an operator asks a camera to run: a published version, or "latest". */
export interface AssignmentRef {
  profile_id: string;
  version: string;
}

export interface Assigned extends AssignmentRef {
  /** The version "latest" stands for now (the version itself when pinned). */
  resolved_version: string | null;
}

export interface AssignmentChange {
  camera_id: string;
  before: AssignmentRef | null;
  after: Assigned;
  changed: boolean;
}

/** The audit action of an assignment change; its latest entry per camera dates the assignment. */
export const ASSIGN_ACTION = "camera.assign";

/** The version a reference names now, or a 422 naming the field. */
async function resolveTarget(db: HubDb, ref: AssignmentRef): Promise<string> {
  const numbers = await versionNumbers(db, ref.profile_id);
  if (!numbers.length) throw new HttpError(422, "invalid_request", `body.profile_id: profile '${ref.profile_id}' has no published version`);
  if (ref.version === "latest") return numbers[numbers.length - 1]!;
  if (!numbers.includes(ref.version))
    throw new HttpError(422, "invalid_request", `body.version: profile '${ref.profile_id}' has no version ${ref.version} (versions: ${numbers.join(", ")})`);
  return ref.version;
}

const refOf = (profile: string | null, version: string | null): AssignmentRef | null => (profile ? { profile_id: profile, version: version ?? "latest" } : null);

/**
 * Assigns one profile version to cameras, all or nothing in one transaction: unknown
 * cameras are a 404, a retired one a 409, an unknown profile or version a 422, and
 * then nothing changes. Each camera whose assignment changes gets an audit entry
 * (before/after) and its revision bumped, so its agent gets its new desired state
 * on its next poll. Rollback is assigning an earlier version.
 */
export function assignCameras(db: HubDb, cameraIds: string[], ref: AssignmentRef, now: number): Promise<AssignmentChange[]> {
  return inTransaction(db, async (t) => {
    const rows = new Map((await cameraAssignments(t, cameraIds)).map((r) => [r.id, r]));
    const missing = cameraIds.filter((id) => !rows.has(id));
    if (missing.length) throw notFound(missing.length === 1 ? `camera ${missing[0]}` : `cameras ${missing.join(", ")}`);
    const retired = cameraIds.filter((id) => rows.get(id)!.retiredAt !== null);
    if (retired.length) throw new HttpError(409, "conflict", `camera${retired.length > 1 ? "s" : ""} ${retired.join(", ")} ${retired.length > 1 ? "are" : "is"} retired`);
    const resolved = await resolveTarget(t, ref);
    const after: Assigned = { profile_id: ref.profile_id, version: ref.version, resolved_version: resolved };
    const changes: AssignmentChange[] = [];
    for (const id of cameraIds) {
      const row = rows.get(id)!;
      const before = refOf(row.profile, row.version);
      const changed = before?.profile_id !== ref.profile_id || before.version !== ref.version;
      if (changed) {
        await setAssignment(t, id, ref.profile_id, ref.version);
        await recordAudit(t, { actor: OPERATOR, action: ASSIGN_ACTION, target: `camera:${id}`, before, after }, now);
      }
      changes.push({ camera_id: id, before, after, changed });
    }
    const reached = changes.filter((c) => c.changed).map((c) => c.camera_id);
    if (reached.length) await bumpRevision(t, reached);
    return changes;
  });
}

export interface AssignmentStatus {
  camera_id: string;
  mode: "autonomous" | "live";
  /** As the operator asked it, with the version "latest" resolves to now. */
  assigned: Assigned | null;
  /** What the agent reported running on its last poll (a profile deployed by hand on the Pi shows here too). */
  running: ProfileRef | null;
  /**
   * The agent runs the assigned version (both null counts). A live camera is driven
   * by the hub tick by tick with the assigned version, so it is converged whenever
   * the assignment resolves.
   */
  converged: boolean;
  /** When the camera was given what it should run: its last assignment change, or the publication of the version "latest" now names. */
  since: string | null;
  last_contact_at: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Every camera's assignment beside what its agent reports running (retired cameras
 * are left out). One pass over cameras, versions and the assignment audit entries.
 */
export async function assignmentStatuses(db: HubDb, cameraIds?: string[]): Promise<AssignmentStatus[]> {
  const rows = (await assignmentRows(db, cameraIds)).filter((r) => r.retiredAt === null);
  if (!rows.length) return [];
  const profileIds = [...new Set(rows.map((r) => r.profile).filter((p): p is string => p !== null))];
  const versions = new Map<string, Map<string, number>>();
  if (profileIds.length)
    for (const v of await versionsPublished(db, profileIds)) {
      const m = versions.get(v.profileId) ?? new Map<string, number>();
      m.set(v.version, v.createdAt);
      versions.set(v.profileId, m);
    }
  const assignedAt = await assignmentTimes(db, cameraIds);
  return rows.map((r) => {
    const mode = r.config.mode === "live" ? "live" : "autonomous";
    const running = r.observed?.running ?? null;
    const ref = refOf(r.profile, r.version);
    let since = assignedAt.get(r.id) ?? r.createdAt;
    let assigned: Assigned | null = null;
    if (ref) {
      const known = versions.get(ref.profile_id);
      const resolved =
        ref.version === "latest" ? ([...(known?.keys() ?? [])].sort(compareSemver).pop() ?? null) : known?.has(ref.version) ? ref.version : null;
      assigned = { ...ref, resolved_version: resolved };
      if (ref.version === "latest" && resolved) since = Math.max(since, known!.get(resolved)!);
    }
    const converged =
      mode === "live"
        ? assigned === null || assigned.resolved_version !== null
        : assigned === null
          ? running === null
          : running?.profile_id === assigned.profile_id && running.version === assigned.resolved_version;
    return { camera_id: r.id, mode, assigned, running, converged, since: iso(since), last_contact_at: iso(r.lastContactAt) };
  });
}

/** The audit action of a config apply (hub/config), whose changes may set a camera's profile. */
const CONFIG_ACTION = "config.apply";
const CONFIG_CAMERA_PATH = /^cameras\.([^.]+)(\.deployed_profile)?$/;

/**
 * When each camera's assignment last changed, from the audit log: its own
 * assignment entries, and config applies that added the camera or changed its
 * `deployed_profile`. Cameras never changed that way are absent (their creation dates them).
 */
async function assignmentTimes(db: HubDb, cameraIds?: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const later = (id: string, at: number) => out.set(id, Math.max(out.get(id) ?? at, at));
  for (const r of await latestAuditPerTarget(db, ASSIGN_ACTION, cameraIds?.map((id) => `camera:${id}`)))
    if (r.at !== null) later(r.target.slice("camera:".length), r.at);
  for (const r of await auditEntriesOf(db, CONFIG_ACTION)) {
    const changes = (r.after as { changes?: { path?: unknown }[] } | null)?.changes ?? [];
    for (const c of changes) {
      const m = typeof c.path === "string" ? CONFIG_CAMERA_PATH.exec(c.path) : null;
      if (m) later(m[1]!, r.at);
    }
  }
  return out;
}

/** One camera's assignment status; 404 for an unknown (or retired) camera. */
export async function assignmentStatus(db: HubDb, cameraId: string): Promise<AssignmentStatus> {
  const [status] = await assignmentStatuses(db, [cameraId]);
  if (!status) throw notFound(`camera ${cameraId}`);
  return status;
}

export async function listAssignments(db: HubDb, now: number, filter?: { converged?: boolean }) {
  const all = await assignmentStatuses(db);
  const cameras = filter?.converged === undefined ? all : all.filter((c) => c.converged === filter.converged);
  const notConverged = all.filter((c) => !c.converged).length;
  return {
    generated_at: new Date(now).toISOString(),
    cameras,
    totals: { cameras: all.length, converged: all.length - notConverged, not_converged: notConverged },
  };
}
