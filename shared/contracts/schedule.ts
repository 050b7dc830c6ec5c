import { z } from "zod";
import { Slug } from "./profile";

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use 24-hour "HH:MM"');
const common = {
  enabled: z.boolean().default(true),
  interval_seconds: z.number().int().min(1).max(86_400),
  /** Several profiles captured at every tick (the first system's burst); default: the camera's profile. */
  profiles: z.array(Slug).min(1).max(16).optional(),
};

/**
 * Solar events a window can hang from: the first system's anchors (civil
 * twilight is `civil_dawn`/`civil_dusk`, as astral names it), plus nautical and
 * astronomical twilight for night skies.
 */
export const SOLAR_ANCHORS = [
  "sunrise",
  "sunset",
  "noon",
  "civil_dawn",
  "civil_dusk",
  "nautical_dawn",
  "nautical_dusk",
  "astronomical_dawn",
  "astronomical_dusk",
] as const;
export type SolarAnchor = (typeof SOLAR_ANCHORS)[number];

export const SolarSchedule = z
  .object({
    type: z.literal("solar_relative"),
    anchor: z.enum(SOLAR_ANCHORS),
    offset_minutes: z.number().int().min(-720).max(720).default(0),
    duration_minutes: z.number().int().min(1).max(1440),
    ...common,
  })
  .strict();

export const TimeOfDaySchedule = z
  .object({
    type: z.literal("time_of_day"),
    start_time: HHMM,
    end_time: HHMM,
    ...common,
  })
  .strict()
  .refine((s) => s.start_time !== s.end_time, { message: "start_time and end_time must differ", path: ["end_time"] });

export const ScheduleRule = z.discriminatedUnion("type", [SolarSchedule, TimeOfDaySchedule]);
export type ScheduleRule = z.infer<typeof ScheduleRule>;

/**
 * Accepts the seed's shorthand: a schedule named sunrise/sunset without `type`
 * is solar-relative to that event; one with `start_time` is time-of-day.
 */
export function scheduleRuleInput(name: string) {
  return z.preprocess((raw) => {
    if (typeof raw !== "object" || raw === null || "type" in raw) return raw;
    if ("start_time" in raw || "end_time" in raw) return { type: "time_of_day", ...raw };
    if (name === "sunrise" || name === "sunset") return { type: "solar_relative", anchor: name, ...raw };
    if ("anchor" in raw) return { type: "solar_relative", ...raw };
    return raw;
  }, ScheduleRule);
}
