/**
 * Exposure quality: runs of frames a photographer would not accept (far from the
 * target brightness, clipped highlights, crushed shadows) and runs of capture
 * failures, over a camera's newest records (pure; hub/quality/service reads them).
 */
import { DEFAULT_QUALITY, type QualityConfig, type QualityThresholds } from "../../shared/contracts/config";
import { stopsFromTarget } from "../../shared/image/measures";

/** One record as the quality checks need it. */
export interface ExposureFrame {
  plannedAt: number;
  capturedAt: number | null;
  profileId: string;
  outcome: "captured" | "failed" | "missed";
  testRole: "baseline" | "variant" | null;
  /** The record's measures.mean_luma; null when the agent did not measure the frame. */
  meanLuma: number | null;
  /** measures.clipped_highlights_pct / crushed_shadows_pct (absent: not measured). */
  clippedPct?: number | null;
  crushedPct?: number | null;
  reasonCode?: string | null;
  reason?: string | null;
}

/** What a run is about: far from the target, clipped highlights, crushed shadows, or failing captures. */
export type QualityIssueKind = "drift" | "clipped" | "crushed" | "camera_error";

/** A current run long enough to need a person's eye. */
export interface QualityIssue {
  kind: QualityIssueKind;
  /** The profile whose frames make the run; null for capture failures (the camera's). */
  profile_id: string | null;
  /** Planned time of the run's first record. */
  since: string;
  frames: number;
  /** The run's mean: stops from the target (drift), percent of the frame (clipped, crushed); null for failures. */
  value: number | null;
  /** The run reaches back to the oldest record looked at: it may have started before `since`. */
  truncated: boolean;
  /** The reason in words: "sky clipped 37 % for 40 frames". */
  text: string;
}

export interface ExposureSummary {
  /** Some profile's current out-of-range run is at least its `drift_frames` long. */
  drifting: boolean;
  /** Planned time of the current run's first frame; null when the latest frame is in range. */
  since: string | null;
  /** Length of the current run of consecutive frames more than `drift_stops` from the target (the longest among profiles). */
  frames: number;
  /** Signed mean of the run's stops from the target (negative: dark); null without a run. */
  mean_stops: number | null;
  /** When the latest measured production frame was captured. */
  last_measured_at: string | null;
  /** Mean luma of the last `drift_frames` measured production frames. */
  recent_mean_luma: number | null;
  /** The run reaches back to the oldest record looked at: it may have started before `since`. */
  truncated: boolean;
  /** Every current run that reached its threshold, worst kinds first. */
  issues: QualityIssue[];
}

type Measured = ExposureFrame & { meanLuma: number };

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;
const iso = (ms: number) => new Date(ms).toISOString();
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const byPlanned = (a: ExposureFrame, b: ExposureFrame) => a.plannedAt - b.plannedAt || (a.profileId < b.profileId ? -1 : a.profileId > b.profileId ? 1 : 0);

/** The thresholds a profile's frames are judged by: the defaults, the config's, then the profile's own. */
export function thresholdsFor(policy: Partial<QualityConfig>, profileId: string): QualityThresholds {
  const { drift_stops, drift_frames, clipped_pct, crushed_pct } = { ...DEFAULT_QUALITY, ...policy, ...policy.profiles?.[profileId] };
  return { drift_stops, drift_frames, clipped_pct, crushed_pct };
}

/** The newest frames for which `out` holds, oldest first (a frame where it does not ends the run). */
function currentRun<T>(frames: T[], out: (f: T) => boolean): { run: T[]; fromOldest: boolean } {
  let start = frames.length;
  while (start > 0 && out(frames[start - 1]!)) start--;
  return { run: frames.slice(start), fromOldest: start === 0 };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function driftText(stops: number[]): string {
  const m = mean(stops.map(Math.abs)).toFixed(1);
  const way = stops.every((s) => s < 0) ? "dark" : stops.every((s) => s > 0) ? "bright" : "off the target (both ways)";
  return `${m} stops ${way} for ${plural(stops.length, "frame")}`;
}

const ISSUE_ORDER: QualityIssueKind[] = ["camera_error", "clipped", "crushed", "drift"];

/** What each pixel limit counts, and its words. */
const PIXEL_RUNS = [
  { kind: "clipped", words: "sky clipped", limit: (t: QualityThresholds) => t.clipped_pct, pct: (f: ExposureFrame) => f.clippedPct },
  { kind: "crushed", words: "shadows crushed", limit: (t: QualityThresholds) => t.crushed_pct, pct: (f: ExposureFrame) => f.crushedPct },
] as const;

interface RunContext {
  profileId: string;
  /** The words, naming the profile when the camera shoots several. */
  name: (text: string) => string;
  windowFull: boolean;
}

function issue(kind: QualityIssueKind, run: { plannedAt: number }[], truncated: boolean, value: number | null, text: string, profileId: string | null): QualityIssue {
  return { kind, profile_id: profileId, since: iso(run[0]!.plannedAt), frames: run.length, value, truncated, text };
}

/** One profile's frames (oldest first) against its limits: its current drift run, and the runs that reached a limit. */
function profileRuns(frames: Measured[], t: QualityThresholds, ctx: RunContext): { drift: Measured[]; driftFromOldest: boolean; issues: QualityIssue[] } {
  const issues: QualityIssue[] = [];
  const drift = currentRun(frames, (f) => Math.abs(stopsFromTarget(f.meanLuma)) > t.drift_stops);
  if (drift.run.length >= t.drift_frames) {
    const stops = drift.run.map((f) => stopsFromTarget(f.meanLuma));
    issues.push(issue("drift", drift.run, ctx.windowFull && drift.fromOldest, round(mean(stops), 2), ctx.name(driftText(stops)), ctx.profileId));
  }
  for (const { kind, words, limit, pct } of PIXEL_RUNS) {
    const { run, fromOldest } = currentRun(
      frames.filter((f) => typeof pct(f) === "number"),
      (f) => pct(f)! > limit(t),
    );
    if (run.length < t.drift_frames) continue;
    const value = round(mean(run.map((f) => pct(f)!)), 1);
    issues.push(issue(kind, run, ctx.windowFull && fromOldest, value, ctx.name(`${words} ${Math.round(value)} % for ${plural(run.length, "frame")}`), ctx.profileId));
  }
  return { drift: drift.run, driftFromOldest: drift.fromOldest, issues };
}

/** The camera's current run of camera_error failures (any profile); a captured frame ends it, other misses neither count nor end it. */
function failureRun(production: ExposureFrame[], errorFrames: number, windowFull: boolean): QualityIssue | null {
  const { run, fromOldest } = currentRun(
    production.filter((r) => r.outcome === "captured" || r.reasonCode === "camera_error"),
    (r) => r.outcome !== "captured",
  );
  if (run.length < errorFrames) return null;
  const reason = run[run.length - 1]!.reason;
  const detail = reason ? `: ${reason.length > 80 ? `${reason.slice(0, 79)}…` : reason}` : "";
  return issue("camera_error", run, windowFull && fromOldest, null, `${plural(run.length, "capture")} failed in a row (camera_error)${detail}`, null);
}

/**
 * A camera's exposure over its newest records: per profile (each judged by its own
 * thresholds), the current runs of frames beyond drift_stops from the target, with
 * more than clipped_pct of the frame clipped, or more than crushed_pct crushed; and
 * the camera's current run of camera_error failures. Only captured production frames
 * with measures count for the runs (test variants, misses, failures and unmeasured
 * frames are skipped; a frame in range ends a run). `windowFull`: the records are the
 * newest part of a longer history, so a run reaching the oldest of them is truncated.
 */
export function exposureSummary(records: ExposureFrame[], policy: Partial<QualityConfig>, windowFull = false): ExposureSummary {
  const production = records.filter((r) => r.testRole !== "variant").sort(byPlanned);
  const measured = production.filter((r): r is Measured => r.outcome === "captured" && r.meanLuma !== null && Number.isFinite(r.meanLuma));
  const profiles = [...new Set(measured.map((f) => f.profileId))].sort();
  const issues: QualityIssue[] = [];
  /** The drift run the summary's own fields describe: one that raised an issue, else the longest. */
  let shown = { run: [] as Measured[], truncated: false, issue: false };
  for (const profileId of profiles) {
    const name = (text: string) => (profiles.length > 1 ? `${text} (profile ${profileId})` : text);
    const runs = profileRuns(measured.filter((f) => f.profileId === profileId), thresholdsFor(policy, profileId), { profileId, name, windowFull });
    issues.push(...runs.issues);
    const driftIssue = runs.issues.some((i) => i.kind === "drift");
    if (driftIssue !== shown.issue ? driftIssue : runs.drift.length > shown.run.length)
      shown = { run: runs.drift, truncated: windowFull && runs.drift.length > 0 && runs.driftFromOldest, issue: driftIssue };
  }
  const failures = failureRun(production, policy.error_frames ?? DEFAULT_QUALITY.error_frames, windowFull);
  if (failures) issues.push(failures);
  issues.sort((a, b) => ISSUE_ORDER.indexOf(a.kind) - ISSUE_ORDER.indexOf(b.kind) || (a.profile_id ?? "").localeCompare(b.profile_id ?? ""));

  const { run } = shown;
  const last = measured[measured.length - 1];
  const recent = measured.slice(-(policy.drift_frames ?? DEFAULT_QUALITY.drift_frames));
  return {
    drifting: shown.issue,
    since: run.length ? iso(run[0]!.plannedAt) : null,
    frames: run.length,
    mean_stops: run.length ? round(mean(run.map((f) => stopsFromTarget(f.meanLuma))), 2) : null,
    last_measured_at: last ? iso(last.capturedAt ?? last.plannedAt) : null,
    recent_mean_luma: recent.length ? round(mean(recent.map((f) => f.meanLuma)), 1) : null,
    truncated: shown.truncated,
    issues,
  };
}
