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

/** The comment a migration carries when it may contract (the first release of a minor version dropping what the previous minor no longer uses). */
export const CONTRACT_MARK = "-- contract:";

const unquote = (name: string) => name.replace(/["`]/g, "");

/**
 * Why a migration (its SQL text, drizzle-kit's statement breakpoints) is not
 * expand-only: each statement that drops, renames or tightens what an older
 * replica may still use. Empty when it only adds, or when it is marked as a
 * contract step (CONTRACT_MARK).
 */
export function expandOnlyViolations(migration: string): string[] {
  if (migration.includes(CONTRACT_MARK)) return [];
  const statements = migration.split("--> statement-breakpoint").map((s) => s.replace(/--[^\n]*/g, "").trim()).filter(Boolean);
  const created = new Set(statements.map((s) => /^CREATE TABLE\s+(?:IF NOT EXISTS\s+)?([`"\w.]+)/i.exec(s)?.[1]).filter((t): t is string => !!t).map(unquote));
  // A plain index dropped and made again in the same migration (e.g. turned partial) is a rebuild: no query of an older replica depends on it.
  const rebuilt = new Set(statements.map((s) => /^CREATE INDEX\s+(?:IF NOT EXISTS\s+)?([`"\w.]+)/i.exec(s)?.[1]).filter((t): t is string => !!t).map(unquote));
  const violations: string[] = [];
  for (const s of statements) {
    const one = s.replace(/\s+/g, " ");
    const dropped = /^DROP INDEX\s+(?:IF EXISTS\s+)?([`"\w.]+)/i.exec(one)?.[1];
    if (dropped && rebuilt.has(unquote(dropped))) continue;
    const why =
      /^DROP |\bDROP (?:COLUMN|CONSTRAINT)\b/i.test(one) ? "drops"
      : /\bRENAME\b/i.test(one) ? "renames"
      : /\bALTER COLUMN\b/i.test(one) && !/\bSET DEFAULT\b/i.test(one) ? "changes a column"
      : /\bADD (?:COLUMN )?[`"\w]+ [^,]*\bNOT NULL\b/i.test(one) && !/\bDEFAULT\b/i.test(one) ? "adds a NOT NULL column without a default"
      : /\bADD CONSTRAINT\b/i.test(one) ? "adds a constraint to a table"
      : /^CREATE UNIQUE INDEX\b/i.test(one) && !created.has(unquote(/\bON\s+([`"\w.]+)/i.exec(one)?.[1] ?? "")) ? "adds a unique index to an existing table"
      : null;
    if (why) violations.push(`${why}: ${one.slice(0, 120)}`);
  }
  return violations;
}
