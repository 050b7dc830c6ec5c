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

/**
 * Whether the database holds every migration this build carries. A database
 * ahead of the build (a newer replica migrated it during a rolling upgrade) is
 * fine; one behind is not.
 */
export function migrationsCurrent(newestApplied: number | null, newestBundled: number | null): CheckResult {
  if (newestBundled === null) return { ok: true };
  if (newestApplied === null) return { ok: false, reason: "no migration applied" };
  if (newestApplied < newestBundled) return { ok: false, reason: `the database's newest migration (${new Date(newestApplied).toISOString()}) is older than this build's (${new Date(newestBundled).toISOString()})` };
  return { ok: true };
}
