import { z } from "zod";
import { GeoPosition, isTimeZone } from "./plan";
import { ProfileDefinitionInput, Slug } from "./profile";
import { ImageSyncPolicy } from "./sync";
import { scheduleRuleInput, type ScheduleRule } from "./schedule";

/** Where live orchestration reaches the camera (`http://HOST:PORT`): a host name, an IPv4 address or a bracketed IPv6 one, nothing else (no spaces, no control characters). */
export const HostName = z
  .string()
  .max(253)
  .regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/, "must be a host name or IP address (letters, digits, '.', '-', '_'; IPv6 in brackets), without spaces or control characters");

export const LiveApi = z.enum(["skylapse", "first_system"]);
export type LiveApi = z.infer<typeof LiveApi>;

/** What the hub shows in place of a camera's technician token (config export, camera views, diffs, audit). */
export const TOKEN_SET = "(set)";

export const CameraConfig = z
  .object({
    name: z.string().max(200).optional(),
    /** A label for where it stands (the seed's `location`, e.g. "north_ridge"). */
    location: z.string().max(200).optional(),
    host: HostName.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    mode: z.enum(["autonomous", "live"]).default("autonomous"),
    /** The HTTP API a live camera speaks: ours (absent) or the first system's Pi (`pi/main.py`). */
    api: LiveApi.optional(),
    /**
     * A live camera's technician token (its agent's SKYLAPSE_EDGE_TOKEN), sent with the
     * hub's writes to it. A secret: the hub shows it only as TOKEN_SET.
     */
    technician_token: z
      .union([z.literal(TOKEN_SET), z.string().min(16, "use at least 16 characters (as the agent does)").max(512).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")])
      .optional(),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
    timezone: z.string().refine(isTimeZone, "unknown IANA time zone").optional(),
    schedules: z.array(Slug).max(32).default([]),
    deployed_profile: Slug.optional(),
    /** Which full-resolution images the agent uploads (default "all"); thumbnails always go. */
    image_sync: ImageSyncPolicy.optional(),
  })
  .strict()
  .refine((c) => (c.latitude === undefined) === (c.longitude === undefined), {
    message: "latitude and longitude go together",
    path: ["longitude"],
  });
export type CameraConfig = z.infer<typeof CameraConfig>;

/** A camera's config as the hub shows it: the technician token, if any, as TOKEN_SET. */
export function redactCamera<C extends { technician_token?: string }>(config: C): C {
  return config.technician_token === undefined ? config : { ...config, technician_token: TOKEN_SET };
}

/**
 * A camera's config to store: TOKEN_SET (what an exported config shows) keeps the token
 * the hub holds for it; an error names the camera when it holds none.
 */
export function keepHeldToken(id: string, next: CameraConfig, held: Pick<CameraConfig, "technician_token"> | undefined): CameraConfig {
  if (next.technician_token !== TOKEN_SET) return next;
  if (held?.technician_token === undefined || held.technician_token === TOKEN_SET)
    throw new Error(`"${TOKEN_SET}" keeps the technician token the hub holds, and it holds none for camera ${id}: give the token itself`);
  return { ...next, technician_token: held.technician_token };
}

export const SyncConfig = z
  .object({
    poll_interval_seconds: z.number().int().min(1).max(86_400).default(60),
    plan_days: z.number().int().min(1).max(31).default(7),
  })
  .strict();

/** The limits a profile's frames are judged by (hub/quality); a run of `drift_frames` beyond one raises attention. */
const qualityThresholds = {
  /** A frame is out of range when its mean luma is more than this many stops from the target. */
  drift_stops: z.number().positive().max(8),
  /** This many consecutive production frames beyond a limit raise attention. */
  drift_frames: z.number().int().min(1).max(1000),
  /** A frame's highlights are clipped when more than this percent of it is at or above luma 250. */
  clipped_pct: z.number().min(0).max(100),
  /** A frame's shadows are crushed when more than this percent of it is at or below luma 5. */
  crushed_pct: z.number().min(0).max(100),
};
export type QualityThresholds = { [K in keyof typeof qualityThresholds]: number };

/** When the hub flags a camera's exposure or its capture failures (hub/quality). */
export const QualityConfig = z
  .object({
    drift_stops: qualityThresholds.drift_stops.default(1),
    drift_frames: qualityThresholds.drift_frames.default(10),
    clipped_pct: qualityThresholds.clipped_pct.default(10),
    crushed_pct: qualityThresholds.crushed_pct.default(25),
    /** This many captures in a row failing with camera_error raise attention. */
    error_frames: z.number().int().min(1).max(1000).default(3),
    /** Per profile: any of the limits above, for that profile's frames. */
    profiles: z.record(Slug, z.object(qualityThresholds).partial().strict()).optional(),
  })
  .strict();
export type QualityConfig = z.infer<typeof QualityConfig>;
export const DEFAULT_QUALITY: QualityConfig = { drift_stops: 1, drift_frames: 10, clipped_pct: 10, crushed_pct: 25, error_frames: 3 };

const schedulesInput = z.record(Slug, z.unknown()).transform((raw, ctx) => {
  const out: Record<string, ScheduleRule> = {};
  for (const [name, value] of Object.entries(raw)) {
    const parsed = scheduleRuleInput(name).safeParse(value);
    if (parsed.success) out[name] = parsed.data;
    else for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [name, ...issue.path] } as never);
  }
  return out;
});

/** The hub's configuration, in the seed's shape (backend/config.json) or ours. */
export const HubConfig = z
  .object({
    location: GeoPosition,
    schedules: schedulesInput.default({}),
    cameras: z.record(Slug, CameraConfig).default({}),
    profiles: z.record(Slug, ProfileDefinitionInput).default({}),
    sync: SyncConfig.default({ poll_interval_seconds: 60, plan_days: 7 }),
    /** Optional: absent means DEFAULT_QUALITY. */
    quality: QualityConfig.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const [id, camera] of Object.entries(config.cameras)) {
      camera.schedules.forEach((name, i) => {
        if (!(name in config.schedules))
          ctx.addIssue({ code: "custom", path: ["cameras", id, "schedules", i], message: `unknown schedule '${name}'` });
      });
      if (camera.deployed_profile && !(camera.deployed_profile in config.profiles))
        ctx.addIssue({
          code: "custom",
          path: ["cameras", id, "deployed_profile"],
          message: `unknown profile '${camera.deployed_profile}'`,
        });
    }
    for (const id of Object.keys(config.quality?.profiles ?? {}))
      if (!(id in config.profiles)) ctx.addIssue({ code: "custom", path: ["quality", "profiles", id], message: `unknown profile '${id}'` });
    for (const [name, rule] of Object.entries(config.schedules)) {
      rule.profiles?.forEach((p, i) => {
        if (!(p in config.profiles))
          ctx.addIssue({ code: "custom", path: ["schedules", name, "profiles", i], message: `unknown profile '${p}'` });
      });
    }
  });
export type HubConfig = z.infer<typeof HubConfig>;
