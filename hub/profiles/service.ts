import { and, eq } from "drizzle-orm";
import type { ProfileDefinition, ProfileSnapshot } from "../../shared/contracts/profile";
import { compileContent, resolveInheritance, snapshotOf } from "../../shared/exposure/compile";
import { canonicalJson, contentChecksum } from "../../shared/canonical";
import { HttpError, notFound } from "../../shared/http";
import { OPERATOR, recordAudit } from "../audit/service";
import { bumpRevision, camerasCarrying, readShaping } from "../config/revision";
import type { HubDb } from "../db/client";
import { profiles, profileVersions } from "../db/schema";
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
  return (await db.select({ version: profileVersions.version }).from(profileVersions).where(eq(profileVersions.profileId, profileId)))
    .map((r) => r.version)
    .sort(compareSemver);
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

export async function versionOf(db: HubDb, profileId: string, version: string): Promise<ProfileSnapshot | null> {
  const [row] = await db
    .select({ snapshot: profileVersions.snapshot })
    .from(profileVersions)
    .where(and(eq(profileVersions.profileId, profileId), eq(profileVersions.version, version)));
  return row?.snapshot ?? null;
}

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
  const [existing] = await db
    .select({ snapshot: profileVersions.snapshot })
    .from(profileVersions)
    .where(and(eq(profileVersions.profileId, profileId), eq(profileVersions.checksum, checksum)));
  if (existing) return { snapshot: existing.snapshot, created: false };
  const numbers = await versionNumbers(db, profileId);
  const snapshot = snapshotOf(content, nextVersion(numbers[numbers.length - 1] ?? null));
  await db.insert(profileVersions).values({ profileId, version: snapshot.version, checksum, snapshot, createdAt: now });
  return { snapshot, created: true };
}

async function storedDefinitions(db: HubDb): Promise<Record<string, ProfileDefinition>> {
  return Object.fromEntries((await db.select({ id: profiles.id, definition: profiles.definition }).from(profiles)).map((r) => [r.id, r.definition]));
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
      await t
        .insert(profiles)
        .values({ id: profileId, definition, updatedAt: now })
        .onConflictDoUpdate({ target: profiles.id, set: { definition, updatedAt: now } });
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

function versionRows(db: HubDb, profileId?: string) {
  return db
    .select({ profileId: profileVersions.profileId, version: profileVersions.version, checksum: profileVersions.checksum, createdAt: profileVersions.createdAt })
    .from(profileVersions)
    .where(profileId === undefined ? undefined : eq(profileVersions.profileId, profileId));
}

const info = (r: { version: string; checksum: string; createdAt: number }): VersionInfo => ({
  version: r.version,
  checksum: r.checksum,
  created_at: new Date(r.createdAt).toISOString(),
});

/** Every profile with a definition or a published version: its latest version and how many there are. */
export async function listProfiles(db: HubDb) {
  const defs = new Map((await db.select().from(profiles)).map((r) => [r.id, r]));
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
  const [def] = await db.select().from(profiles).where(eq(profiles.id, profileId));
  const versions = (await versionRows(db, profileId))
    .map(info)
    .sort((a, b) => compareSemver(a.version, b.version));
  if (!def && !versions.length) throw notFound(`profile ${profileId}`);
  const children = (await db.select({ id: profiles.id, definition: profiles.definition }).from(profiles))
    .filter((r) => r.definition.extends === profileId)
    .map((r) => r.id)
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
  const [row] = await db
    .select()
    .from(profileVersions)
    .where(and(eq(profileVersions.profileId, profileId), eq(profileVersions.version, wanted)));
  if (!row) throw new HttpError(404, "not_found", `profile ${profileId} has no version ${version} (versions: ${numbers.join(", ")})`);
  return { profile_id: profileId, version: row.version, checksum: row.checksum, created_at: new Date(row.createdAt).toISOString(), snapshot: row.snapshot };
}

export interface Change {
  /** `base.ev`, `base.white_balance.mode`, `wb_table[3]`, `schedule_overrides.sunrise.ev`. */
  path: string;
  /** null where the field is absent on that side. */
  from: unknown;
  to: unknown;
}

/** Tables compare row by row: a row is `[lux, value]`. */
const TABLES = new Set(["wb_table", "ev_table"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function diffValue(path: string, a: unknown, b: unknown, out: Change[]): void {
  if (same(a, b)) return;
  // A side without the object (a schedule override added or removed) compares as empty, field by field.
  if ((isObject(a) || a === undefined) && (isObject(b) || b === undefined)) {
    const ao = (a ?? {}) as Record<string, unknown>;
    const bo = (b ?? {}) as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) diffValue(path ? `${path}.${key}` : key, ao[key], bo[key], out);
    return;
  }
  if (TABLES.has(path) && Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (!same(a[i], b[i])) out.push({ path: `${path}[${i}]`, from: a[i] ?? null, to: b[i] ?? null });
    }
    return;
  }
  out.push({ path, from: a ?? null, to: b ?? null });
}

/**
 * Field by field over two compiled snapshots: settings and schedule overrides by
 * field, lux tables by row, a table switched on or off as a whole. Version and
 * checksum are not content and are not listed.
 */
export function diffSnapshots(from: ProfileSnapshot, to: ProfileSnapshot): Change[] {
  const strip = ({ version: _v, checksum: _c, ...content }: ProfileSnapshot) => content;
  const out: Change[] = [];
  diffValue("", strip(from), strip(to), out);
  return out;
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
