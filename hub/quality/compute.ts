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

/**
 * A camera's exposure over its newest records: per profile (each judged by its own
 * thresholds), the current runs of frames beyond drift_stops from the target, with
 * more than clipped_pct of the frame clipped, or more than crushed_pct crushed; and
 * the camera's current run of camera_error failures. Only captured production frames
 * with measures count for the runs (test variants, misses, failures and unmeasured
 * frames are skipped; a frame in range ends a run); a failure run ends at the next
 * captured production frame. `windowFull`: the records are the newest part of a
 * longer history, so a run reaching the oldest of them is truncated.
 */
export function exposureSummary(records: ExposureFrame[], policy: Partial<QualityConfig>, windowFull = false): ExposureSummary {
  const production = records.filter((r) => r.testRole !== "variant").sort(byPlanned);
  const measured = production.filter((r): r is Measured => r.outcome === "captured" && r.meanLuma !== null && Number.isFinite(r.meanLuma));
  const profiles = [...new Set(measured.map((f) => f.profileId))].sort();
  const named = (text: string, profileId: string) => (profiles.length > 1 ? `${text} (profile ${profileId})` : text);
  const issues: QualityIssue[] = [];
  const truncated = (fromOldest: boolean, run: unknown[]) => windowFull && run.length > 0 && fromOldest;
  /** The drift run the summary's own fields describe: one that raised an issue, else the longest. */
  let shown: { run: Measured[]; truncated: boolean; issue: boolean } = { run: [], truncated: false, issue: false };

  for (const profileId of profiles) {
    const t = thresholdsFor(policy, profileId);
    const frames = measured.filter((f) => f.profileId === profileId);
    const drift = currentRun(frames, (f) => Math.abs(stopsFromTarget(f.meanLuma)) > t.drift_stops);
    const driftIssue = drift.run.length >= t.drift_frames;
    if (Number(driftIssue) - Number(shown.issue) > 0 || (driftIssue === shown.issue && drift.run.length > shown.run.length))
      shown = { run: drift.run, truncated: truncated(drift.fromOldest, drift.run), issue: driftIssue };
    if (driftIssue) {
      const stops = drift.run.map((f) => stopsFromTarget(f.meanLuma));
      issues.push({ kind: "drift", profile_id: profileId, since: iso(drift.run[0]!.plannedAt), frames: drift.run.length, value: round(mean(stops), 2), truncated: truncated(drift.fromOldest, drift.run), text: named(driftText(stops), profileId) });
    }
    const pixelRuns = [
      { kind: "clipped" as const, words: "sky clipped", limit: t.clipped_pct, pct: (f: ExposureFrame) => f.clippedPct },
      { kind: "crushed" as const, words: "shadows crushed", limit: t.crushed_pct, pct: (f: ExposureFrame) => f.crushedPct },
    ];
    for (const { kind, words, limit, pct } of pixelRuns) {
      const withPct = frames.filter((f) => typeof pct(f) === "number");
      const { run, fromOldest } = currentRun(withPct, (f) => pct(f)! > limit);
      if (run.length < t.drift_frames) continue;
      const value = round(mean(run.map((f) => pct(f)!)), 1);
      issues.push({ kind, profile_id: profileId, since: iso(run[0]!.plannedAt), frames: run.length, value, truncated: truncated(fromOldest, run), text: named(`${words} ${Math.round(value)} % for ${plural(run.length, "frame")}`, profileId) });
    }
  }

  const failures = currentRun(
    production.filter((r) => r.outcome === "captured" || r.reasonCode === "camera_error"),
    (r) => r.outcome !== "captured",
  );
  const errorFrames = policy.error_frames ?? DEFAULT_QUALITY.error_frames;
  if (failures.run.length >= errorFrames) {
    const last = failures.run[failures.run.length - 1]!;
    const detail = last.reason ? `: ${last.reason.length > 80 ? `${last.reason.slice(0, 79)}…` : last.reason}` : "";
    issues.push({ kind: "camera_error", profile_id: null, since: iso(failures.run[0]!.plannedAt), frames: failures.run.length, value: null, truncated: windowFull && failures.fromOldest, text: `${plural(failures.run.length, "capture")} failed in a row (camera_error)${detail}` });
  }
  issues.sort((a, b) => ISSUE_ORDER.indexOf(a.kind) - ISSUE_ORDER.indexOf(b.kind) || (a.profile_id ?? "").localeCompare(b.profile_id ?? ""));

  const { run } = shown;
  const last = measured[measured.length - 1];
  const recent = measured.slice(-(policy.drift_frames ?? DEFAULT_QUALITY.drift_frames));
  return {
    drifting: issues.some((i) => i.kind === "drift"),
    since: run.length ? iso(run[0]!.plannedAt) : null,
    frames: run.length,
    mean_stops: run.length ? round(mean(run.map((f) => stopsFromTarget(f.meanLuma))), 2) : null,
    last_measured_at: last ? iso(last.capturedAt ?? last.plannedAt) : null,
    recent_mean_luma: recent.length ? round(mean(recent.map((f) => f.meanLuma)), 1) : null,
    truncated: shown.truncated,
    issues,
  };
}
