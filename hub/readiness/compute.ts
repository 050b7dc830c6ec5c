/** Whether the hub should be sent traffic, from what its checks found. Pure. */

export type CheckResult = { ok: true } | { ok: false; reason: string };

export interface Readiness {
  ready: boolean;
  /** Each check's finding: "ok" or why not. */
  checks: Record<string, string>;
  /** Why not, one line each (empty when ready). */
  reasons: string[];
}

export function readiness(results: Record<string, CheckResult>, draining: boolean): Readiness {
  const checks: Record<string, string> = {};
  const reasons: string[] = [];
  if (draining) reasons.push("draining: the hub is shutting down");
  for (const [name, r] of Object.entries(results)) {
    checks[name] = r.ok ? "ok" : r.reason;
    if (!r.ok) reasons.push(`${name}: ${r.reason}`);
  }
  return { ready: reasons.length === 0, checks, reasons };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Whether the database holds every migration this build carries (by the time
 * each was written). A database ahead of the build (a newer replica migrated it
 * during a rolling upgrade) is fine; one behind is not, and one that lacks a
 * migration older than its newest cannot be brought forward: drizzle applies
 * only what is newer than the newest applied (a database of another line).
 */
export function migrationsCurrent(applied: number[], bundled: number[]): CheckResult {
  if (bundled.length === 0) return { ok: true };
  if (applied.length === 0) return { ok: false, reason: "no migration applied" };
  const have = new Set(applied);
  const missing = bundled.filter((m) => !have.has(m));
  if (missing.length === 0) return { ok: true };
  const newestApplied = Math.max(...applied);
  const stranded = missing.filter((m) => m < newestApplied);
  if (stranded.length > 0)
    return { ok: false, reason: `the database lacks ${stranded.length} of this build's migrations (the first written ${iso(Math.min(...stranded))}) but holds newer ones: it was migrated by a hub of another line, which this build cannot bring forward` };
  return { ok: false, reason: `the database's newest migration (${iso(newestApplied)}) is older than this build's (${iso(Math.max(...bundled))})` };
}
