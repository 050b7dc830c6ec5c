/**
 * The hub's version rule for a shared database, pure. Within a major version
 * every minor version's migrations are expand-only (they add tables, nullable or
 * defaulted columns, indexes; they never drop, rename or tighten what the
 * previous minor version uses), so a hub runs on a database that a hub one minor
 * version newer has migrated: the two serve side by side during a rolling
 * upgrade, and a rollback within that step needs no down-migration.
 */
import type { CheckResult } from "../readiness/compute";

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

export function parseVersion(text: string): Version | null {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : null;
}

function compare(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** The newest of the versions that parse, or null. */
export function newestVersion(texts: string[]): string | null {
  let newest: { text: string; v: Version } | null = null;
  for (const text of texts) {
    const v = parseVersion(text);
    if (v && (!newest || compare(v, newest.v) > 0)) newest = { text, v };
  }
  return newest?.text ?? null;
}

/**
 * Whether a hub of version `code` may run on a database whose newest hub was
 * `database` (null: none recorded yet). Older databases are migrated forward;
 * one minor version ahead is the rolling-upgrade overlap; a newer major
 * version, or more than one minor version ahead, may have removed what this
 * hub uses.
 */
export function versionCompatibility(code: string, database: string | null): CheckResult {
  const ours = parseVersion(code);
  const theirs = database === null ? null : parseVersion(database);
  if (!ours || !theirs) return { ok: true };
  if (theirs.major > ours.major)
    return { ok: false, reason: `the database was migrated by hub ${database}, a newer major version than this hub's ${code}: run hub ${theirs.major}.x (a major upgrade is not rolled back)` };
  if (theirs.major === ours.major && theirs.minor > ours.minor + 1)
    return { ok: false, reason: `the database was migrated by hub ${database}, more than one minor version newer than this hub's ${code}: a hub runs beside the next minor version only` };
  return { ok: true };
}
