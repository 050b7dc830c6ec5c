/** The SQL of profile assignments (drizzle's async API only). */
import { eq, inArray } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { cameras, profileVersions } from "../db/schema";

/** The named cameras' assignment and retirement. */
export function cameraAssignments(db: HubDb, cameraIds: string[]) {
  return db
    .select({ id: cameras.id, profile: cameras.assignedProfile, version: cameras.assignedVersion, retiredAt: cameras.retiredAt })
    .from(cameras)
    .where(inArray(cameras.id, cameraIds));
}

export async function setAssignment(db: HubDb, cameraId: string, profileId: string, version: string): Promise<void> {
  await db.update(cameras).set({ assignedProfile: profileId, assignedVersion: version }).where(eq(cameras.id, cameraId));
}

/** Every camera (or the named ones), by id: what its assignment status is decided from. */
export function assignmentRows(db: HubDb, cameraIds?: string[]) {
  return db
    .select({
      id: cameras.id,
      config: cameras.config,
      profile: cameras.assignedProfile,
      version: cameras.assignedVersion,
      observed: cameras.observed,
      lastContactAt: cameras.lastContactAt,
      createdAt: cameras.createdAt,
      retiredAt: cameras.retiredAt,
    })
    .from(cameras)
    .where(cameraIds ? inArray(cameras.id, cameraIds) : undefined)
    .orderBy(cameras.id);
}

/** The versions of these profiles and when each was published. */
export function versionsPublished(db: HubDb, profileIds: string[]) {
  return db
    .select({ profileId: profileVersions.profileId, version: profileVersions.version, createdAt: profileVersions.createdAt })
    .from(profileVersions)
    .where(inArray(profileVersions.profileId, profileIds));
}
