import { z } from "zod";
import { IsoTime } from "./plan";
import { Slug } from "./profile";

/** How a render evens out frame-to-frame brightness: not at all, our rolling-window correction, or ffmpeg's `deflicker` filter. */
export const DeflickerMode = z.enum(["none", "rolling", "ffmpeg"]);
export type DeflickerMode = z.infer<typeof DeflickerMode>;

/** Which pictures a render is made of: the full images, or the thumbnails every camera sends (a quick preview). */
export const FrameSource = z.enum(["full", "thumbnails"]);
export type FrameSource = z.infer<typeof FrameSource>;

export const TimelapseStatus = z.enum(["queued", "running", "done", "failed", "cancelled"]);
export type TimelapseStatus = z.infer<typeof TimelapseStatus>;

export const MAX_GRID_CAMERAS = 9;
/** The longest range one render may cover. */
export const MAX_RANGE_DAYS = 31;

/**
 * A render request. One camera (`camera_id`), or several side by side on their
 * shared tick grid (`camera_ids`, 2–9). `from`/`to` bound the planned tick times.
 */
export const TimelapseRequest = z
  .object({
    camera_id: Slug.optional(),
    camera_ids: z.array(Slug).min(2).max(MAX_GRID_CAMERAS).optional(),
    from: IsoTime,
    to: IsoTime,
    schedule: z.string().min(1).max(64).optional(),
    profile_id: Slug.optional(),
    fps: z.number().int().min(1).max(60).default(24),
    crf: z.number().int().min(0).max(51).default(20),
    deflicker: DeflickerMode.default("none"),
    source: FrameSource.default("full"),
  })
  .strict()
  .refine((r) => (r.camera_id === undefined) !== (r.camera_ids === undefined), { message: "give camera_id or camera_ids, not both", path: ["camera_id"] })
  .refine((r) => !r.camera_ids || new Set(r.camera_ids).size === r.camera_ids.length, { message: "a camera appears twice", path: ["camera_ids"] })
  .refine((r) => Date.parse(r.from) < Date.parse(r.to), { message: "from must be before to", path: ["to"] })
  .refine((r) => Date.parse(r.to) - Date.parse(r.from) <= MAX_RANGE_DAYS * 86_400_000, { message: `a range of at most ${MAX_RANGE_DAYS} days`, path: ["to"] });
export type TimelapseRequest = z.input<typeof TimelapseRequest>;
export type TimelapseSpec = z.output<typeof TimelapseRequest>;

export const Timelapse = z
  .object({
    id: z.string(),
    status: TimelapseStatus,
    /** Frames encoded / frames in the render, 0–1. */
    progress: z.number().min(0).max(1),
    /** Frames in the render (ticks with a picture). */
    frames: z.number().int().nonnegative(),
    frames_done: z.number().int().nonnegative(),
    /** Planned ticks in the range without a usable picture (missed, failed, or not synced). */
    missing: z.number().int().nonnegative(),
    /** The video (operator token; range requests), once done. */
    url: z.string().nullable(),
    poster_url: z.string().nullable(),
    error: z.string().nullable(),
    /** "auto" when the hub started it as a session's window closed. */
    origin: z.enum(["auto", "request"]),
    camera_ids: z.array(z.string()),
    from: IsoTime,
    to: IsoTime,
    schedule: z.string().nullable(),
    profile_id: z.string().nullable(),
    fps: z.number().int(),
    crf: z.number().int(),
    deflicker: DeflickerMode,
    source: FrameSource,
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    created_at: IsoTime,
    started_at: IsoTime.nullable(),
    finished_at: IsoTime.nullable(),
  })
  .strict();
export type Timelapse = z.infer<typeof Timelapse>;
