/** The SQL of profiles and their published versions (drizzle's async API only). */
import { and, eq } from "drizzle-orm";
import type { ProfileDefinition, ProfileSnapshot } from "../../shared/contracts/profile";
import type { HubDb } from "../db/client";
import { profiles, profileVersions } from "../db/schema";

/** A profile's version numbers, in no order. */
export async function profileVersionNumbers(db: HubDb, profileId: string): Promise<string[]> {
  return (await db.select({ version: profileVersions.version }).from(profileVersions).where(eq(profileVersions.profileId, profileId))).map((r) => r.version);
}

export async function profileSnapshot(db: HubDb, profileId: string, version: string): Promise<ProfileSnapshot | null> {
  const [row] = await db
    .select({ snapshot: profileVersions.snapshot })
    .from(profileVersions)
    .where(and(eq(profileVersions.profileId, profileId), eq(profileVersions.version, version)));
  return row?.snapshot ?? null;
}

/** The snapshot of the version of a profile published with this content checksum, if any. */
export async function snapshotWithChecksum(db: HubDb, profileId: string, checksum: string): Promise<ProfileSnapshot | null> {
  const [row] = await db
    .select({ snapshot: profileVersions.snapshot })
    .from(profileVersions)
    .where(and(eq(profileVersions.profileId, profileId), eq(profileVersions.checksum, checksum)));
  return row?.snapshot ?? null;
}

export async function insertProfileVersion(db: HubDb, row: typeof profileVersions.$inferInsert): Promise<void> {
  await db.insert(profileVersions).values(row);
}

/** One published version, whole; null when there is none with that number. */
export async function profileVersionRow(db: HubDb, profileId: string, version: string) {
  const [row] = await db
    .select()
    .from(profileVersions)
    .where(and(eq(profileVersions.profileId, profileId), eq(profileVersions.version, version)));
  return row ?? null;
}

/** Version, checksum and creation time of every published version (of one profile when named). */
export function versionRows(db: HubDb, profileId?: string) {
  return db
    .select({ profileId: profileVersions.profileId, version: profileVersions.version, checksum: profileVersions.checksum, createdAt: profileVersions.createdAt })
    .from(profileVersions)
    .where(profileId === undefined ? undefined : eq(profileVersions.profileId, profileId));
}

/** Every stored definition, by profile id. */
export async function storedDefinitions(db: HubDb): Promise<Record<string, ProfileDefinition>> {
  return Object.fromEntries((await db.select({ id: profiles.id, definition: profiles.definition }).from(profiles)).map((r) => [r.id, r.definition]));
}

export async function upsertDefinition(db: HubDb, profileId: string, definition: ProfileDefinition, now: number): Promise<void> {
  await db
    .insert(profiles)
    .values({ id: profileId, definition, updatedAt: now })
    .onConflictDoUpdate({ target: profiles.id, set: { definition, updatedAt: now } });
}

export function profileRows(db: HubDb) {
  return db.select().from(profiles).orderBy(profiles.id);
}

export async function profileRow(db: HubDb, profileId: string) {
  const [row] = await db.select().from(profiles).where(eq(profiles.id, profileId));
  return row ?? null;
}

export async function profileExists(db: HubDb, profileId: string): Promise<boolean> {
  return (await db.select({ id: profiles.id }).from(profiles).where(eq(profiles.id, profileId))).length > 0;
}
