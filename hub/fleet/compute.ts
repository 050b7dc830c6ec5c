import type { QualityConfig } from "../../shared/contracts/config";
import type { ImageSyncProgress, Incident, ObservedState, ProfileRef } from "../../shared/contracts/sync";
import type { ExposureSummary, QualityIssueKind } from "../quality/compute";
import { onlineWindowMs, outageThresholdMs } from "../agents/contact-history";
import type { TokenShared } from "../agents/log-binding";
import { type CameraHealthNow, type FleetHealth, fleetHealth, healthNow } from "../health/compute";

/** Incidents younger than this are shown in the fleet summary (at most MAX_INCIDENTS, newest last). */
export const RECENT_INCIDENTS_MS = 24 * 3_600_000;
export const MAX_INCIDENTS = 5;

export interface FleetCameraRow {
  id: string;
  /** The camera's IANA zone (its own, else the site's). */
  timezone?: string;
  createdAt: number;
  /** Its first contact (hub/plans: its first plan revision); null: none yet. */
  firstContactAt?: number | null;
  lastContactAt: number | null;
  observed: ObservedState | null;
  /** The camera's assignment and whether its agent runs it (hub/assignments); null: nothing assigned. */
  assignment?: FleetAssignment | null;
  /** Exposure drift over the camera's newest records (hub/quality); absent: not evaluated. */
  exposure?: ExposureSummary | null;
  /** Its newest production capture with a thumbnail at the hub. */
  latestPicture?: LatestPicture | null;
  /** Two agents present its token (hub/agents/log-binding); absent: not shared. */
  tokenShared?: TokenShared | null;
}

/** An incident the agent reported, or one the hub saw itself (a shared token). */
export type FleetIncident = Omit<Incident, "kind"> & { kind: Incident["kind"] | "token_shared" };

export interface LatestPicture {
  capture_id: string;
  planned_at: string;
}

export interface FleetAssignment {
  profile_id: string;
  /** As the operator asked it: a version or "latest". */
  version: string;
  resolved_version: string | null;
  running: ProfileRef | null;
  converged: boolean;
  /** When the camera was given what it should run. */
  since: string | null;
}

/**
 * A camera given a new version picks it up on its next poll and reports running it
 * on the one after: not converged longer than this many poll intervals needs attention.
 */
export const CONVERGENCE_POLLS = 2;

/** Why a camera needs an operator's attention (the exposure reasons are hub/quality's issue kinds, in words in `exposure.issues`). */
export type Attention = "offline" | "behind" | "disk" | "clock_untrusted" | "not_converged" | "token_shared" | QualityIssueKind;

/**
 * online: contact within 3 poll intervals; offline: none since; waiting_for_first_contact:
 * registered but never heard from (not installed yet) — nothing is planned or missed for it
 * yet, and it needs no attention.
 */
export type CameraStatus = "online" | "offline" | "waiting_for_first_contact";

export interface FleetCamera {
  id: string;
  /** The camera's IANA zone, for readers that show its local times. */
  timezone: string;
  status: CameraStatus;
  /** Needs attention when non-empty. */
  attention: Attention[];
  /** Contact within 3 poll intervals. */
  online: boolean;
  first_contact_at: string | null;
  last_contact_at: string | null;
  /** When offline: the last contact. */
  offline_since: string | null;
  /** As the agent last reported it. */
  backlog: number | null;
  oldest_pending_at: string | null;
  /** The earlier of offline_since and oldest_pending_at. */
  behind_since: string | null;
  disk: { percent: number; warning: boolean } | null;
  /** Image sync as the agent last reported it (null: no report yet, or an agent without image sync). */
  images: ImageSyncProgress | null;
  clock: { trusted: boolean; source: string; offset_ms: number | null } | null;
  incidents: FleetIncident[];
  assignment: FleetAssignment | null;
  exposure: ExposureSummary | null;
  /** Its newest production capture whose thumbnail the hub holds (GET …/captures/{capture_id}/thumbnail). */
  latest_picture: LatestPicture | null;
  /** The device's health at its last poll (hub/health); null: no report (an agent older than health). */
  health: CameraHealthNow | null;
}

export interface FleetSummary {
  generated_at: string;
  poll_interval_seconds: number;
  /** The thresholds `exposure` was judged by (null: not evaluated). */
  quality: QualityConfig | null;
  cameras: FleetCamera[];
  /** The worst health now over the cameras online (hub/health). */
  health: FleetHealth;
  totals: { cameras: number; online: number; waiting_for_first_contact: number; attention: number };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function fleetCamera(row: FleetCameraRow, pollIntervalSeconds: number, now: number): FleetCamera {
  const o = row.observed;
  const firstContactAt = row.firstContactAt ?? null;
  const waiting = firstContactAt === null && row.lastContactAt === null;
  const online = row.lastContactAt !== null && now - row.lastContactAt <= onlineWindowMs(pollIntervalSeconds);
  // A camera the hub drives itself (live mode) may be in its life without polling: offline since it began.
  const offlineSince = online || waiting ? null : (row.lastContactAt ?? firstContactAt);
  const oldest = o?.oldest_pending_at ? Date.parse(o.oldest_pending_at) : null;
  const behindSince = [offlineSince, oldest].filter((t): t is number => t !== null).reduce<number | null>((a, b) => (a === null ? b : Math.min(a, b)), null);
  const attention: Attention[] = [];
  if (!online && !waiting) attention.push("offline");
  // Some backlog is normal (records wait for the next poll); pending longer than an outage is not.
  if (oldest !== null && now - oldest > outageThresholdMs(pollIntervalSeconds)) attention.push("behind");
  if (o?.disk?.warning) attention.push("disk");
  if (o && !o.clock.trusted) attention.push("clock_untrusted");
  const a = row.assignment ?? null;
  if (a && !waiting && !a.converged && (a.since === null || now - Date.parse(a.since) > CONVERGENCE_POLLS * pollIntervalSeconds * 1000)) attention.push("not_converged");
  const exposure = row.exposure ?? null;
  for (const issue of exposure?.issues ?? []) if (!attention.includes(issue.kind)) attention.push(issue.kind);
  const shared = row.tokenShared ?? null;
  if (shared) attention.push("token_shared");
  const reported: FleetIncident[] = (o?.incidents ?? []).filter((i) => now - Date.parse(i.at) <= RECENT_INCIDENTS_MS).slice(-MAX_INCIDENTS);
  return {
    id: row.id,
    timezone: row.timezone ?? "UTC",
    status: waiting ? "waiting_for_first_contact" : online ? "online" : "offline",
    attention,
    online,
    first_contact_at: iso(firstContactAt),
    last_contact_at: iso(row.lastContactAt),
    offline_since: iso(offlineSince),
    backlog: o ? o.backlog : null,
    oldest_pending_at: iso(oldest),
    behind_since: iso(behindSince),
    disk: o?.disk ? { percent: o.disk.percent, warning: o.disk.warning } : null,
    images: o?.images ?? null,
    clock: o ? { trusted: o.clock.trusted, source: o.clock.source, offset_ms: o.clock.offset_ms } : null,
    // A shared token stays listed, however old, until the operator resolves it.
    incidents: shared ? [...reported, tokenSharedIncident(shared)] : reported,
    assignment: a,
    exposure,
    latest_picture: row.latestPicture ?? null,
    health: healthNow(o?.health),
  };
}

function tokenSharedIncident(s: TokenShared): FleetIncident {
  return {
    kind: "token_shared",
    at: new Date(s.at).toISOString(),
    detail: `two agents present this camera's token: log ${s.kept_log ?? "?"} is kept, ${s.refused_logs.join(", ")} refused (409); give the right device a new token or enrollment code`,
  };
}

/** Cameras needing attention first, longest behind first; then the rest by id. */
export function compareFleet(a: FleetCamera, b: FleetCamera): number {
  const needs = Number(b.attention.length > 0) - Number(a.attention.length > 0);
  if (needs) return needs;
  const since = (c: FleetCamera) => (c.behind_since === null ? Infinity : Date.parse(c.behind_since));
  if (a.attention.length && since(a) !== since(b)) return since(a) - since(b);
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Which cameras are behind, and since when. Pure. */
export function computeFleet(rows: FleetCameraRow[], pollIntervalSeconds: number, now: number, quality: QualityConfig | null = null): FleetSummary {
  const cameras = rows.map((r) => fleetCamera(r, pollIntervalSeconds, now)).sort(compareFleet);
  return {
    generated_at: new Date(now).toISOString(),
    poll_interval_seconds: pollIntervalSeconds,
    quality,
    cameras,
    health: fleetHealth(cameras),
    totals: {
      cameras: cameras.length,
      online: cameras.filter((c) => c.online).length,
      waiting_for_first_contact: cameras.filter((c) => c.status === "waiting_for_first_contact").length,
      attention: cameras.filter((c) => c.attention.length).length,
    },
  };
}
