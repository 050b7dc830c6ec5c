import { isNotNull } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { int } from "./columns";
import type { CameraConfig } from "../../shared/contracts/config";
import type { SettingsOverride } from "../../shared/contracts/settings";
import type { GeoPosition } from "../../shared/contracts/plan";
import type { ProfileDefinition, ProfileSnapshot } from "../../shared/contracts/profile";
import type { ScheduleRule } from "../../shared/contracts/schedule";
import type { CaptureRecord, MissReason, ObservedState } from "../../shared/contracts/sync";
import type { SignedManifest } from "../../shared/contracts/release";

/** Small singleton settings: the site location and the sync policy, as JSON. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
});

export const schedules = sqliteTable("schedules", {
  name: text("name").primaryKey(),
  rule: text("rule", { mode: "json" }).$type<ScheduleRule>().notNull(),
});

export const profiles = sqliteTable("profiles", {
  id: text("id").primaryKey(),
  /** The definition in our own form (seed-form input is normalized on the way in). */
  definition: text("definition", { mode: "json" }).$type<ProfileDefinition>().notNull(),
  updatedAt: int("updated_at").notNull(),
});

export const profileVersions = sqliteTable(
  "profile_versions",
  {
    profileId: text("profile_id").notNull(),
    version: text("version").notNull(),
    checksum: text("checksum").notNull(),
    snapshot: text("snapshot", { mode: "json" }).$type<ProfileSnapshot>().notNull(),
    createdAt: int("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.profileId, t.version] }), uniqueIndex("profile_versions_checksum").on(t.profileId, t.checksum)],
);

export const cameras = sqliteTable(
  "cameras",
  {
    id: text("id").primaryKey(),
    config: text("config", { mode: "json" }).$type<CameraConfig>().notNull(),
    /** sha256 of the agent's bearer token; the token itself is never stored. */
    tokenHash: text("token_hash"),
    lastContactAt: int("last_contact_at"),
    observed: text("observed", { mode: "json" }).$type<ObservedState>(),
    createdAt: int("created_at").notNull(),
    /** The profile the camera should run, and which version: a semantic version, or "latest". */
    assignedProfile: text("assigned_profile"),
    assignedVersion: text("assigned_version"),
    /** A retired camera keeps its records but gets no plan and no token. */
    retiredAt: int("retired_at"),
    /** The desired-state revision: bumped by every change that reaches this camera (hub/config/revision.ts). */
    revision: int("revision").notNull().default(0),
  },
  (t) => [uniqueIndex("cameras_token_hash").on(t.tokenHash)],
);

/**
 * What a camera's plan was made of, revision by revision: the rules, position and
 * default profiles the hub served it, from the poll that first served them (hub
 * time). A row is added only when that content changes; the first row is the
 * camera's first contact. Reports of the past are planned from these, never from
 * the camera's current setup.
 */
export const planRevisions = sqliteTable(
  "plan_revisions",
  {
    cameraId: text("camera_id").notNull(),
    /** 1, 2, …: a replica that lost a race to add the same revision adds nothing. */
    revision: int("revision").notNull(),
    effectiveAt: int("effective_at").notNull(),
    /** sha256 of the canonical content, to tell a change from a repeat. */
    contentHash: text("content_hash").notNull(),
    position: text("position", { mode: "json" }).$type<GeoPosition>().notNull(),
    rules: text("rules", { mode: "json" }).$type<Record<string, ScheduleRule>>().notNull(),
    defaultProfiles: text("default_profiles", { mode: "json" }).$type<string[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.cameraId, t.revision] })],
);

/** One-time codes a new agent exchanges for its own token; only hashes are kept. */
export const enrollmentCodes = sqliteTable("enrollment_codes", {
  codeHash: text("code_hash").primaryKey(),
  cameraId: text("camera_id").notNull(),
  createdAt: int("created_at").notNull(),
  expiresAt: int("expires_at").notNull(),
  usedAt: int("used_at"),
});

/** A/B override tests: the production baseline and a variant captured back to back at each tick. */
export const overrideTests = sqliteTable("override_tests", {
  id: text("id").primaryKey(),
  cameraIds: text("camera_ids", { mode: "json" }).$type<string[]>().notNull(),
  /** Only this schedule's ticks (null: every schedule). */
  schedule: text("schedule"),
  override: text("override", { mode: "json" }).$type<SettingsOverride>().notNull(),
  /** Ends after this many pairs per camera, or at `until_at`, whichever comes first. */
  pairs: int("pairs"),
  untilAt: int("until_at"),
  fromAt: int("from_at").notNull(),
  createdAt: int("created_at").notNull(),
  cancelledAt: int("cancelled_at"),
});

/** Every operator change: who, what, when, before and after. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: int("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target").notNull(),
    before: text("before", { mode: "json" }),
    after: text("after", { mode: "json" }),
  },
  (t) => [index("audit_at").on(t.at)],
);

export const captures = sqliteTable(
  "captures",
  {
    id: text("id").primaryKey(),
    cameraId: text("camera_id").notNull(),
    logId: text("log_id").notNull(),
    seq: int("seq").notNull(),
    plannedAt: int("planned_at").notNull(),
    schedule: text("schedule").notNull(),
    profileId: text("profile_id").notNull(),
    outcome: text("outcome").notNull(),
    record: text("record", { mode: "json" }).$type<CaptureRecord>().notNull(),
    receivedAt: int("received_at").notNull(),
    /**
     * The record's natural key: JSON [planned_at ms, profile_id, test_id, test_role]
     * (see tickKey). Unique per camera, so a record rebuilt under a new log for a
     * tick the hub already holds is a duplicate. Null only on rows that were
     * already duplicates before the column existed.
     */
    tickKey: text("tick_key"),
    /** The A/B test a capture belongs to (its side of the pair is in the record). */
    testId: text("test_id"),
    // What queries read of the record, as columns (hub/db/captures.ts captureColumns fills them from it).
    testRole: text("test_role").$type<"baseline" | "variant">(),
    capturedAt: int("captured_at"),
    reasonCode: text("reason_code").$type<MissReason>(),
    reason: text("reason"),
    recovered: integer("recovered", { mode: "boolean" }).notNull().default(false),
    meanLuma: real("mean_luma"),
    clippedPct: real("clipped_pct"),
    crushedPct: real("crushed_pct"),
  },
  (t) => [
    uniqueIndex("captures_log_seq").on(t.cameraId, t.logId, t.seq),
    uniqueIndex("captures_tick").on(t.cameraId, t.tickKey),
    index("captures_camera_planned").on(t.cameraId, t.plannedAt),
    // Partial: most captures belong to no test, and an index entry less per record is an eighth of an upload's cost.
    index("captures_test").on(t.testId, t.cameraId, t.plannedAt).where(isNotNull(t.testId)),
  ],
);

/**
 * A (log, seq) the hub acknowledged as a duplicate of a record it already held
 * under another log (a record rebuilt after the agent lost its database). Kept so
 * that the seq counts as held for the log's gaps, and a replay is a duplicate.
 */
export const captureAliases = sqliteTable(
  "capture_aliases",
  {
    cameraId: text("camera_id").notNull(),
    logId: text("log_id").notNull(),
    seq: int("seq").notNull(),
    /** The id of the uploaded record that was not stored. */
    recordId: text("record_id").notNull(),
    /** The id of the held record it duplicates. */
    captureId: text("capture_id").notNull(),
    receivedAt: int("received_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cameraId, t.logId, t.seq] })],
);

/**
 * A gap between two contacts longer than the outage threshold, recorded by the
 * poll that ended it (hub clock times, ms).
 */
export const outages = sqliteTable(
  "outages",
  {
    cameraId: text("camera_id").notNull(),
    /** The last contact before the gap. */
    fromAt: int("from_at").notNull(),
    /** The contact that ended it. */
    toAt: int("to_at").notNull(),
    backlogAtReturn: int("backlog_at_return").notNull(),
    oldestPendingAt: int("oldest_pending_at"),
    /** The first poll after the return that reported an empty backlog. */
    caughtUpAt: int("caught_up_at"),
  },
  (t) => [primaryKey({ columns: [t.cameraId, t.fromAt] })],
);

/** The agent's clock as it reported it, sampled at most every 10 minutes per camera. */
export const clockSamples = sqliteTable(
  "clock_samples",
  {
    cameraId: text("camera_id").notNull(),
    /** Hub time of the poll that carried it. */
    at: int("at").notNull(),
    offsetMs: int("offset_ms"),
    trusted: integer("trusted", { mode: "boolean" }).notNull(),
    source: text("source").notNull(),
    correctionMs: int("correction_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cameraId, t.at] })],
);

/**
 * Per agent log: how far the hub holds every record without a gap, and the log's
 * part in its camera's token (hub/agents/log-binding): the one log the token
 * currently speaks for, a log a newer one replaced, or a log refused because two
 * agents present the token. Null state: not bound since the token was issued.
 */
export const agentLogs = sqliteTable(
  "agent_logs",
  {
    cameraId: text("camera_id").notNull(),
    logId: text("log_id").notNull(),
    contiguousThrough: int("contiguous_through").notNull().default(0),
    maxSeq: int("max_seq").notNull().default(0),
    firstSeenAt: int("first_seen_at").notNull(),
    state: text("state").$type<"current" | "replaced" | "refused">(),
    stateAt: int("state_at"),
  },
  (t) => [primaryKey({ columns: [t.cameraId, t.logId] })],
);

/**
 * The seqs of a log the hub has not seen below the highest it holds, as ranges
 * (from_seq..to_seq, disjoint). An upload touches only the ranges its seqs fall
 * in, so an old permanent gap costs later uploads nothing.
 */
export const logGaps = sqliteTable(
  "log_gaps",
  {
    cameraId: text("camera_id").notNull(),
    logId: text("log_id").notNull(),
    fromSeq: int("from_seq").notNull(),
    toSeq: int("to_seq").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cameraId, t.logId, t.toSeq] })],
);

/**
 * What the hub holds of each capture's pictures: its thumbnail and its full image
 * (complete once the bytes match the record's sha256). The bytes themselves are in
 * image storage (hub/storage) under keys built from these ids.
 */
export const captureImages = sqliteTable(
  "capture_images",
  {
    captureId: text("capture_id").primaryKey(),
    cameraId: text("camera_id").notNull(),
    /** The capture's planned time: the age hub retention goes by. */
    plannedAt: int("planned_at").notNull(),
    thumbnailBytes: int("thumbnail_bytes"),
    thumbnailAt: int("thumbnail_at"),
    imageBytes: int("image_bytes"),
    imageCompleteAt: int("image_complete_at"),
    imagePurgedAt: int("image_purged_at"),
    thumbnailPurgedAt: int("thumbnail_purged_at"),
  },
  (t) => [index("capture_images_camera").on(t.cameraId, t.plannedAt), index("capture_images_planned").on(t.plannedAt)],
);

/**
 * Timelapse render jobs. One row per distinct spec (spec_key), so asking for the
 * same render again re-renders it in place. `attempt` grows with every start; a
 * render only writes its result while its attempt is still the row's.
 */
export const timelapses = sqliteTable(
  "timelapses",
  {
    id: text("id").primaryKey(),
    specKey: text("spec_key").notNull(),
    origin: text("origin").$type<"auto" | "request">().notNull(),
    cameraIds: text("camera_ids", { mode: "json" }).$type<string[]>().notNull(),
    fromAt: int("from_at").notNull(),
    toAt: int("to_at").notNull(),
    schedule: text("schedule"),
    profileId: text("profile_id"),
    fps: int("fps").notNull(),
    crf: int("crf").notNull(),
    deflicker: text("deflicker").$type<"none" | "rolling" | "ffmpeg">().notNull(),
    source: text("source").$type<"full" | "thumbnails">().notNull(),
    status: text("status").$type<"queued" | "running" | "done" | "failed" | "cancelled">().notNull(),
    attempt: int("attempt").notNull().default(0),
    frames: int("frames").notNull().default(0),
    framesDone: int("frames_done").notNull().default(0),
    missing: int("missing").notNull().default(0),
    width: int("width"),
    height: int("height"),
    bytes: int("bytes"),
    error: text("error"),
    createdAt: int("created_at").notNull(),
    startedAt: int("started_at"),
    finishedAt: int("finished_at"),
    /** Hub time until which the running attempt's worker holds the job; renewed while it renders, taken over once past. */
    leaseUntil: int("lease_until"),
  },
  (t) => [uniqueIndex("timelapses_spec").on(t.specKey), index("timelapses_status").on(t.status, t.createdAt), index("timelapses_created").on(t.createdAt)],
);

// ---- Alerts (hub/alerts) ----

/**
 * One incident of one kind on one camera: pending while its condition holds for less than
 * the rule's hold time, then firing, then resolved once clear for the rule's clear time.
 * `open_key` (camera/kind) is set while the incident is open and unique, so two hub replicas
 * evaluating at once open it once; it is null once resolved.
 */
export const alerts = sqliteTable(
  "alerts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    openKey: text("open_key"),
    cameraId: text("camera_id").notNull(),
    kind: text("kind").notNull(),
    status: text("status").$type<"pending" | "firing" | "resolved">().notNull(),
    /** When the condition was first seen in this run. */
    since: int("since").notNull(),
    firedAt: int("fired_at"),
    /** While firing: when the condition was first seen clear (null: holds). */
    clearSince: int("clear_since"),
    resolvedAt: int("resolved_at"),
    /** When the firing was queued on the channels (null: not yet, or silenced by a mute). */
    notifiedAt: int("notified_at"),
    /** When the resolution was queued (only for a notified firing). */
    resolutionNotifiedAt: int("resolution_notified_at"),
    acknowledgedAt: int("acknowledged_at"),
    summary: text("summary").notNull(),
    value: text("value", { mode: "json" }).$type<number | null>(),
    threshold: text("threshold", { mode: "json" }).$type<number | null>(),
  },
  (t) => [uniqueIndex("alerts_open").on(t.openKey), index("alerts_camera").on(t.cameraId, t.since), index("alerts_status").on(t.status)],
);

/** Notifications of a camera's alerts (one kind, or "*" for all) held back until `until`. */
export const alertMutes = sqliteTable(
  "alert_mutes",
  {
    cameraId: text("camera_id").notNull(),
    kind: text("kind").notNull(),
    until: int("until").notNull(),
    createdAt: int("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cameraId, t.kind] })],
);

/** Planned work on a camera: no alert fires for it from starts_at to ends_at. */
export const maintenanceWindows = sqliteTable(
  "maintenance_windows",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    cameraId: text("camera_id").notNull(),
    startsAt: int("starts_at").notNull(),
    endsAt: int("ends_at").notNull(),
    reason: text("reason"),
    createdAt: int("created_at").notNull(),
  },
  (t) => [index("maintenance_camera").on(t.cameraId, t.endsAt)],
);

/** Where notifications go: a webhook (generic, slack or ntfy format) or e-mail over the hub's SMTP server. */
export const alertChannels = sqliteTable("alert_channels", {
  id: text("id").primaryKey(),
  type: text("type").$type<"webhook" | "email">().notNull(),
  /** webhook: generic | slack | ntfy. */
  format: text("format").$type<"generic" | "slack" | "ntfy">(),
  url: text("url"),
  /** The HMAC-SHA256 key of the webhook's X-Skylapse-Signature (never returned by the API). */
  secret: text("secret"),
  /** email: the recipients. */
  emailTo: text("email_to", { mode: "json" }).$type<string[]>(),
  /** email: one message per firing and per resolution. */
  perEvent: integer("per_event", { mode: "boolean" }).notNull().default(true),
  /** email: a summary of the past day at this UTC hour (null: no digest). */
  digestHour: int("digest_hour"),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  createdAt: int("created_at").notNull(),
});

/**
 * The durable delivery queue and its log: one row per notification per channel, its request
 * built when it was queued (a retry sends the same bytes). `key` makes queuing idempotent;
 * `lease_until` lets one worker (of any replica) send it at a time.
 */
export const alertDeliveries = sqliteTable(
  "alert_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    key: text("key").notNull(),
    channelId: text("channel_id").notNull(),
    alertId: int("alert_id"),
    event: text("event").$type<"firing" | "resolved" | "test" | "digest">().notNull(),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<"pending" | "delivered" | "failed">().notNull(),
    attempts: int("attempts").notNull().default(0),
    nextAttemptAt: int("next_attempt_at").notNull(),
    leaseUntil: int("lease_until"),
    lastError: text("last_error"),
    lastStatus: int("last_status"),
    createdAt: int("created_at").notNull(),
    deliveredAt: int("delivered_at"),
  },
  (t) => [uniqueIndex("alert_deliveries_key").on(t.key), index("alert_deliveries_due").on(t.status, t.nextAttemptAt), index("alert_deliveries_created").on(t.createdAt)],
);

// ---- Device health (issue 14) ----

/**
 * Each camera's device health in 5-minute buckets of hub time (hub/health):
 * min / max / last per metric of the polls in the bucket, kept 30 days.
 */
export const healthBuckets = sqliteTable(
  "health_buckets",
  {
    cameraId: text("camera_id").notNull(),
    /** The bucket's start, epoch ms. */
    bucketAt: int("bucket_at").notNull(),
    samples: int("samples").notNull(),
    /** {metric: [min, max, last]} (hub/health/compute.ts). */
    metrics: text("metrics", { mode: "json" }).$type<Partial<Record<string, [number, number, number]>>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.cameraId, t.bucketAt] }), index("health_buckets_at").on(t.bucketAt)],
);
// ---- Agent updates over the air (hub/releases) ----

/** A published agent release, one row per architecture; its artifacts live in image storage under releases/SHA256.gz. */
export const agentReleases = sqliteTable(
  "agent_releases",
  {
    version: text("version").notNull(),
    arch: text("arch").notNull(),
    /** The signed manifest exactly as the operator signed it (the hub never verifies it: agents do). */
    signed: text("signed", { mode: "json" }).$type<SignedManifest>().notNull(),
    runtimeSha256: text("runtime_sha256").notNull(),
    runtimeBytes: int("runtime_bytes").notNull(),
    bundleSha256: text("bundle_sha256").notNull(),
    bundleBytes: int("bundle_bytes").notNull(),
    publishedAt: int("published_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.version, t.arch] }), index("agent_releases_published").on(t.publishedAt)],
);

/** Which agent release each camera is to run: a version, or "latest" (the newest published). */
export const agentReleaseAssignments = sqliteTable("agent_release_assignments", {
  cameraId: text("camera_id").primaryKey(),
  target: text("target").notNull(),
  /** The assignment before this one, for `agents rollback`. */
  previous: text("previous"),
  assignedAt: int("assigned_at").notNull(),
});
// ── Remote diagnostics (issue 14): an operator's request for a camera's diagnostics, and the bundle its agent sent ──
export const diagnosticsRequests = sqliteTable(
  "diagnostics_requests",
  {
    id: text("id").primaryKey(),
    cameraId: text("camera_id").notNull(),
    requestedAt: int("requested_at").notNull(),
    /** Null until the agent's bundle arrived. */
    receivedAt: int("received_at"),
    bundle: text("bundle", { mode: "json" }).$type<import("../../shared/contracts/diagnostics").DiagnosticsBundle>(),
    /** The bundle's size as uploaded (JSON bytes). */
    bytes: int("bytes"),
  },
  (t) => [index("diagnostics_requests_camera").on(t.cameraId, t.requestedAt)],
);
// ── Rolling upgrades (issue 13): each hub version that started on this database; the newest says how far its schema went ──
export const hubVersions = sqliteTable("hub_versions", {
  version: text("version").primaryKey(),
  firstStartedAt: int("first_started_at").notNull(),
  lastStartedAt: int("last_started_at").notNull(),
});
