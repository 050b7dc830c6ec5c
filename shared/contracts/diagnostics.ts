import { z } from "zod";
import { IsoTime } from "./plan";
import { ObservedState } from "./sync";

/**
 * Remote diagnostics: an operator asks the hub for a camera's diagnostics; the
 * camera's next poll answer carries the request in this header (200 and 304
 * alike, so no desired state changes), and the agent uploads a bundle for it
 * (PUT /agent/v1/diagnostics/{request_id}).
 */
export const DIAGNOSTICS_REQUEST_HEADER = "x-skylapse-diagnostics-request";

/** A bundle's largest JSON body; the agent drops its oldest log lines until the bundle fits. */
export const MAX_DIAGNOSTICS_BYTES = 256 * 1024;
/** Most log lines a bundle carries, and the longest line. */
export const MAX_DIAGNOSTICS_LOG_LINES = 1000;
export const MAX_LOG_LINE_CHARS = 2000;

export const DiagnosticsRequestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, '_' and '-'");

export const LogLine = z
  .object({ at: IsoTime, level: z.enum(["debug", "info", "warn", "error"]), text: z.string().max(MAX_LOG_LINE_CHARS) })
  .strict();
export type LogLine = z.infer<typeof LogLine>;

/** A config value as the bundle shows it; secrets are replaced by REDACTED. */
export const REDACTED = "[redacted]";
const ConfigValue = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);

const Bytes = z.number().nonnegative();

export const DiagnosticsBundle = z
  .object({
    request_id: DiagnosticsRequestId,
    /** The agent's clock when it collected the bundle. */
    collected_at: IsoTime,
    versions: z
      .object({ agent: z.string().max(64), bun: z.string().max(64), platform: z.string().max(64), arch: z.string().max(64), os_release: z.string().max(200) })
      .strict(),
    /** Seconds since the agent process started. */
    uptime_seconds: z.number().nonnegative(),
    /** What the agent reports with each poll, now. */
    observed: ObservedState,
    /** The agent's link to the hub. */
    hub: z
      .object({
        last_poll_at: IsoTime.nullable(),
        last_success_at: IsoTime.nullable(),
        last_error: z.string().max(1000).nullable(),
        failures: z.number().int().nonnegative(),
        uploaded: z.number().int().nonnegative(),
        /** Bytes the hub client sent and received since the agent started. */
        bytes_sent: Bytes,
        bytes_received: Bytes,
      })
      .strict(),
    image_sync: z
      .object({ thumbnails: z.number().int().nonnegative(), images: z.number().int().nonnegative(), bytes: Bytes, failures: z.number().int().nonnegative(), last_error: z.string().max(1000).nullable() })
      .strict()
      .nullable(),
    /** The agent's settings (SKYLAPSE_*), secrets redacted. */
    config: z.record(z.string().max(100), ConfigValue),
    /** The data directory's filesystem and what the agent keeps on it. */
    disk: z
      .object({ path: z.string().max(500), total_bytes: Bytes, used_bytes: Bytes, free_bytes: Bytes, images_bytes: Bytes, budget_bytes: Bytes.nullable() })
      .strict()
      .nullable(),
    /** The agent's recent log lines, oldest first (secrets scrubbed). */
    log: z.array(LogLine).max(MAX_DIAGNOSTICS_LOG_LINES),
    /** Older log lines left out to keep the bundle within its size. */
    log_dropped: z.number().int().nonnegative(),
  })
  .strict();
export type DiagnosticsBundle = z.infer<typeof DiagnosticsBundle>;

/** A request and, once the camera answered, its bundle (GET /api/cameras/{id}/diagnostics). */
export const DiagnosticsView = z
  .object({
    camera_id: z.string(),
    request_id: DiagnosticsRequestId,
    status: z.enum(["requested", "received"]),
    requested_at: IsoTime,
    received_at: IsoTime.nullable(),
    /** The camera's last poll (hub time): when it may next hear of the request. */
    last_contact_at: IsoTime.nullable(),
    bytes: z.number().int().nonnegative().nullable(),
    bundle: DiagnosticsBundle.nullable(),
  })
  .strict();
export type DiagnosticsView = z.infer<typeof DiagnosticsView>;
