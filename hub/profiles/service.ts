import { and, desc, eq } from "drizzle-orm";
import type { ProfileDefinition, ProfileSnapshot } from "../../shared/contracts/profile";
import { compileContent, resolveInheritance, snapshotOf } from "../../shared/exposure/compile";
import { contentChecksum } from "../../shared/canonical";
import type { HubDb } from "../db/client";
import { profileVersions } from "../db/schema";

export function latestVersion(db: HubDb, profileId: string): ProfileSnapshot | null {
  const row = db
    .select({ snapshot: profileVersions.snapshot })
    .from(profileVersions)
    .where(eq(profileVersions.profileId, profileId))
    .orderBy(desc(profileVersions.createdAt), desc(profileVersions.version))
    .limit(1)
    .get();
  return row?.snapshot ?? null;
}

export function versionOf(db: HubDb, profileId: string, version: string): ProfileSnapshot | null {
  return (
    db
      .select({ snapshot: profileVersions.snapshot })
      .from(profileVersions)
      .where(and(eq(profileVersions.profileId, profileId), eq(profileVersions.version, version)))
      .get()?.snapshot ?? null
  );
}

function nextVersion(previous: string | null): string {
  if (!previous) return "1.0.0";
  const [major, minor] = previous.split(".").map(Number) as [number, number];
  return `${major}.${minor + 1}.0`;
}

/**
 * Publishes the compiled form of a profile. Identical content returns the
 * existing version; new content gets the next minor version. Versions never change.
 */
export function publishProfile(db: HubDb, profileId: string, definitions: Record<string, ProfileDefinition>, now: number): ProfileSnapshot {
  const content = compileContent(profileId, resolveInheritance(profileId, definitions));
  const checksum = contentChecksum(content);
  const existing = db
    .select({ snapshot: profileVersions.snapshot })
    .from(profileVersions)
    .where(and(eq(profileVersions.profileId, profileId), eq(profileVersions.checksum, checksum)))
    .get();
  if (existing) return existing.snapshot;
  const snapshot = snapshotOf(content, nextVersion(latestVersion(db, profileId)?.version ?? null));
  db.insert(profileVersions)
    .values({ profileId, version: snapshot.version, checksum, snapshot, createdAt: now })
    .run();
  return snapshot;
}
