/** The SQL of agent releases (drizzle's async API only). */
import { desc, eq, inArray, or, sql } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { preparedOnce } from "../db/prepared";
import { agentReleaseAssignments, agentReleases, cameras } from "../db/schema";
import type { AssignmentRow, ReleaseRow } from "./compute";

export async function insertRelease(db: HubDb, row: ReleaseRow): Promise<void> {
  await db.insert(agentReleases).values(row).onConflictDoNothing();
}

export async function releasesOf(db: HubDb, version: string): Promise<ReleaseRow[]> {
  return db.select().from(agentReleases).where(eq(agentReleases.version, version));
}

export async function allReleases(db: HubDb): Promise<ReleaseRow[]> {
  return db.select().from(agentReleases).orderBy(desc(agentReleases.publishedAt));
}

export async function newestVersion(db: HubDb): Promise<string | null> {
  const [row] = await db.select({ version: agentReleases.version }).from(agentReleases).orderBy(desc(agentReleases.publishedAt), desc(agentReleases.version)).limit(1);
  return row?.version ?? null;
}

/** The size of a published artifact with this sha256 (runtime or bundle of any release), or null. */
export async function artifactBytes(db: HubDb, sha: string): Promise<number | null> {
  const [row] = await db
    .select({ runtimeSha256: agentReleases.runtimeSha256, runtimeBytes: agentReleases.runtimeBytes, bundleBytes: agentReleases.bundleBytes })
    .from(agentReleases)
    .where(or(eq(agentReleases.runtimeSha256, sha), eq(agentReleases.bundleSha256, sha)))
    .limit(1);
  if (!row) return null;
  return row.runtimeSha256 === sha ? row.runtimeBytes : row.bundleBytes;
}

// Every poll runs it.
const assignmentLookup = preparedOnce((db) => db.select().from(agentReleaseAssignments).where(eq(agentReleaseAssignments.cameraId, sql.placeholder("camera"))).prepare());

export async function assignmentOf(db: HubDb, cameraId: string): Promise<AssignmentRow | null> {
  return (await assignmentLookup(db).execute({ camera: cameraId }))[0] ?? null;
}

export async function allAssignments(db: HubDb): Promise<AssignmentRow[]> {
  return db.select().from(agentReleaseAssignments);
}

/** Assigns `target` to each camera, keeping each one's current assignment as its previous one. */
export async function assign(db: HubDb, cameraIds: string[], target: string, now: number): Promise<void> {
  const current = new Map((await db.select().from(agentReleaseAssignments).where(inArray(agentReleaseAssignments.cameraId, cameraIds))).map((a) => [a.cameraId, a]));
  for (const cameraId of cameraIds) {
    const was = current.get(cameraId);
    if (was?.target === target) continue;
    const previous = was?.target ?? null;
    await db
      .insert(agentReleaseAssignments)
      .values({ cameraId, target, previous, assignedAt: now })
      .onConflictDoUpdate({ target: agentReleaseAssignments.cameraId, set: { target, previous, assignedAt: now } });
  }
}

export async function camerasObserved(db: HubDb, ids?: string[]) {
  return db
    .select({ id: cameras.id, observed: cameras.observed })
    .from(cameras)
    .where(ids ? inArray(cameras.id, ids) : undefined)
    .orderBy(cameras.id);
}
