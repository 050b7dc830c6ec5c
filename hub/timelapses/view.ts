/** A timelapse job as the API shows it, and a spec as its row holds it (pure). */
import { canonicalJson } from "../../shared/canonical";
import type { Timelapse, TimelapseSpec } from "../../shared/contracts/timelapse";
import type { TimelapseRow } from "./data";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function timelapseView(r: TimelapseRow): Timelapse {
  const done = r.status === "done";
  return {
    id: r.id,
    status: r.status,
    progress: r.status === "done" ? 1 : r.frames ? Math.min(1, r.framesDone / r.frames) : 0,
    frames: r.frames,
    frames_done: r.framesDone,
    missing: r.missing,
    url: done ? `/api/timelapses/${r.id}/video` : null,
    poster_url: done ? `/api/timelapses/${r.id}/poster` : null,
    error: r.error,
    origin: r.origin,
    camera_ids: r.cameraIds,
    from: iso(r.fromAt)!,
    to: iso(r.toAt)!,
    schedule: r.schedule,
    profile_id: r.profileId,
    fps: r.fps,
    crf: r.crf,
    deflicker: r.deflicker,
    source: r.source,
    width: r.width,
    height: r.height,
    bytes: r.bytes,
    created_at: iso(r.createdAt)!,
    started_at: iso(r.startedAt),
    finished_at: iso(r.finishedAt),
  };
}

/** A request's spec as the job row holds it. */
export function specColumns(spec: TimelapseSpec) {
  return {
    cameraIds: spec.camera_ids ?? [spec.camera_id!],
    fromAt: Date.parse(spec.from),
    toAt: Date.parse(spec.to),
    schedule: spec.schedule ?? null,
    profileId: spec.profile_id ?? null,
    fps: spec.fps,
    crf: spec.crf,
    deflicker: spec.deflicker,
    source: spec.source,
  };
}

/** The spec's identity: asking for the same render again finds the same job. */
export function specKey(spec: TimelapseSpec): string {
  return canonicalJson(specColumns(spec));
}
