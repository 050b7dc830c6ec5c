import { z } from "zod";
import { DeflickerMode } from "../shared/contracts/timelapse";
import { describeZodError } from "../shared/env";

const HubEnv = z.object({
  SKYLAPSE_PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  SKYLAPSE_HOST: z.string().default("0.0.0.0"),
  SKYLAPSE_DATA_DIR: z.string().default(".data/hub"),
  /** The hub's state on PostgreSQL (postgres://user:password@host:port/database); unset: SQLite in the data dir. */
  SKYLAPSE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "use a postgres:// or postgresql:// URL")
    .optional(),
  SKYLAPSE_CONFIG: z.string().optional(),
  SKYLAPSE_OPERATOR_TOKEN: z.string().min(16, "use at least 16 characters").optional(),
  /** Real ms the hub waits for a live-orchestrated camera before recording it as not answering. */
  SKYLAPSE_LIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Days of full-resolution images the hub keeps, by capture time (unset: forever). */
  SKYLAPSE_KEEP_FULL_DAYS: z.coerce.number().min(0).max(100_000).optional(),
  /** Days of thumbnails the hub keeps (unset: forever); usually longer than the full images. */
  SKYLAPSE_KEEP_THUMBNAILS_DAYS: z.coerce.number().min(0).max(100_000).optional(),
  /** Real seconds between hub image-retention passes. */
  SKYLAPSE_IMAGE_RETENTION_EVERY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  /** The ffmpeg that renders timelapses (Debian's package by default). */
  SKYLAPSE_FFMPEG: z.string().min(1).default("ffmpeg"),
  /** Timelapse renders at once. */
  SKYLAPSE_RENDER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  /** Render each session (one schedule's window on one day) when it closes. */
  SKYLAPSE_AUTO_TIMELAPSE: z.enum(["0", "1", "true", "false"]).default("1").transform((v) => v === "1" || v === "true"),
  SKYLAPSE_TIMELAPSE_FPS: z.coerce.number().int().min(1).max(60).default(24),
  SKYLAPSE_TIMELAPSE_CRF: z.coerce.number().int().min(0).max(51).default(20),
  SKYLAPSE_TIMELAPSE_DEFLICKER: DeflickerMode.default("rolling"),
  /** Hub-time minutes after a session closes to wait for late ticks and pictures before rendering it anyway. */
  SKYLAPSE_TIMELAPSE_SETTLE_MINUTES: z.coerce.number().min(0).max(100_000).default(360),
  /** Sessions that closed longer ago than this are not rendered automatically. */
  SKYLAPSE_TIMELAPSE_LOOKBACK_DAYS: z.coerce.number().min(0.01).max(31).default(2),
  /** Real seconds between looks for closed sessions. */
  SKYLAPSE_TIMELAPSE_SCAN_SECONDS: z.coerce.number().min(0.1).max(86_400).default(60),
});
export type HubEnv = z.infer<typeof HubEnv>;

export function parseHubEnv(env: Record<string, string>): HubEnv {
  const parsed = HubEnv.safeParse(env);
  if (!parsed.success) throw new Error(`invalid environment: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
