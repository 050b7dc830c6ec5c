/** What a render shows: the frames of its cameras over its range, from the records and pictures the hub holds. */
import { plannedTicks } from "../../shared/plan/ticks";
import type { HubContext } from "../context";
import { isProduction } from "../db/captures";
import { planInForce } from "../plans/service";
import { capturesWithPictures, type TimelapseRow } from "./data";
import { type CaptureRow, frameSequence, type Frame, gridSequence } from "./frames";

/** The capture rows of one camera in [from, to), with whether the hub holds the picture a render of `source` needs. */
export async function captureRows(ctx: HubContext, cameraId: string, from: number, to: number, source: TimelapseRow["source"]): Promise<CaptureRow[]> {
  return (await capturesWithPictures(ctx.db, cameraId, from, to, source)).map(({ id, record: r, held }) => ({
      cameraId,
      captureId: id,
      plannedAt: Date.parse(r.planned_at),
      schedule: r.schedule,
      profileId: r.profile_id,
      outcome: r.outcome,
      variant: !isProduction(r.test_role),
      hasPicture: Boolean(held),
      luma: r.measures?.mean_luma ?? null,
      width: r.image?.width ?? null,
      height: r.image?.height ?? null,
    }));
}

/** What a job renders: tiles of frames, or why it cannot. */
export async function selectFrames(ctx: HubContext, job: TimelapseRow): Promise<{ tiles: Frame[][]; missing: number } | { error: string }> {
  const now = ctx.clock.now();
  const sequences = [];
  for (const cameraId of job.cameraIds) {
    // The plan in force over the range, its due ticks only: a tick not due yet is not missing.
    const plan = await planInForce(ctx.db, cameraId, job.fromAt, job.toAt, now);
    const planned = plan
      ? plannedTicks(plan.windows, job.fromAt, Math.min(job.toAt, now))
          .filter((t) => (!job.schedule || t.schedule === job.schedule) && (!job.profileId || t.profile === job.profileId))
          .map((t) => t.at)
      : [];
    const rows = await captureRows(ctx, cameraId, job.fromAt, job.toAt, job.source);
    sequences.push(frameSequence(rows, planned, { schedule: job.schedule, profileId: job.profileId, schedules: plan?.schedules ?? new Set() }));
  }
  const missingPictures = job.source === "full" ? "pictures (full images not synced yet? try source \"thumbnails\")" : "pictures";
  if (sequences.length === 1) {
    const only = sequences[0]!;
    if (!only.frames.length) return { error: `no ${missingPictures} in the range: ${only.ticks} tick(s), all missing` };
    return { tiles: [only.frames], missing: only.missing };
  }
  const grid = gridSequence(sequences);
  if ("error" in grid) return { error: `camera ${job.cameraIds[grid.cameraIndex]} has no ${missingPictures} in the range` };
  return { tiles: grid.cells, missing: grid.missing };
}
