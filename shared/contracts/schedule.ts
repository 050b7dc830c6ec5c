import { z } from "zod";
import { cronProblem } from "../plan/cron";
import { Slug } from "./profile";

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use 24-hour "HH:MM"');

/** Weekday names in `Date.getUTCDay()` order. */
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

const LocalDateString = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date "YYYY-MM-DD"')
  .refine((d) => {
    const [y, m, day] = d.split("-").map(Number) as [number, number, number];
    const t = new Date(Date.UTC(y, m - 1, day));
    return t.getUTCMonth() === m - 1 && t.getUTCDate() === day;
  }, "not a date on the calendar");

const FULL_DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
/** A weekday as `mon`; `Mon`, `MONDAY` and `monday` are read as it too. */
const Weekday = z.preprocess(
  (v) => (typeof v === "string" ? (WEEKDAYS[FULL_DAY_NAMES.indexOf(v.toLowerCase())] ?? v.toLowerCase()) : v),
  z.enum(WEEKDAYS, { error: (issue) => `unknown day ${JSON.stringify(issue.input)}: use ${WEEKDAYS.join(", ")}` }),
);

/** On which local dates a schedule runs at all (a window belongs to the date it starts on). */
const limits = {
  days: z
    .array(Weekday)
    .min(1)
    .max(7)
    .optional(),
  /** First local date it runs, inclusive. */
  from_date: LocalDateString.optional(),
  /** Last local date it runs, inclusive. */
  to_date: LocalDateString.optional(),
};
/**
 * The first system's exposure smoothing on a schedule: each frame's exposure may
 * move at most `max_change_per_frame` (a fraction) from the last, weighted by
 * `iso_weight`. We run it as ramped exposure (shared/exposure/smoothing.ts);
 * `window_frames` and `shutter_weight` are accepted as its config had them.
 */
export const Smoothing = z
  .object({
    enabled: z.boolean().default(true),
    window_frames: z.number().int().min(1).max(1000).default(8),
    max_change_per_frame: z.number().positive().max(1).default(0.12),
    iso_weight: z.number().positive().max(1).default(0.7),
    shutter_weight: z.number().min(0).max(1).default(0.3),
  })
  .strict();
export type Smoothing = z.infer<typeof Smoothing>;

const common = {
  enabled: z.boolean().default(true),
  /** Several profiles captured at every tick (the first system's burst); default: the camera's profile. */
  profiles: z.array(Slug).min(1).max(16).optional(),
  smoothing: Smoothing.optional(),
  ...limits,
};
const interval = { interval_seconds: z.number().int().min(1).max(86_400) };

function dateRangeInOrder(s: { from_date?: string; to_date?: string }, ctx: z.RefinementCtx): void {
  if (s.from_date && s.to_date && s.to_date < s.from_date)
    ctx.addIssue({ code: "custom", path: ["to_date"], message: `${s.to_date} is before from_date ${s.from_date}` });
}

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
    ...interval,
    ...common,
  })
  .strict()
  .superRefine(dateRangeInOrder);

export const TimeOfDaySchedule = z
  .object({
    type: z.literal("time_of_day"),
    start_time: HHMM,
    end_time: HHMM,
    ...interval,
    ...common,
  })
  .strict()
  .refine((s) => s.start_time !== s.end_time, { message: "start_time and end_time must differ", path: ["end_time"] })
  .superRefine(dateRangeInOrder);

/**
 * Fires as a cron expression says, read in the camera's zone: five fields
 * (minute hour day-of-month month day-of-week), or six with seconds first
 * (croner's syntax: names, ranges, steps, L, W, #). Every time it fires is a
 * tick; given `interval_seconds`, the minutes (or seconds) it names are open
 * and tick on the grid every interval instead.
 */
export const CronSchedule = z
  .object({
    type: z.literal("cron"),
    cron: z
      .string()
      .max(200)
      .superRefine((expression, ctx) => {
        const problem = cronProblem(expression);
        if (problem) ctx.addIssue({ code: "custom", message: `not a usable cron expression (${problem})` });
      }),
    interval_seconds: interval.interval_seconds.optional(),
    ...common,
  })
  .strict()
  .superRefine(dateRangeInOrder);

export const ScheduleRule = z.discriminatedUnion("type", [SolarSchedule, TimeOfDaySchedule, CronSchedule]);
export type ScheduleRule = z.infer<typeof ScheduleRule>;
/** A rule with one window a day, ticking every `interval_seconds`. */
export type IntervalScheduleRule = Exclude<ScheduleRule, { type: "cron" }>;

/**
 * Accepts the seed's shorthand: a schedule named sunrise/sunset without `type`
 * is solar-relative to that event; one with `start_time` is time-of-day; one
 * with `cron` is a cron schedule.
 */
export function scheduleRuleInput(name: string) {
  return z.preprocess((raw) => {
    if (typeof raw !== "object" || raw === null || "type" in raw) return raw;
    if ("start_time" in raw || "end_time" in raw) return { type: "time_of_day", ...raw };
    if ("cron" in raw) return { type: "cron", ...raw };
    if (name === "sunrise" || name === "sunset") return { type: "solar_relative", anchor: name, ...raw };
    if ("anchor" in raw) return { type: "solar_relative", ...raw };
    return raw;
  }, ScheduleRule);
}
