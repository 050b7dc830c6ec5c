import { and, desc, eq, lt, type Placeholder, sql } from "drizzle-orm";
import type { QualityConfig } from "../../shared/contracts/config";
import type { HubDb } from "../db/client";
import { preparedOnce } from "../db/prepared";
import { captures } from "../db/schema";
import { type ExposureFrame, type ExposureSummary, exposureSummary } from "./compute";

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
  const rows = await exposureLookup(db).execute({ camera: cameraId, before, limit });
  const frames: ExposureFrame[] = rows.map((r) => ({ ...r, outcome: r.outcome as ExposureFrame["outcome"] }));
  return exposureSummary(frames, policy, rows.length === limit);
}

/** A camera's newest `limit` records planned before `before`, newest first (walks captures_camera_planned backwards). */
export function exposureQuery(db: HubDb, cameraId: string | Placeholder, before: number | Placeholder, limit: number | Placeholder) {
  return db
    .select({
      plannedAt: captures.plannedAt,
      profileId: captures.profileId,
      outcome: captures.outcome,
      capturedAt: captures.capturedAt,
      testRole: captures.testRole,
      meanLuma: captures.meanLuma,
      clippedPct: captures.clippedPct,
      crushedPct: captures.crushedPct,
      reasonCode: captures.reasonCode,
      reason: captures.reason,
    })
    .from(captures)
    .where(and(eq(captures.cameraId, cameraId), lt(captures.plannedAt, before)))
    .orderBy(desc(captures.plannedAt))
    .limit(limit);
}

// Prepared once: the fleet runs it for every camera.
const exposureLookup = preparedOnce((db) => exposureQuery(db, sql.placeholder("camera"), sql.placeholder("before"), sql.placeholder("limit")).prepare());
