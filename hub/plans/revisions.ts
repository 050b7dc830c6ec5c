/**
 * Plan revisions: what the hub served each camera, from when. A poll adds a
 * revision only when the content differs from the camera's latest; the
 * (camera, revision) key makes that idempotent, so hub replicas serving the same
 * change at once add it once.
 */
import { canonicalJson, sha256 } from "../../shared/canonical";
import type { HubDb } from "../db/client";
import { contactTracesWithoutRevision, insertPlanRevision, latestPlanRevision, planRevisionRows } from "./data";
import type { PlanContent, PlanRevision } from "./history";

export { firstContacts } from "./data";

/**
 * Records `content` as in force for the camera from `at`, unless it already is.
 * Returns false when another writer added that revision first (the caller checks again later).
 */
export async function recordPlan(db: HubDb, cameraId: string, content: PlanContent, at: number): Promise<boolean> {
  const hash = sha256(canonicalJson(content));
  const last = await latestPlanRevision(db, cameraId);
  if (last?.hash === hash) return true;
  return insertPlanRevision(db, {
    cameraId,
    revision: (last?.revision ?? 0) + 1,
    // Never before the previous one: a hub clock set back must not reorder history.
    effectiveAt: Math.max(at, last?.effectiveAt ?? at),
    contentHash: hash,
    ...content,
  });
}

/** A camera's revisions, oldest first. */
export async function planRevisionsOf(db: HubDb, cameraId: string): Promise<PlanRevision[]> {
  return (await planRevisionRows(db, cameraId)).map((r) => ({ revision: r.revision, effectiveAt: r.effectiveAt, position: r.position, rules: r.rules, defaultProfiles: r.defaultProfiles }));
}

/**
 * Cameras without a revision that had contact before revisions were kept, and
 * the earliest trace of that contact: a clock sample, a log, an outage, a record
 * received, the last contact.
 */
export async function contactsWithoutRevision(db: HubDb): Promise<{ cameraId: string; since: number }[]> {
  return (await contactTracesWithoutRevision(db)).flatMap((r) => {
    const traces = [r.lastContactAt, r.sample, r.log, r.outage, r.record].filter((t): t is number => t !== null);
    return traces.length ? [{ cameraId: r.id, since: Math.min(...traces) }] : [];
  });
}
