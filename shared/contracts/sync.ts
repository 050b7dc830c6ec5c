import { z } from "zod";
import { DeviceHealth } from "./health";
import { CapturePlan, GeoPosition, IsoTime } from "./plan";
import { ProfileSnapshot, Slug } from "./profile";
import { ScheduleRule } from "./schedule";
import { AgentRelease, AgentUpdateState } from "./release";
import { TestId } from "./seed-api";
import { ImageMeasures, OverrideTest } from "./tests";
import { CaptureSettings, ExposureUsed, MeterReading } from "./settings";

export const ProfileRef = z.object({ profile_id: Slug, version: z.string() }).strict();
export type ProfileRef = z.infer<typeof ProfileRef>;

/**
 * Which full-resolution images a camera sends to the hub: every one, none (thumbnails
 * only), or only those of the named schedules. Thumbnails are always sent.
 */
export const ImageSyncPolicy = z.union([z.enum(["all", "thumbnails"]), z.object({ schedules: z.array(z.string().max(64)).max(32) }).strict()]);
export type ImageSyncPolicy = z.infer<typeof ImageSyncPolicy>;

/** What the hub wants an agent to run: pulled by the agent, applied atomically. */
export const DesiredState = z
  .object({
    camera: z.object({ id: Slug, ...GeoPosition.shape }).strict(),
    assignment: ProfileRef.nullable(),
    /** Every snapshot the plan names (the assigned one and any burst profiles). */
    profiles: z.array(ProfileSnapshot),
    /** The rules behind the plan, so the agent can extend it itself during an outage. */
    schedules: z.record(z.string(), ScheduleRule),
    plan: CapturePlan,
    /** A/B tests this camera is to run now. */
    tests: z.array(OverrideTest),
    poll_interval_seconds: z.number().int().positive(),
    /** Absent: "all" (hubs before image sync never send it). */
    image_sync: ImageSyncPolicy.optional(),
    /** The agent release to run (hub/releases); absent when none is assigned. */
    agent_release: AgentRelease.optional(),
  })
  .strict();
export type DesiredState = z.infer<typeof DesiredState>;

/** Carries the hub's clock on every poll answer, 304 included. */
export const SERVER_TIME_HEADER = "x-skylapse-server-time";

export const PollResponse = z
  .object({ etag: z.string(), server_time: IsoTime, desired: DesiredState })
  .strict();
export type PollResponse = z.infer<typeof PollResponse>;

export const DiskState = z
  .object({
    used_bytes: z.number().nonnegative(),
    free_bytes: z.number().nonnegative(),
    total_bytes: z.number().nonnegative(),
    /** Bytes of images the agent keeps, against its storage budget (null: no budget). */
    images_bytes: z.number().nonnegative(),
    budget_bytes: z.number().nonnegative().nullable(),
    /** Use of the tighter of budget and disk, 0–100; above 80 is a warning. */
    percent: z.number().min(0).max(100),
    warning: z.boolean(),
  })
  .strict();
export type DiskState = z.infer<typeof DiskState>;

export const ClockState = z
  .object({
    now: IsoTime,
    trusted: z.boolean(),
    /** How the agent came to trust its clock, or why it does not. */
    source: z.enum(["hub", "ntp", "configured", "untrusted"]),
    /** Hub time minus agent time at the last poll, ms. */
    offset_ms: z.number().nullable(),
    /** Correction the agent applies to its system clock, ms. */
    correction_ms: z.number(),
  })
  .strict();
export type ClockState = z.infer<typeof ClockState>;

export const IncidentKind = z.enum(["db_recovered", "temp_files_removed", "clock_untrusted", "clock_corrected", "disk_full", "images_purged", "upload_refused", "image_set_aside", "update_failed"]);
export const Incident = z
  .object({ kind: IncidentKind, at: IsoTime, detail: z.string().max(500) })
  .strict();
export type Incident = z.infer<typeof Incident>;

/**
 * Where the agent's image sync stands: full images its policy sends that the hub
 * has not verified yet, and thumbnails not yet sent (records the hub does not
 * hold yet included). Captures the policy leaves out are not pending.
 */
export const ImageSyncProgress = z
  .object({
    /** Full images still to send, and their bytes (main frames). */
    pending: z.number().int().nonnegative(),
    pending_bytes: z.number().int().nonnegative(),
    /** Planned time of the oldest of them. */
    oldest_pending_at: IsoTime.nullable(),
    thumbnails_pending: z.number().int().nonnegative(),
    /** When the hub last verified a full image from this agent (agent clock). */
    last_uploaded_at: IsoTime.nullable(),
  })
  .strict();
export type ImageSyncProgress = z.infer<typeof ImageSyncProgress>;

/** What the agent reports with each poll. */
export const ObservedState = z
  .object({
    agent_version: z.string().max(64),
    log_id: z.string().max(64),
    running: ProfileRef.nullable(),
    desired_etag: z.string().max(128).nullable(),
    last_capture_at: IsoTime.nullable(),
    last_seq: z.number().int().nonnegative(),
    backlog: z.number().int().nonnegative(),
    oldest_pending_at: IsoTime.nullable(),
    disk: DiskState.nullable(),
    clock: ClockState,
    /** The agent's recent incidents, newest last. */
    incidents: z.array(Incident).max(50),
    /** Image-sync progress; absent from agents without image sync (standalone, or older than it). */
    images: ImageSyncProgress.optional(),
    /** The device's health (shared/contracts/health); absent from agents older than it. */
    health: DeviceHealth.optional(),
    /** Over-the-air updates: where the updater stands and its recent outcomes; absent from agents older than it. */
    update: AgentUpdateState.optional(),
  })
  .strict();
export type ObservedState = z.infer<typeof ObservedState>;

export const CaptureOutcome = z.enum(["captured", "failed", "missed"]);
export type CaptureOutcome = z.infer<typeof CaptureOutcome>;

/** Why a planned capture did not happen; `reason` says it in words. */
export const MissReason = z.enum(["camera_error", "disk_full", "clock_untrusted", "agent_down", "late", "no_snapshot"]);
export type MissReason = z.infer<typeof MissReason>;

export const ImageRef = z
  .object({
    /** Relative to the agent's image root: date/schedule/profile/file.jpg. */
    file: z.string().max(512).regex(/^(?!\/)(?!.*\.\.)[\w\-./]+$/, "a relative path without '..'"),
    bytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    frames: z.number().int().min(1).max(5),
  })
  .strict();

/** One planned tick and what became of it, as the agent logged it. */
export const CaptureRecord = z
  .object({
    id: z.string().min(1).max(64),
    seq: z.number().int().positive(),
    planned_at: IsoTime,
    captured_at: IsoTime.nullable(),
    /** Agent monotonic ms since its boot, for correcting times taken on an untrusted clock. */
    monotonic_ms: z.number().nonnegative(),
    boot_id: z.string().max(64),
    clock_trusted: z.boolean(),
    schedule: z.string().max(64),
    profile_id: z.string().max(64),
    profile_version: z.string().max(32).nullable(),
    outcome: CaptureOutcome,
    reason_code: MissReason.nullable(),
    reason: z.string().max(500).nullable(),
    /** Set when the capture times were corrected after the clock became trusted: by how much, ms. */
    time_corrected_ms: z.number().nullable(),
    /** Rebuilt from an image on disk after the agent's database was lost. */
    recovered: z.boolean(),
    settings: CaptureSettings.nullable(),
    meter: MeterReading.nullable(),
    exposure: ExposureUsed.nullable(),
    image: ImageRef.nullable(),
    /** The main frame's pixels, measured by the agent at capture. */
    measures: ImageMeasures.nullable(),
    test_id: TestId.nullable(),
    test_role: z.enum(["baseline", "variant"]).nullable(),
  })
  .strict();
export type CaptureRecord = z.infer<typeof CaptureRecord>;

/** A record with everything but its identity unset: a planned tick nothing has happened to yet. */
export function emptyCaptureRecord(base: Pick<CaptureRecord, "id" | "planned_at" | "schedule" | "profile_id" | "boot_id"> & Partial<CaptureRecord>): Omit<CaptureRecord, "seq"> {
  return {
    captured_at: null,
    monotonic_ms: 0,
    clock_trusted: true,
    profile_version: null,
    outcome: "missed",
    reason_code: null,
    reason: null,
    time_corrected_ms: null,
    recovered: false,
    settings: null,
    meter: null,
    exposure: null,
    image: null,
    measures: null,
    test_id: null,
    test_role: null,
    ...base,
  };
}

export const MAX_BATCH = 500;

export const UploadBatch = z
  .object({ log_id: z.string().min(1).max(64), records: z.array(CaptureRecord).min(1).max(MAX_BATCH) })
  .strict()
  .superRefine((batch, ctx) => {
    const seqs = new Set<number>();
    batch.records.forEach((r, i) => {
      if (seqs.has(r.seq)) ctx.addIssue({ code: "custom", path: ["records", i, "seq"], message: `seq ${r.seq} appears twice in the batch` });
      seqs.add(r.seq);
    });
  });
export type UploadBatch = z.infer<typeof UploadBatch>;

export const UploadResult = z
  .object({
    accepted: z.number().int().nonnegative(),
    duplicates: z.number().int().nonnegative(),
    /** Every seq of this log up to here is held by the hub. */
    contiguous_through: z.number().int().nonnegative(),
    /** Ranges of seqs the hub has not seen below the highest it holds. */
    gaps: z.array(z.tuple([z.number().int(), z.number().int()])),
  })
  .strict();
export type UploadResult = z.infer<typeof UploadResult>;

/** A thumbnail upload's largest body (PUT /agent/v1/captures/{id}/thumbnail). */
export const MAX_THUMBNAIL_BYTES = 64 * 1024;
/** A full-image chunk's largest body (PUT /agent/v1/captures/{id}/image?offset=N). */
export const MAX_IMAGE_CHUNK_BYTES = 1024 * 1024;

/** How much of a capture's full image the hub holds (GET/PUT /agent/v1/captures/{id}/image). */
export const ImageUploadState = z
  .object({ bytes_received: z.number().int().nonnegative(), complete: z.boolean() })
  .strict();
export type ImageUploadState = z.infer<typeof ImageUploadState>;
