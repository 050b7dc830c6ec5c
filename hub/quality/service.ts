import type { QualityConfig } from "../../shared/contracts/config";
import type { HubDb } from "../db/client";
import { type ExposureFrame, type ExposureSummary, exposureSummary } from "./compute";
import { newestRecords } from "./data";

/** The longest run any check needs (a profile may ask for more frames than the config's default). */
const longestRun = (policy: QualityConfig) =>
  Math.max(policy.drift_frames, policy.error_frames ?? 0, ...Object.values(policy.profiles ?? {}).map((p) => p.drift_frames ?? 0));
/**
 * How many of a camera's newest records the fleet looks at: enough for the run
 * through misses, failures and A/B variants in between; a longer run is `truncated`.
 */
export const fleetWindow = (policy: QualityConfig) => Math.max(100, 4 * longestRun(policy));
/** The report looks further back, so its `since` is exact unless a run is very long. */
export const reportWindow = (policy: QualityConfig) => Math.max(2_000, 4 * longestRun(policy));

/**
 * A camera's exposure as of `before` (epoch ms, exclusive), from its newest
 * `limit` records by planned time: one query on captures_camera_planned.
 */
export async function cameraExposure(db: HubDb, cameraId: string, before: number, policy: QualityConfig, limit: number): Promise<ExposureSummary> {
  const rows = await newestRecords(db, cameraId, before, limit);
  const frames: ExposureFrame[] = rows.map((r) => ({ ...r, outcome: r.outcome as ExposureFrame["outcome"] }));
  return exposureSummary(frames, policy, rows.length === limit);
}
