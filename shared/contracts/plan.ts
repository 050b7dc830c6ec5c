import { z } from "zod";

export const IsoTime = z.iso.datetime({ offset: true });

export const PlanWindow = z
  .object({
    schedule: z.string(),
    start: IsoTime,
    end: IsoTime,
    interval_seconds: z.number().int().positive(),
    profiles: z.array(z.string()).min(1),
    /** True when the agent extended the plan itself, without the hub. */
    extrapolated: z.boolean(),
  })
  .strict();
export type PlanWindow = z.infer<typeof PlanWindow>;

export const CapturePlan = z
  .object({
    camera_id: z.string(),
    generated_at: IsoTime,
    from: IsoTime,
    to: IsoTime,
    windows: z.array(PlanWindow),
  })
  .strict();
export type CapturePlan = z.infer<typeof CapturePlan>;

export const GeoPosition = z
  .object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    timezone: z.string().refine(isTimeZone, "unknown IANA time zone"),
  })
  .strict();
export type GeoPosition = z.infer<typeof GeoPosition>;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
