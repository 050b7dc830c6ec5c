/** Decisions about agent releases, from rows already read: no I/O here. */
import { canonicalJson, sha256 } from "../../shared/canonical";
import type { AgentRelease, SignedManifest, UpdateOutcome } from "../../shared/contracts/release";
import type { DesiredState, ObservedState } from "../../shared/contracts/sync";

export interface ReleaseRow {
  version: string;
  arch: string;
  signed: SignedManifest;
  runtimeSha256: string;
  runtimeBytes: number;
  bundleSha256: string;
  bundleBytes: number;
  publishedAt: number;
}

export interface AssignmentRow {
  cameraId: string;
  target: string;
  previous: string | null;
  assignedAt: number;
}

export const LATEST = "latest";

/** The version a target names: a pinned version itself, `latest` the newest published (null before any). */
export function resolveTarget(target: string, newest: string | null): string | null {
  return target === LATEST ? newest : target;
}

/** What a camera's desired state carries for a version: its signed manifest per architecture. */
export function agentRelease(version: string, rows: ReleaseRow[]): AgentRelease {
  return { version, manifests: rows.filter((r) => r.version === version).sort((a, b) => a.arch.localeCompare(b.arch)).map((r) => r.signed) };
}

/** The desired state with the release added; its ETag changes with the release, and stays as it was without one. */
export function withAgentRelease<S extends { etag: string; desired: DesiredState }>(state: S, release: AgentRelease | null): { etag: string; desired: DesiredState } {
  if (!release) return state;
  return { etag: `"${sha256(state.etag + canonicalJson(release)).slice(0, 32)}"`, desired: { ...state.desired, agent_release: release } };
}

/** One camera: the release assigned, the version its agent reports running, and its last update. */
export interface AgentView {
  camera_id: string;
  assigned: string | null;
  assigned_version: string | null;
  running: string | null;
  converged: boolean | null;
  phase: string | null;
  downloaded_bytes: number | null;
  total_bytes: number | null;
  last_update: UpdateOutcome | null;
}

export function agentView(cameraId: string, observed: ObservedState | null, assignment: AssignmentRow | null, newest: string | null): AgentView {
  const assignedVersion = assignment ? resolveTarget(assignment.target, newest) : null;
  const running = observed?.agent_version ?? null;
  const update = observed?.update;
  return {
    camera_id: cameraId,
    assigned: assignment?.target ?? null,
    assigned_version: assignedVersion,
    running,
    converged: assignedVersion === null ? null : running === assignedVersion,
    phase: update?.phase ?? null,
    downloaded_bytes: update?.downloaded_bytes ?? null,
    total_bytes: update?.total_bytes ?? null,
    last_update: update?.history.at(-1) ?? null,
  };
}

/** A release as the hub's release view shows it: per architecture its sizes, and what each camera's update to it moved. */
export interface ReleaseView {
  version: string;
  published_at: string;
  arches: { arch: string; runtime_bytes: number; bundle_bytes: number; runtime_sha256: string; bundle_sha256: string }[];
  updates: ({ camera_id: string } & UpdateOutcome)[];
}

export function releaseViews(rows: ReleaseRow[], cameras: { id: string; observed: ObservedState | null }[]): ReleaseView[] {
  const byVersion = new Map<string, ReleaseRow[]>();
  for (const r of rows) byVersion.set(r.version, [...(byVersion.get(r.version) ?? []), r]);
  return [...byVersion.entries()]
    .map(([version, rs]) => ({
      version,
      published_at: new Date(Math.min(...rs.map((r) => r.publishedAt))).toISOString(),
      arches: rs.map((r) => ({ arch: r.arch, runtime_bytes: r.runtimeBytes, bundle_bytes: r.bundleBytes, runtime_sha256: r.runtimeSha256, bundle_sha256: r.bundleSha256 })),
      updates: cameras.flatMap((c) => (c.observed?.update?.history ?? []).filter((h) => h.version === version).map((h) => ({ camera_id: c.id, ...h }))),
    }))
    .sort((a, b) => b.published_at.localeCompare(a.published_at));
}

/**
 * The version `agents rollback` assigns: the one the camera ran before its last
 * installed update, else the assignment before the current one (never the version
 * assigned now, nor one that failed).
 */
export function rollbackTarget(assignment: AssignmentRow | null, observed: ObservedState | null, newest: string | null): string | null {
  const current = assignment ? resolveTarget(assignment.target, newest) : null;
  const history = observed?.update?.history ?? [];
  const lastInstalled = history.filter((h) => h.result === "installed").at(-1);
  if (lastInstalled && lastInstalled.from !== current && lastInstalled.from !== "unknown") return lastInstalled.from;
  const failed = new Set(history.filter((h) => h.result !== "installed").map((h) => h.version));
  const previous = assignment?.previous ? resolveTarget(assignment.previous, newest) : null;
  return previous && previous !== current && !failed.has(previous) ? assignment!.previous : null;
}
