/**
 * Exposure quality: whether a camera's recent frames drift away from the target
 * brightness (pure; hub/quality/service reads the records).
 */
import type { QualityConfig } from "../../shared/contracts/config";
import { stopsFromTarget } from "../../shared/image/measures";

/** One record as the drift check needs it. */
export interface ExposureFrame {
  plannedAt: number;
  capturedAt: number | null;
  profileId: string;
  outcome: "captured" | "failed" | "missed";
  testRole: "baseline" | "variant" | null;
  /** The record's measures.mean_luma; null when the agent did not measure the frame. */
  meanLuma: number | null;
}

export interface ExposureSummary {
  /** The current out-of-range run is at least `drift_frames` long. */
  drifting: boolean;
  /** Planned time of the current run's first frame; null when the latest frame is in range. */
  since: string | null;
  /** Length of the current run of consecutive frames more than `drift_stops` from the target. */
  frames: number;
  /** Signed mean of the run's stops from the target (negative: dark); null without a run. */
  mean_stops: number | null;
  /** When the latest measured production frame was captured. */
  last_measured_at: string | null;
  /** Mean luma of the last `drift_frames` measured production frames. */
  recent_mean_luma: number | null;
  /** The run reaches back to the oldest record looked at: it may have started before `since`. */
  truncated: boolean;
}

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/**
 * The current run of out-of-range frames among a camera's captured production
 * records with measures (test variants, misses, failures and unmeasured frames are
 * skipped; a frame in range ends the run). `windowFull`: the records are the newest
 * part of a longer history, so a run reaching the oldest of them is truncated.
 */
export function exposureSummary(records: ExposureFrame[], policy: QualityConfig, windowFull = false): ExposureSummary {
  const frames = records
    .filter((r): r is ExposureFrame & { meanLuma: number } => r.outcome === "captured" && r.testRole !== "variant" && r.meanLuma !== null && Number.isFinite(r.meanLuma))
    .sort((a, b) => a.plannedAt - b.plannedAt || (a.profileId < b.profileId ? -1 : a.profileId > b.profileId ? 1 : 0));
  let start = frames.length;
  while (start > 0 && Math.abs(stopsFromTarget(frames[start - 1]!.meanLuma)) > policy.drift_stops) start--;
  const run = frames.slice(start);
  const last = frames[frames.length - 1];
  const recent = frames.slice(-policy.drift_frames);
  return {
    drifting: run.length >= policy.drift_frames,
    since: run.length ? new Date(run[0]!.plannedAt).toISOString() : null,
    frames: run.length,
    mean_stops: run.length ? round(run.reduce((s, f) => s + stopsFromTarget(f.meanLuma), 0) / run.length, 2) : null,
    last_measured_at: last ? new Date(last.capturedAt ?? last.plannedAt).toISOString() : null,
    recent_mean_luma: recent.length ? round(recent.reduce((s, f) => s + f.meanLuma, 0) / recent.length, 1) : null,
    truncated: windowFull && run.length > 0 && start === 0,
  };
}
