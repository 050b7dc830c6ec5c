/**
 * The store of plan revisions: what the hub served each camera, from when. A poll
 * adds a revision only when the content differs from the camera's latest; the
 * (camera, revision) key makes that idempotent, so hub replicas serving the same
 * change at once add it once.
 */
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import { canonicalJson, sha256 } from "../../shared/canonical";
import type { HubDb } from "../db/client";
import { agentLogs, cameras, captures, clockSamples, outages, planRevisions } from "../db/schema";
import type { PlanContent, PlanRevision } from "./history";

/**
 * Records `content` as in force for the camera from `at`, unless it already is.
 * Returns false when another writer added that revision first (the caller checks again later).
 */
export async function recordPlan(db: HubDb, cameraId: string, content: PlanContent, at: number): Promise<boolean> {
  const hash = sha256(canonicalJson(content));
  const [last] = await db
    .select({ revision: planRevisions.revision, effectiveAt: planRevisions.effectiveAt, hash: planRevisions.contentHash })
    .from(planRevisions)
    .where(eq(planRevisions.cameraId, cameraId))
    .orderBy(desc(planRevisions.revision))
    .limit(1);
  if (last?.hash === hash) return true;
  const inserted = await db
    .insert(planRevisions)
    .values({
      cameraId,
      revision: (last?.revision ?? 0) + 1,
      // Never before the previous one: a hub clock set back must not reorder history.
      effectiveAt: Math.max(at, last?.effectiveAt ?? at),
      contentHash: hash,
      ...content,
    })
    .onConflictDoNothing()
    .returning({ revision: planRevisions.revision });
  return inserted.length > 0;
}

/** A camera's revisions, oldest first. */
export async function planRevisionsOf(db: HubDb, cameraId: string): Promise<PlanRevision[]> {
  return (await db.select().from(planRevisions).where(eq(planRevisions.cameraId, cameraId)).orderBy(asc(planRevisions.revision))).map((r) => ({ revision: r.revision, effectiveAt: r.effectiveAt, position: r.position, rules: r.rules, defaultProfiles: r.defaultProfiles }));
}

/** Every camera's first contact: when its first revision took effect. Cameras never in contact are absent. */
export async function firstContacts(db: HubDb): Promise<Map<string, number>> {
  return new Map((await db.select({ id: planRevisions.cameraId, at: planRevisions.effectiveAt }).from(planRevisions).where(eq(planRevisions.revision, 1))).map((r) => [r.id, r.at]));
}

/**
 * Cameras without a revision that had contact before revisions were kept, and
 * the earliest trace of that contact: a clock sample, a log, an outage, a record
 * received, the last contact.
 */
export async function contactsWithoutRevision(db: HubDb): Promise<{ cameraId: string; since: number }[]> {
  const rows = await db
    .select({
      id: cameras.id,
      lastContactAt: cameras.lastContactAt,
      sample: sql<number | null>`(select min(${clockSamples.at}) from ${clockSamples} where ${clockSamples.cameraId} = ${cameras.id})`.mapWith(Number),
      log: sql<number | null>`(select min(${agentLogs.firstSeenAt}) from ${agentLogs} where ${agentLogs.cameraId} = ${cameras.id})`.mapWith(Number),
      outage: sql<number | null>`(select min(${outages.fromAt}) from ${outages} where ${outages.cameraId} = ${cameras.id})`.mapWith(Number),
      record: sql<number | null>`(select min(${captures.receivedAt}) from ${captures} where ${captures.cameraId} = ${cameras.id})`.mapWith(Number),
    })
    .from(cameras)
    .leftJoin(planRevisions, and(eq(planRevisions.cameraId, cameras.id), eq(planRevisions.revision, 1)))
    .where(isNull(planRevisions.cameraId));
  return rows.flatMap((r) => {
    const traces = [r.lastContactAt, r.sample, r.log, r.outage, r.record].filter((t): t is number => t !== null);
    return traces.length ? [{ cameraId: r.id, since: Math.min(...traces) }] : [];
  });
}
