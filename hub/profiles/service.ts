import type { ProfileDefinition, ProfileSnapshot } from "../../shared/contracts/profile";
import { compileContent, resolveInheritance, snapshotOf } from "../../shared/exposure/compile";
import { contentChecksum } from "../../shared/canonical";
import { HttpError, notFound } from "../../shared/http";
import { OPERATOR, recordAudit } from "../audit/service";
import { bumpRevision, camerasCarrying, readShaping } from "../config/revision";
import type { HubDb } from "../db/client";
import { diffSnapshots } from "./diff";
import { insertProfileVersion, profileRow, profileRows, profileSnapshot, profileVersionNumbers, profileVersionRow, snapshotWithChecksum, storedDefinitions, upsertDefinition, versionRows } from "./data";
import { inTransaction } from "../db/transaction";

/** `a` before `b` by semantic version (numerically: 1.9.0 < 1.10.0). */
export function compareSemver(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** A profile's version numbers, oldest first. */
export async function versionNumbers(db: HubDb, profileId: string): Promise<string[]> {
  return (await profileVersionNumbers(db, profileId)).sort(compareSemver);
}

/**
 * The highest version of a profile. Versions only ever go up, so this is also the
 * newest — ordered by number, not by creation time, which a simulated clock restarted
 * earlier would get wrong.
 */
export async function latestVersion(db: HubDb, profileId: string): Promise<ProfileSnapshot | null> {
  const numbers = await versionNumbers(db, profileId);
  return numbers.length ? versionOf(db, profileId, numbers[numbers.length - 1]!) : null;
}

export const versionOf = profileSnapshot;

function nextVersion(previous: string | null): string {
  if (!previous) return "1.0.0";
  const [major, minor] = previous.split(".").map(Number) as [number, number];
  return `${major}.${minor + 1}.0`;
}

export interface Published {
  snapshot: ProfileSnapshot;
  /** False when the content was already published (the existing version is returned). */
  created: boolean;
}

/**
 * Publishes the compiled form of a profile. Identical content returns the
 * existing version; new content gets the next minor version. Versions never change.
 */
export async function publishVersion(db: HubDb, profileId: string, definitions: Record<string, ProfileDefinition>, now: number): Promise<Published> {
  const content = compileContent(profileId, resolveInheritance(profileId, definitions));
  const checksum = contentChecksum(content);
  const existing = await snapshotWithChecksum(db, profileId, checksum);
  if (existing) return { snapshot: existing, created: false };
  const numbers = await versionNumbers(db, profileId);
  const snapshot = snapshotOf(content, nextVersion(numbers[numbers.length - 1] ?? null));
  await insertProfileVersion(db, { profileId, version: snapshot.version, checksum, snapshot, createdAt: now });
  return { snapshot, created: true };
}

export interface PublishResult {
  profile_id: string;
  version: string;
  checksum: string;
  created: boolean;
  snapshot: ProfileSnapshot;
  /** Profiles extending this one, directly or not: republished with `withChildren`, else only named. */
  children: { profile_id: string; version: string | null; created: boolean }[];
}

/** Every profile that extends `parent`, directly or through others, parents before children. */
export function descendantsOf(parent: string, definitions: Record<string, ProfileDefinition>): string[] {
  const out: string[] = [];
  for (let level = [parent]; level.length; ) {
    level = Object.entries(definitions)
      .filter(([id, d]) => d.extends !== undefined && level.includes(d.extends) && !out.includes(id))
      .map(([id]) => id)
      .sort();
    out.push(...level);
  }
  return out;
}

/**
 * An operator publishes a definition (already normalized to our form). `extends`
 * resolves against the stored definitions; a missing parent or a cycle is a 422 and
 * nothing is stored. New content: the definition is stored, the next version
 * published, the revision of the cameras carrying it bumped (cameras on "latest"
 * pick it up on their next poll) and an audit entry written — one transaction.
 * Content already published (the latest version or an earlier one): that version,
 * nothing changes.
 * With `withChildren`, every profile extending this one is republished against the
 * new definition in the same transaction (a child whose content does not change
 * keeps its version); without it, children are named and keep their versions.
 */
export function publishDefinition(db: HubDb, profileId: string, definition: ProfileDefinition, now: number, withChildren = false): Promise<PublishResult> {
  return inTransaction(db, async (t) => {
    const definitions = await storedDefinitions(t);
    const before = definitions[profileId] ?? null;
    definitions[profileId] = definition;
    try {
      resolveInheritance(profileId, definitions);
    } catch (e) {
      throw new HttpError(422, "invalid_request", `body.extends: ${(e as Error).message}`);
    }
    const previous = await latestVersion(t, profileId);
    const { snapshot, created } = await publishVersion(t, profileId, definitions, now);
    if (created) {
      await upsertDefinition(t, profileId, definition, now);
      await recordAudit(
        t,
        {
          actor: OPERATOR,
          action: "profile.publish",
          target: `profile:${profileId}`,
          before: previous ? { version: previous.version, checksum: previous.checksum, definition: before } : null,
          after: { version: snapshot.version, checksum: snapshot.checksum, definition },
        },
        now,
      );
    }
    const children: PublishResult["children"] = [];
    for (const child of descendantsOf(profileId, definitions)) {
      if (!withChildren) {
        children.push({ profile_id: child, version: (await latestVersion(t, child))?.version ?? null, created: false });
        continue;
      }
      const was = await latestVersion(t, child);
      const republished = await publishVersion(t, child, definitions, now);
      if (republished.created) {
        await recordAudit(
          t,
          {
            actor: OPERATOR,
            action: "profile.publish",
            target: `profile:${child}`,
            before: was ? { version: was.version, checksum: was.checksum, definition: definitions[child] } : null,
            after: { version: republished.snapshot.version, checksum: republished.snapshot.checksum, definition: definitions[child], parent: `${profileId} ${snapshot.version}` },
          },
          now,
        );
      }
      children.push({ profile_id: child, version: republished.snapshot.version, created: republished.created });
    }
    const published = [...(created ? [profileId] : []), ...children.filter((c) => c.created).map((c) => c.profile_id)];
    if (published.length) await bumpRevision(t, camerasCarrying(await readShaping(t), published));
    return { profile_id: profileId, version: snapshot.version, checksum: snapshot.checksum, created, snapshot, children };
  });
}

export interface VersionInfo {
  version: string;
  checksum: string;
  created_at: string;
}

const info = (r: { version: string; checksum: string; createdAt: number }): VersionInfo => ({
  version: r.version,
  checksum: r.checksum,
  created_at: new Date(r.createdAt).toISOString(),
});

/** Every profile with a definition or a published version: its latest version and how many there are. */
export async function listProfiles(db: HubDb) {
  const defs = new Map((await profileRows(db)).map((r) => [r.id, r]));
  const versions = new Map<string, VersionInfo[]>();
  for (const r of await versionRows(db)) {
    const list = versions.get(r.profileId) ?? [];
    list.push(info(r));
    versions.set(r.profileId, list);
  }
  const ids = [...new Set([...defs.keys(), ...versions.keys()])].sort();
  return {
    profiles: ids.map((id) => {
      const def = defs.get(id)?.definition ?? null;
      const list = (versions.get(id) ?? []).sort((a, b) => compareSemver(a.version, b.version));
      return {
        id,
        name: def?.name ?? null,
        description: def?.description ?? null,
        extends: def?.extends ?? null,
        latest: list[list.length - 1] ?? null,
        versions: list.length,
      };
    }),
  };
}

/** A profile's stored definition and every version, oldest first. */
export async function showProfile(db: HubDb, profileId: string) {
  const def = await profileRow(db, profileId);
  const versions = (await versionRows(db, profileId))
    .map(info)
    .sort((a, b) => compareSemver(a.version, b.version));
  if (!def && !versions.length) throw notFound(`profile ${profileId}`);
  const children = Object.entries(await storedDefinitions(db))
    .filter(([, definition]) => definition.extends === profileId)
    .map(([id]) => id)
    .sort();
  return {
    id: profileId,
    definition: def?.definition ?? null,
    updated_at: def ? new Date(def.updatedAt).toISOString() : null,
    extended_by: children,
    latest: versions[versions.length - 1] ?? null,
    versions,
  };
}

/** One published version ("latest" names the highest); 404 when the profile or the version is unknown. */
export async function getVersion(db: HubDb, profileId: string, version: string) {
  const numbers = await versionNumbers(db, profileId);
  if (!numbers.length) throw notFound(`profile ${profileId}`);
  const wanted = version === "latest" ? numbers[numbers.length - 1]! : version;
  const row = await profileVersionRow(db, profileId, wanted);
  if (!row) throw new HttpError(404, "not_found", `profile ${profileId} has no version ${version} (versions: ${numbers.join(", ")})`);
  return { profile_id: profileId, version: row.version, checksum: row.checksum, created_at: new Date(row.createdAt).toISOString(), snapshot: row.snapshot };
}

export async function diffVersions(db: HubDb, profileId: string, from: string, to: string) {
  const a = await getVersion(db, profileId, from);
  const b = await getVersion(db, profileId, to);
  return {
    profile_id: profileId,
    from: { version: a.version, checksum: a.checksum },
    to: { version: b.version, checksum: b.checksum },
    changes: diffSnapshots(a.snapshot, b.snapshot),
  };
}
