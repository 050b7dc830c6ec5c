import { z } from "zod";
import { describeZodError } from "../shared/env";

const HubEnv = z.object({
  SKYLAPSE_PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  SKYLAPSE_HOST: z.string().default("0.0.0.0"),
  SKYLAPSE_DATA_DIR: z.string().default(".data/hub"),
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
});
export type HubEnv = z.infer<typeof HubEnv>;

export function parseHubEnv(env: Record<string, string>): HubEnv {
  const parsed = HubEnv.safeParse(env);
  if (!parsed.success) throw new Error(`invalid environment: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
