import { z } from "zod";
import { parseSeedShutter } from "../exposure/seed-codes";
import { CaptureSettings, EvTable, KelvinTable, SettingsOverride } from "./settings";

export const Slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "use lower-case letters, digits, '_' and '-'");

export const WB_CURVES = ["balanced", "conservative", "warm"] as const;
/** `adaptive` is the first system's name for the same curve. */
export const EV_CURVES = ["standard", "adaptive"] as const;

const curveOrTable = <C extends readonly [string, ...string[]]>(curves: C, table: typeof KelvinTable | typeof EvTable) =>
  z.union([
    z.object({ curve: z.enum(curves) }).strict(),
    z.object({ table }).strict(),
  ]);

/**
 * Ramped exposure (day-to-night "holy grail"): the edge sets shutter and gain
 * from the metered lux toward a target luma blended from a day to a night value,
 * rate-limited, shutter before gain. Defaults follow the Timelapse+ VIEW figures:
 * night 1.25 stops of exposure below day, blended between scene EV 10 and EV −2
 * (ISO 100: 2560 and 0.625 lux), at most 0.5 stop per minute.
 */
export const RAMP_DEFAULTS = {
  /** Mean luma (0–255) aimed at in daylight: mid-grey. */
  day_luma: 118,
  /** Mean luma aimed at by night: 1.25 stops of exposure below 118. */
  night_luma: 78,
  /** At or above this lux the day target applies (EV 10 at ISO 100). */
  day_lux: 2560,
  /** At or below this lux the night target applies (EV −2 at ISO 100). */
  night_lux: 0.625,
  max_stops_per_minute: 0.5,
  /** The shutter never exceeds this share of the interval. */
  max_shutter_fraction_of_interval: 0.5,
  max_shutter_us: 10_000_000,
  /** Total gain (ISO/100); the IMX519's analogue range ends at 16. */
  max_gain: 16,
  /**
   * Share (0–1) of the previous frame's model error (measured luma vs its target,
   * less the offset it was deliberately taken at) corrected; 0: open loop from the lux.
   */
  feedback: 1,
  /** Lux·seconds that bring 18 % grey to mid-grey at gain 1 (C = 250 at f/1.75). */
  calibration_lux_s: 7.65625,
} as const;

const rampFields = {
  day_luma: z.number().min(1).max(254),
  night_luma: z.number().min(1).max(254),
  day_lux: z.number().positive().max(1_000_000),
  night_lux: z.number().positive().max(1_000_000),
  max_stops_per_minute: z.number().positive().max(60),
  max_shutter_fraction_of_interval: z.number().positive().max(1),
  max_shutter_us: z.number().int().min(10).max(600_000_000),
  max_gain: z.number().min(1).max(64),
  feedback: z.number().min(0).max(1),
  calibration_lux_s: z.number().positive().max(1000),
};
const luxOrder = (r: { day_lux?: number; night_lux?: number }) => (r.day_lux ?? RAMP_DEFAULTS.day_lux) > (r.night_lux ?? RAMP_DEFAULTS.night_lux);
const luxOrderIssue = { message: "day_lux must be greater than night_lux", path: ["day_lux"] };

/** The profile form: any field may be left out for its default; `ramp: {}` is ramped exposure with every default. */
export const RampDefinition = z.object(rampFields).partial().strict().refine(luxOrder, luxOrderIssue);
export type RampDefinition = z.infer<typeof RampDefinition>;

/** The compiled form in a snapshot: every field explicit. */
export const RampParams = z.object(rampFields).strict().refine(luxOrder, luxOrderIssue);
export type RampParams = z.infer<typeof RampParams>;

/** Our own profile form: named settings, curves by name or explicit tables. */
export const ProfileDefinition = z
  .object({
    name: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    extends: Slug.optional(),
    base: SettingsOverride.default({}),
    /** Absent: inherit from the parent (none without one); null: switched off. */
    adaptive_wb: curveOrTable(WB_CURVES, KelvinTable).nullable().optional(),
    adaptive_ev: curveOrTable(EV_CURVES, EvTable).nullable().optional(),
    schedule_overrides: z.record(Slug, SettingsOverride).default({}),
    /** Exposure mode `ramped`. Absent: inherit from the parent; null: switched off (the camera's auto exposure). */
    ramp: RampDefinition.nullable().optional(),
  })
  .strict();
export type ProfileDefinition = z.infer<typeof ProfileDefinition>;

/** The first system's `settings.base`, its field names and numeric codes. */
export const SeedBase = z
  .object({
    iso: z.number().int().min(0).max(6400).refine((v) => v === 0 || v >= 50, "must be 0 (auto) or at least 50"),
    shutter_speed: z
      .string()
      .regex(/^(auto|\d+(\.\d+)?|1\/\d+(\.\d+)?)$/, 'use "auto", "1/500" or seconds like "2"')
      .refine((s) => {
        const us = parseSeedShutter(s);
        return us === null || (us >= 10 && us <= 600_000_000);
      }, "must be between 1/100000 and 600 seconds"),
    exposure_compensation: z.number().min(-4).max(4),
    /** The name the seed's snapshot example used for exposure_compensation. */
    ev_compensation: z.number().min(-4).max(4),
    awb_mode: z.number().int().min(0).max(6),
    wb_temp: z.number().int().min(1500).max(15000),
    ae_metering_mode: z.number().int().min(0).max(2),
    metering_mode: z.number().int().min(0).max(2),
    /** The first system's HDR mode: libcamera's HdrMode values, 0 off … 4 night (its default 0). Accepted for its clients, not used: brackets are what we shoot. */
    hdr_mode: z.number().int().min(0).max(4),
    hdr_enabled: z.boolean(),
    bracket_count: z.union([z.literal(1), z.literal(3), z.literal(5)]),
    bracket_exposures: z.array(z.number().min(-4).max(4)),
    af_mode: z.number().int().min(0).max(2),
    lens_position: z.number().min(0).max(32),
    sharpness: z.number().min(0).max(16),
    contrast: z.number().min(0).max(32),
    saturation: z.number().min(0).max(32),
    quality: z.number().int().min(1).max(100),
  })
  .partial()
  .strict()
  .superRefine((base, ctx) => {
    const problem = bracketProblem(base.bracket_count, base.bracket_exposures, base.hdr_enabled);
    if (problem) ctx.addIssue({ code: "custom", path: ["bracket_exposures"], message: problem });
  });

/**
 * The seed's bracket fields, checked together: a bracket has 3 or 5 frames
 * (3 when HDR is on without a count) and needs an EV value for each.
 */
export function bracketProblem(count: number | undefined, ev: number[] | undefined, hdr?: boolean): string | null {
  const frames = count ?? (hdr ? (ev?.length === 5 ? 5 : 3) : (ev?.length ?? 0));
  if (frames > 1 && ev && ev.length < frames) return `needs at least ${frames} values for a ${frames}-frame bracket`;
  return null;
}
export type SeedBase = z.infer<typeof SeedBase>;

const seedAdaptive = <C extends readonly [string, ...string[]]>(curves: C) =>
  z.object({ enabled: z.boolean(), curve: z.enum(curves).optional() }).strict();

/** A profile as the first system's config wrote it. */
export const SeedProfileDefinition = z
  .object({
    name: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    enabled: z.boolean().optional(),
    extends: Slug.optional(),
    settings: z
      .object({
        base: SeedBase.default({}),
        adaptive_wb: seedAdaptive(WB_CURVES).optional(),
        adaptive_ev: seedAdaptive(EV_CURVES).optional(),
        schedule_overrides: z.record(Slug, SeedBase).optional(),
      })
      .strict(),
    video_filters: z.unknown().optional(),
  })
  .strict();
export type SeedProfileDefinition = z.infer<typeof SeedProfileDefinition>;

/** Either form; a `settings` key marks the seed's form, so errors speak of the form that was meant. */
export const ProfileDefinitionInput = z.unknown().transform((value, ctx) => {
  const isSeed = typeof value === "object" && value !== null && "settings" in value;
  const parsed = isSeed
    ? SeedProfileDefinition.safeParse(value)
    : ProfileDefinition.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, message: issue.message } as never);
  return z.NEVER;
});
export type ProfileDefinitionInput = z.input<typeof ProfileDefinition> | z.input<typeof SeedProfileDefinition>;

/** The immutable, executable form of a profile: no curve names, no inheritance, no codes. */
export const ProfileSnapshot = z
  .object({
    profile_id: Slug,
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    base: CaptureSettings,
    wb_table: KelvinTable.nullable(),
    ev_table: EvTable.nullable(),
    schedule_overrides: z.record(z.string(), SettingsOverride),
    /** Present only for ramped exposure: the edge then sets shutter and ISO itself. */
    ramp: RampParams.optional(),
  })
  .strict();
export type ProfileSnapshot = z.infer<typeof ProfileSnapshot>;
