import { z } from "zod";

/** White balance and metering are named in our contracts; numeric codes exist only at the edges. */
export const whiteBalanceModes = ["auto", "daylight", "cloudy", "tungsten", "fluorescent", "incandescent", "indoor", "kelvin"] as const;
export const WhiteBalanceMode = z.enum(whiteBalanceModes);
export type WhiteBalanceMode = z.infer<typeof WhiteBalanceMode>;

export const Metering = z.enum(["centre", "spot", "matrix"]);
export type Metering = z.infer<typeof Metering>;

export const FocusMode = z.enum(["manual", "auto", "continuous"]);

export const Kelvin = z.number().int().min(1500).max(15000);

export const WhiteBalance = z
  .object({ mode: WhiteBalanceMode, kelvin: Kelvin.optional() })
  .strict()
  .refine((wb) => wb.mode !== "kelvin" || wb.kelvin !== undefined, {
    message: "white balance mode 'kelvin' needs a kelvin value",
    path: ["kelvin"],
  });
export type WhiteBalance = z.infer<typeof WhiteBalance>;

/** 2 to 9 frames: the first system's bracket route took any list of at least 2 EV offsets. */
export const Bracket = z
  .object({ count: z.number().int().min(2).max(9), ev: z.array(z.number().min(-4).max(4)) })
  .strict()
  .refine((b) => b.ev.length === b.count, { message: "bracket needs one ev value per frame", path: ["ev"] });

/** Everything the camera needs for one capture. `null` iso or shutter means automatic. */
export const CaptureSettings = z
  .object({
    iso: z.number().int().min(50).max(6400).nullable(),
    shutter_us: z.number().int().min(10).max(600_000_000).nullable(),
    ev: z.number().min(-4).max(4),
    metering: Metering,
    white_balance: WhiteBalance,
    focus: FocusMode,
    lens_position: z.number().min(0).max(32).nullable(),
    sharpness: z.number().min(0).max(16),
    contrast: z.number().min(0).max(32),
    saturation: z.number().min(0).max(32),
    quality: z.number().int().min(1).max(100),
    bracket: Bracket.nullable(),
  })
  .strict();
export type CaptureSettings = z.infer<typeof CaptureSettings>;

export const SettingsOverride = CaptureSettings.partial();
export type SettingsOverride = z.infer<typeof SettingsOverride>;

export const DEFAULT_SETTINGS: CaptureSettings = {
  iso: null,
  shutter_us: null,
  ev: 0,
  metering: "centre",
  white_balance: { mode: "auto" },
  focus: "manual",
  lens_position: 0,
  sharpness: 1,
  contrast: 1,
  saturation: 1,
  quality: 93,
  bracket: null,
};

/** A lux-indexed table: [[lux, value], ...]; interpolated linearly, clamped at both ends. */
export const LuxTable = z
  .array(z.tuple([z.number().nonnegative(), z.number()]))
  .min(1)
  .max(256);
export type LuxTable = z.infer<typeof LuxTable>;

const tableOf = (value: z.ZodNumber) => z.array(z.tuple([z.number().nonnegative().max(1_000_000), value])).min(1).max(256);
/** lux → white balance in kelvin. */
export const KelvinTable = tableOf(z.number().min(1500).max(15000));
/** lux → EV compensation. */
export const EvTable = tableOf(z.number().min(-4).max(4));

/** What the camera measured; the input of settings resolution. */
export const MeterReading = z.object({
  lux: z.number().nonnegative(),
  exposure_time_us: z.number().nonnegative(),
  analogue_gain: z.number().positive(),
  colour_temperature: z.number().positive().nullable(),
});
export type MeterReading = z.infer<typeof MeterReading>;

/** What the camera actually did, as its metadata reports. */
export const ExposureUsed = z.object({
  exposure_time_us: z.number().nonnegative(),
  analogue_gain: z.number().positive(),
  colour_temperature: z.number().positive().nullable(),
  /** The camera's focus figure of merit (higher is sharper), when it reports one. */
  focus_fom: z.number().nonnegative().nullable().optional(),
});
export type ExposureUsed = z.infer<typeof ExposureUsed>;
