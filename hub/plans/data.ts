/** The SQL of plan revisions and of what a camera's plan is built from (drizzle's async API only). */
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { agentLogs, cameras, captures, clockSamples, outages, planRevisions } from "../db/schema";

/** A camera's latest revision: its number, when it took effect and its content hash; null before its first. */
export async function latestPlanRevision(db: HubDb, cameraId: string) {
  const [last] = await db
    .select({ revision: planRevisions.revision, effectiveAt: planRevisions.effectiveAt, hash: planRevisions.contentHash })
    .from(planRevisions)
    .where(eq(planRevisions.cameraId, cameraId))
    .orderBy(desc(planRevisions.revision))
    .limit(1);
  return last ?? null;
}

/** Adds a revision; false when one with its (camera, revision) key is already there. */
export async function insertPlanRevision(db: HubDb, row: typeof planRevisions.$inferInsert): Promise<boolean> {
  const inserted = await db.insert(planRevisions).values(row).onConflictDoNothing().returning({ revision: planRevisions.revision });
  return inserted.length > 0;
}

/** A camera's revisions, oldest first. */
export function planRevisionRows(db: HubDb, cameraId: string) {
  return db.select().from(planRevisions).where(eq(planRevisions.cameraId, cameraId)).orderBy(asc(planRevisions.revision));
}

/** Every camera's first contact: when its first revision took effect. Cameras never in contact are absent. */
export async function firstContacts(db: HubDb): Promise<Map<string, number>> {
  return new Map((await db.select({ id: planRevisions.cameraId, at: planRevisions.effectiveAt }).from(planRevisions).where(eq(planRevisions.revision, 1))).map((r) => [r.id, r.at]));
}

/**
 * Cameras without a revision and the earliest trace of each kind of contact they
 * had: a clock sample, a log, an outage, a record received, the last contact.
 */
export function contactTracesWithoutRevision(db: HubDb) {
  return db
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
}
