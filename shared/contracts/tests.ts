import { z } from "zod";
import { IsoTime } from "./plan";
import { TestId } from "./seed-api";
import { SettingsOverride } from "./settings";

/**
 * An A/B override test as an agent runs it: at each tick it covers, the
 * production capture is the baseline and a capture with the override follows
 * at once, both under the test's id. It ends by itself after `pairs` pairs or
 * at `until`, whichever comes first.
 */
export const OverrideTest = z
  .object({
    id: TestId,
    override: SettingsOverride,
    /** Only this schedule's ticks (null: any). */
    schedule: z.string().nullable(),
    from: IsoTime,
    until: IsoTime.nullable(),
    pairs: z.number().int().positive().nullable(),
  })
  .strict();
export type OverrideTest = z.infer<typeof OverrideTest>;

/** What an image looks like, measured from its pixels. */
export const ImageMeasures = z
  .object({
    /** Mean of 0.299 R + 0.587 G + 0.114 B, 0–255. */
    mean_luma: z.number().min(0).max(255),
    /** Share of pixels at or above 250 luma, percent. */
    clipped_highlights_pct: z.number().min(0).max(100),
    /** Share of pixels at or below 5 luma, percent. */
    crushed_shadows_pct: z.number().min(0).max(100),
  })
  .strict();
export type ImageMeasures = z.infer<typeof ImageMeasures>;
