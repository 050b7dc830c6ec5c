import { z } from "zod";
import { IsoTime } from "../../shared/contracts/plan";
import { Slug } from "../../shared/contracts/profile";
import { queryInt } from "../../shared/http";

/** What an alert is about (one rule each). */
export const AlertKind = z.enum([
  "offline",
  "behind",
  "disk",
  "capture_failures",
  "exposure",
  "clock_untrusted",
  "not_converged",
  "temperature",
  "under_voltage",
  "update_failed",
]);
export type AlertKind = z.infer<typeof AlertKind>;

/**
 * One rule's settings. `threshold` is per kind: offline and behind in minutes, disk in
 * percent, capture_failures in captures in a row, temperature in °C; the others have
 * none. `for_seconds`: the condition must hold this long before the alert fires;
 * `clear_seconds`: it must stay clear this long before the alert resolves (hub time).
 */
export const RuleSettings = z
  .object({
    enabled: z.boolean(),
    threshold: z.number().min(0).max(1_000_000).nullable(),
    for_seconds: z.number().int().min(0).max(30 * 86_400),
    clear_seconds: z.number().int().min(0).max(30 * 86_400),
    /** under_voltage: also the firmware's "has occurred since boot" bit (else only "now"). */
    since_boot: z.boolean().optional(),
  })
  .strict();
export type RuleSettings = z.infer<typeof RuleSettings>;
export type RuleSet = Record<AlertKind, RuleSettings>;

export const PartialRules = z.partialRecord(AlertKind, RuleSettings.partial().strict());
export type PartialRules = z.infer<typeof PartialRules>;

/** Defaults, then each group that lists the camera (in order), then the camera's own: the later wins, setting by setting. */
export const AlertRules = z
  .object({
    defaults: PartialRules.default({}),
    groups: z
      .array(z.object({ name: Slug, camera_ids: z.array(Slug).min(1).max(10_000), rules: PartialRules }).strict())
      .max(100)
      .default([])
      .refine((g) => new Set(g.map((x) => x.name)).size === g.length, "two groups share a name"),
    cameras: z.record(Slug, PartialRules).default({}),
  })
  .strict();
export type AlertRules = z.infer<typeof AlertRules>;

export const WebhookFormat = z.enum(["generic", "slack", "ntfy"]);
export type WebhookFormat = z.infer<typeof WebhookFormat>;

const httpUrl = z.url({ protocol: /^https?$/ }).max(2000);

export const ChannelInput = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("webhook"),
      /** generic: the Skylapse JSON body (schema_version 1); slack: {"text"}; ntfy: a topic URL, text body with Title/Tags/Priority headers. */
      format: WebhookFormat.default("generic"),
      url: httpUrl,
      /** HMAC-SHA256 key of X-Skylapse-Signature; absent on create: the hub makes one and returns it once. */
      secret: z.string().min(16).max(256).optional(),
      enabled: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      type: z.literal("email"),
      to: z.array(z.email().max(254)).min(1).max(50),
      per_event: z.boolean().default(true),
      /** A digest of the past 24 h at this UTC hour; null: none. */
      digest_hour: z.number().int().min(0).max(23).nullable().default(null),
      enabled: z.boolean().default(true),
    })
    .strict(),
]);
export type ChannelInput = z.infer<typeof ChannelInput>;

export const alertsModel = {
  listQuery: z
    .object({
      state: z.enum(["firing", "acknowledged", "pending", "resolved", "open", "all"]).default("open"),
      camera_id: Slug.optional(),
      limit: queryInt(1, 1000).default(200),
    })
    .strict(),
  id: z.object({ id: z.coerce.number().int().positive() }).strict(),
  channelParams: z.object({ id: Slug }).strict(),
  mute: z.object({ until: IsoTime }).strict(),
  cameraMute: z.object({ camera_id: Slug, kind: z.union([AlertKind, z.literal("*")]).default("*"), until: IsoTime }).strict(),
  maintenance: z
    .object({ camera_id: Slug, starts_at: IsoTime, ends_at: IsoTime, reason: z.string().max(500).optional() })
    .strict()
    .refine((w) => Date.parse(w.starts_at) < Date.parse(w.ends_at), "starts_at must be before ends_at"),
  maintenanceQuery: z.object({ camera_id: Slug.optional() }).strict(),
  deliveriesQuery: z
    .object({
      channel_id: Slug.optional(),
      alert_id: z.coerce.number().int().positive().optional(),
      status: z.enum(["pending", "delivered", "failed"]).optional(),
      limit: queryInt(1, 1000).default(200),
    })
    .strict(),
  test: z.object({ channel_id: Slug.optional() }).strict(),
};
