import { z } from "zod";
import { DeflickerMode } from "../shared/contracts/timelapse";
import { describeZodError } from "../shared/env";
import type { S3Settings } from "./storage/s3";

/** A yes/no variable: 1/true or 0/false. */
const flag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

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
  SKYLAPSE_AUTO_TIMELAPSE: flag.default(true),
  SKYLAPSE_TIMELAPSE_FPS: z.coerce.number().int().min(1).max(60).default(24),
  SKYLAPSE_TIMELAPSE_CRF: z.coerce.number().int().min(0).max(51).default(20),
  SKYLAPSE_TIMELAPSE_DEFLICKER: DeflickerMode.default("rolling"),
  /** Hub-time minutes after a session closes to wait for late ticks and pictures before rendering it anyway. */
  SKYLAPSE_TIMELAPSE_SETTLE_MINUTES: z.coerce.number().min(0).max(100_000).default(360),
  /** Sessions that closed longer ago than this are not rendered automatically. */
  SKYLAPSE_TIMELAPSE_LOOKBACK_DAYS: z.coerce.number().min(0.01).max(31).default(2),
  /** Real seconds between looks for closed sessions. */
  SKYLAPSE_TIMELAPSE_SCAN_SECONDS: z.coerce.number().min(0.1).max(86_400).default(60),
  /** The SMTP server for e-mail alerts: smtp://user:pass@host:port?from=ADDRESS (smtps:// for TLS). */
  SKYLAPSE_SMTP_URL: z.string().optional(),
  /** Real seconds between alert evaluation passes. */
  SKYLAPSE_ALERTS_EVERY_SECONDS: z.coerce.number().min(0.05).max(3600).default(15),
  /** Real seconds before an alert delivery's first retry (doubling after each failure, up to 10 min). */
  SKYLAPSE_ALERT_RETRY_SECONDS: z.coerce.number().min(0.05).max(3600).default(5),

  // --- Production operation: roles, readiness, metrics, TLS, proxy (README "Running the hub in production") ---
  /** api: serves HTTP, runs no background work; worker: renders, session scans, retention, live orchestration (HTTP: /health, /ready, /metrics only); all: both. */
  SKYLAPSE_ROLE: z.enum(["api", "worker", "all"]).default("all"),
  /** A bearer token for GET /metrics alone (the operator token is taken too). */
  SKYLAPSE_METRICS_TOKEN: z.string().min(16, "use at least 16 characters").optional(),
  /** PEM certificate chain and private key: the hub serves HTTPS (both or neither). */
  SKYLAPSE_TLS_CERT: z.string().optional(),
  SKYLAPSE_TLS_KEY: z.string().optional(),
  /** Behind a reverse proxy: take the client address from its X-Forwarded-For (never set it when clients reach the hub directly). */
  SKYLAPSE_TRUST_PROXY: flag.default(false),
  /** On SIGTERM, real seconds /ready answers 503 while requests are still served, before the hub stops (the load balancer's check interval × its fall count). */
  SKYLAPSE_SHUTDOWN_DRAIN_SECONDS: z.coerce.number().min(0).max(3600).default(0),
  /** Real seconds between a worker's looks for render jobs another process queued. */
  SKYLAPSE_RENDER_POLL_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  /** An S3-compatible bucket for pictures and videos instead of DATA_DIR/images: all five or none. */
  SKYLAPSE_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  SKYLAPSE_S3_BUCKET: z.string().min(1).optional(),
  SKYLAPSE_S3_REGION: z.string().min(1).optional(),
  SKYLAPSE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  SKYLAPSE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
}).superRefine((env, ctx) => {
  const missing = S3_VARS.filter((name) => !env[name]);
  if (missing.length && missing.length < S3_VARS.length)
    ctx.addIssue({ code: "custom", path: [missing[0]!], message: `S3 storage needs all of ${S3_VARS.join(", ")}; missing ${missing.join(", ")}` });
});
export type HubEnv = z.infer<typeof HubEnv>;

const S3_VARS = ["SKYLAPSE_S3_ENDPOINT", "SKYLAPSE_S3_BUCKET", "SKYLAPSE_S3_REGION", "SKYLAPSE_S3_ACCESS_KEY_ID", "SKYLAPSE_S3_SECRET_ACCESS_KEY"] as const;

/** The bucket the hub keeps its pictures and videos in, or null for the data dir. */
export function s3Settings(env: HubEnv): S3Settings | null {
  if (!env.SKYLAPSE_S3_ENDPOINT) return null;
  return {
    endpoint: env.SKYLAPSE_S3_ENDPOINT,
    bucket: env.SKYLAPSE_S3_BUCKET!,
    region: env.SKYLAPSE_S3_REGION!,
    accessKeyId: env.SKYLAPSE_S3_ACCESS_KEY_ID!,
    secretAccessKey: env.SKYLAPSE_S3_SECRET_ACCESS_KEY!,
  };
}

export function parseHubEnv(env: Record<string, string>): HubEnv {
  const parsed = HubEnv.safeParse(env);
  if (!parsed.success) throw new Error(`invalid environment: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
