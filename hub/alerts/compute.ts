/**
 * Alert evaluation, pure: what each camera's state means against its rules, and what
 * an open alert does next (fire, resolve, wait) with hysteresis, mutes and maintenance.
 * hub/alerts/service reads the state and applies the steps.
 */
import type { FleetCamera } from "../fleet/compute";
import { AlertKind, type AlertRules, type PartialRules, type RuleSet, type RuleSettings } from "./model";

/** What the hub knows of one camera that rules judge. Optional fields come from agents that report them. */
export interface CameraAlertInput {
  cameraId: string;
  /** Never heard from: nothing to judge yet. */
  waiting: boolean;
  /** Its last contact (or first, for a camera the hub drives itself); null: none. */
  lastContactAt: number | null;
  /**
   * Since when this hub process has been answering polls: a camera silent only because
   * the hub was down is not new trouble, so an offline alert opens only after the hub has
   * listened for the rule's N minutes itself (one already open stays open).
   */
  listeningSince?: number;
  oldestPendingAt: number | null;
  diskPercent: number | null;
  /** The current run of captures failing with camera_error (hub/quality; 0 below its error_frames). */
  captureFailuresInARow: number;
  /** Exposure runs hub/quality flags (drift, clipped, crushed), in words. */
  exposureIssues: string[];
  clockTrusted: boolean | null;
  notConverged: boolean;
  /** Device health, when the agent reports it. */
  socTempC?: number | null;
  underVoltageNow?: boolean | null;
  underVoltageSinceBoot?: boolean | null;
  /** The agent's last update failed (rolled back), when it reports updates. */
  updateFailed?: boolean | null;
  updateDetail?: string | null;
}

export const BUILT_IN_RULES: RuleSet = {
  offline: { enabled: true, threshold: 15, for_seconds: 0, clear_seconds: 120 },
  behind: { enabled: true, threshold: 120, for_seconds: 300, clear_seconds: 300 },
  disk: { enabled: true, threshold: 90, for_seconds: 300, clear_seconds: 600 },
  capture_failures: { enabled: true, threshold: 3, for_seconds: 0, clear_seconds: 600 },
  exposure: { enabled: true, threshold: null, for_seconds: 0, clear_seconds: 1800 },
  clock_untrusted: { enabled: true, threshold: null, for_seconds: 600, clear_seconds: 300 },
  not_converged: { enabled: true, threshold: null, for_seconds: 1800, clear_seconds: 300 },
  temperature: { enabled: true, threshold: 80, for_seconds: 300, clear_seconds: 900 },
  under_voltage: { enabled: true, threshold: null, for_seconds: 0, clear_seconds: 3600, since_boot: true },
  update_failed: { enabled: true, threshold: null, for_seconds: 0, clear_seconds: 300 },
};

function overlay(base: RuleSet, over: PartialRules | undefined): RuleSet {
  if (!over) return base;
  const out = { ...base };
  for (const kind of AlertKind.options) if (over[kind]) out[kind] = { ...out[kind], ...over[kind] } as RuleSettings;
  return out;
}

/** The rules one camera is judged by: built-ins, defaults, its groups in order, its own. */
export function rulesFor(doc: AlertRules, cameraId: string): RuleSet {
  let rules = overlay(BUILT_IN_RULES, doc.defaults);
  for (const group of doc.groups) if (group.camera_ids.includes(cameraId)) rules = overlay(rules, group.rules);
  return overlay(rules, doc.cameras[cameraId]);
}

/** The input from the camera's fleet entry and the health its agent reported (if any). */
export function alertInput(camera: FleetCamera, health: Pick<CameraAlertInput, "socTempC" | "underVoltageNow" | "underVoltageSinceBoot" | "updateFailed" | "updateDetail">): CameraAlertInput {
  const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  const exposure = camera.exposure?.issues ?? [];
  return {
    cameraId: camera.id,
    waiting: camera.status === "waiting_for_first_contact",
    lastContactAt: ms(camera.last_contact_at) ?? ms(camera.offline_since) ?? ms(camera.first_contact_at),
    oldestPendingAt: ms(camera.oldest_pending_at),
    diskPercent: camera.disk?.percent ?? null,
    captureFailuresInARow: exposure.find((i) => i.kind === "camera_error")?.frames ?? 0,
    exposureIssues: exposure.filter((i) => i.kind !== "camera_error").map((i) => i.text),
    clockTrusted: camera.clock?.trusted ?? null,
    notConverged: camera.attention.includes("not_converged"),
    ...health,
  };
}

/** A rule's verdict on one camera: the condition holds or not, and how it reads. */
export interface Condition {
  kind: AlertKind;
  active: boolean;
  /** Whether a new alert may open on it (false for a silence the hub itself has not yet watched N minutes). */
  canOpen: boolean;
  summary: string;
  value: number | null;
  threshold: number | null;
}

const MIN = 60_000;
const minutes = (ms: number) => `${Math.round(ms / MIN)} min`;

/** Every enabled rule's verdict on the camera at `now`. */
export function conditions(input: CameraAlertInput, rules: RuleSet, now: number): Condition[] {
  const out: Condition[] = [];
  const id = input.cameraId;
  const add = (kind: AlertKind, active: boolean, summary: string, value: number | null = null, canOpen = active) => {
    if (rules[kind].enabled) out.push({ kind, active, canOpen, summary: `${id}: ${summary}`, value, threshold: rules[kind].threshold });
  };
  const limit = (kind: AlertKind) => rules[kind].threshold ?? BUILT_IN_RULES[kind].threshold!;
  if (input.waiting) return out;
  const silentMs = input.lastContactAt === null ? null : now - input.lastContactAt;
  const offline = silentMs !== null && silentMs > limit("offline") * MIN;
  const watched = input.listeningSince === undefined || now - input.listeningSince > limit("offline") * MIN;
  add("offline", offline, silentMs === null ? "no contact" : `no contact for ${minutes(silentMs)} (limit ${limit("offline")} min)`, silentMs === null ? null : Math.round(silentMs / MIN), offline && watched);
  const behindMs = input.oldestPendingAt === null ? null : now - input.oldestPendingAt;
  add("behind", behindMs !== null && behindMs > limit("behind") * MIN, behindMs === null ? "nothing waiting to upload" : `records waiting to upload for ${minutes(behindMs)} (limit ${limit("behind")} min)`, behindMs === null ? null : Math.round(behindMs / MIN));
  const disk = input.diskPercent;
  add("disk", disk !== null && disk >= limit("disk"), `disk ${disk ?? "?"} % used (limit ${limit("disk")} %)`, disk);
  const failures = input.captureFailuresInARow;
  add("capture_failures", failures >= Math.max(1, limit("capture_failures")), `${failures} captures failed in a row (limit ${limit("capture_failures")})`, failures);
  add("exposure", input.exposureIssues.length > 0, input.exposureIssues.length ? input.exposureIssues.join("; ") : "exposure in range", input.exposureIssues.length);
  add("clock_untrusted", input.clockTrusted === false, input.clockTrusted === false ? "the agent's clock is not trusted" : "clock trusted");
  add("not_converged", input.notConverged, input.notConverged ? "not running its assigned profile version" : "converged");
  const temp = input.socTempC ?? null;
  add("temperature", temp !== null && temp > limit("temperature"), `SoC ${temp ?? "?"} °C (limit ${limit("temperature")} °C)`, temp);
  const underVoltage = input.underVoltageNow === true || (rules.under_voltage.since_boot !== false && input.underVoltageSinceBoot === true);
  add("under_voltage", underVoltage, input.underVoltageNow ? "under-voltage now" : underVoltage ? "under-voltage seen since boot" : "no under-voltage");
  add("update_failed", input.updateFailed === true, input.updateFailed ? `agent update failed${input.updateDetail ? `: ${input.updateDetail}` : ""}` : "no failed update");
  return out;
}

/** An open alert (pending or firing) as the evaluator needs it. */
export interface OpenAlert {
  id: number;
  status: "pending" | "firing";
  since: number;
  clearSince: number | null;
  notifiedAt: number | null;
}

/** What happens to one camera/kind this pass. */
export type Step =
  | { type: "open" }
  | { type: "restart" }
  | { type: "drop" }
  | { type: "fire"; notify: boolean }
  | { type: "notify" }
  | { type: "clearing" }
  | { type: "holding" }
  | { type: "resolve"; notify: boolean };

export interface Silence {
  /** A maintenance window covers now: nothing fires, and a pending condition's hold restarts at the window's end. */
  maintenance: boolean;
  /** A mute covers this camera/kind now: an alert fires (listed) without a notification. */
  muted: boolean;
}

/**
 * The next step for one camera/kind (`active`: the condition holds; `canOpen`: a new alert
 * may open on it): a condition must hold `for_seconds` to fire and stay
 * clear `clear_seconds` to resolve, so a flapping camera fires once and resolves once.
 * A firing held back by a mute or a window is notified when they end, if still firing; a
 * resolution is notified only when its firing was.
 */
export function step(open: OpenAlert | null, active: boolean, rule: RuleSettings, silence: Silence, now: number, canOpen = active): Step | null {
  if (!open) return canOpen && !silence.maintenance ? { type: "open" } : null;
  if (open.status === "pending") {
    if (!active) return { type: "drop" };
    if (silence.maintenance) return { type: "restart" };
    return now - open.since >= rule.for_seconds * 1000 ? { type: "fire", notify: !silence.muted } : null;
  }
  if (active) {
    if (open.clearSince !== null) return { type: "holding" };
    return open.notifiedAt === null && !silence.muted && !silence.maintenance ? { type: "notify" } : null;
  }
  if (open.clearSince === null) return { type: "clearing" };
  return now - open.clearSince >= rule.clear_seconds * 1000 ? { type: "resolve", notify: open.notifiedAt !== null } : null;
}

/** Mutes as stored: camera, kind ("*": every kind), until. */
export interface Mute {
  cameraId: string;
  kind: string;
  until: number;
}

/** The latest end of the mutes covering this camera/kind now; null: not muted. */
export function mutedUntil(mutes: Mute[], cameraId: string, kind: string, now: number): number | null {
  const ends = mutes.filter((m) => m.cameraId === cameraId && (m.kind === "*" || m.kind === kind) && m.until > now).map((m) => m.until);
  return ends.length ? Math.max(...ends) : null;
}

export const isMuted = (mutes: Mute[], cameraId: string, kind: string, now: number) => mutedUntil(mutes, cameraId, kind, now) !== null;

export interface Window {
  cameraId: string;
  startsAt: number;
  endsAt: number;
}

export const inMaintenance = (windows: Window[], cameraId: string, now: number) => windows.some((w) => w.cameraId === cameraId && w.startsAt <= now && now < w.endsAt);

/** Real-time backoff before attempt `attempts + 1` of a delivery: base × 2^(attempts−1), capped. */
export function retryDelayMs(attempts: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
}
