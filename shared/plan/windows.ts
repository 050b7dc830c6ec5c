import * as SunCalc from "suncalc";
import type { CapturePlan, GeoPosition, PlanWindow } from "../contracts/plan";
import { type IntervalScheduleRule, type ScheduleRule, type SolarAnchor, WEEKDAYS } from "../contracts/schedule";
import { cronWindowsOn, type GridSpan } from "./cron";
import { addDays, formatLocalDate, type LocalDate, localDateOf, localToUtc, startOfLocalDay } from "./local-time";

export interface PlanInput {
  cameraId: string;
  position: GeoPosition;
  /** The schedule rules this camera follows, by name. */
  schedules: Record<string, ScheduleRule>;
  /** Profiles captured at a tick when the schedule names none (the camera's assigned profile). */
  defaultProfiles: string[];
  from: number;
  to: number;
  generatedAt: number;
  extrapolated?: boolean;
}

const MINUTE = 60_000;

/** Our anchor names → suncalc's event names. */
const SUNCALC_EVENT: Record<SolarAnchor, SunCalc.SunTimeName | "solarNoon"> = {
  sunrise: "sunrise",
  sunset: "sunset",
  noon: "solarNoon",
  civil_dawn: "dawn",
  civil_dusk: "dusk",
  nautical_dawn: "nauticalDawn",
  nautical_dusk: "nauticalDusk",
  astronomical_dawn: "nightEnd",
  astronomical_dusk: "night",
};

/** [from, to): from local midnight of the day containing `now`, for `days` local days. */
export function planRange(tz: string, now: number, days: number): { from: number; to: number } {
  const from = startOfLocalDay(tz, now);
  return { from, to: localToUtc(tz, addDays(localDateOf(tz, from), days), 0, 0) };
}

/** Whether the rule's day-of-week and date-range limits let it run on a local date. */
function runsOn(rule: ScheduleRule, date: LocalDate): boolean {
  if (rule.days && !rule.days.includes(WEEKDAYS[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()]!)) return false;
  const day = formatLocalDate(date);
  return !(rule.from_date && day < rule.from_date) && !(rule.to_date && day > rule.to_date);
}

/** The rule's windows on a local date: none outside its limits or when its event does not happen (polar day/night). */
function windowsOn(rule: ScheduleRule, position: GeoPosition, date: LocalDate): GridSpan[] {
  if (!runsOn(rule, date)) return [];
  if (rule.type === "cron") return cronWindowsOn(rule.cron, position.timezone, date, rule.interval_seconds);
  const w = windowOn(rule, position, date);
  return w ? [{ ...w, interval_seconds: rule.interval_seconds }] : [];
}

/** An interval rule's window on a local date, or null when its event does not happen that day. */
export function windowOn(rule: IntervalScheduleRule, position: GeoPosition, date: LocalDate): { start: number; end: number } | null {
  if (rule.type === "time_of_day") {
    const [sh, sm] = rule.start_time.split(":").map(Number) as [number, number];
    const [eh, em] = rule.end_time.split(":").map(Number) as [number, number];
    const start = localToUtc(position.timezone, date, sh, sm);
    const crossesMidnight = eh * 60 + em <= sh * 60 + sm;
    const end = localToUtc(position.timezone, crossesMidnight ? addDays(date, 1) : date, eh, em);
    return { start, end };
  }
  const noon = localToUtc(position.timezone, date, 12, 0);
  const event = SunCalc.getTimes(new Date(noon), position.latitude, position.longitude)[SUNCALC_EVENT[rule.anchor]];
  if (!event) return null;
  const start = event.getTime() + rule.offset_minutes * MINUTE;
  return { start, end: start + rule.duration_minutes * MINUTE };
}

/**
 * Every window of the enabled rules that overlaps [from, to), clipped to it,
 * one per rule and local day — a cron rule's can be several — (a window that
 * crosses midnight belongs to the day it starts on), sorted by start.
 */
export function planWindows(input: PlanInput): PlanWindow[] {
  const { position, from, to } = input;
  const windows: PlanWindow[] = [];
  const first = addDays(localDateOf(position.timezone, from), -1);
  const last = localDateOf(position.timezone, to);
  for (let date = first; compare(date, last) <= 0; date = addDays(date, 1)) {
    for (const [name, rule] of Object.entries(input.schedules)) {
      if (!rule.enabled) continue;
      for (const w of windowsOn(rule, position, date)) {
        const start = Math.max(w.start, from);
        const end = Math.min(w.end, to);
        if (end <= start) continue;
        windows.push({
          schedule: name,
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          interval_seconds: w.interval_seconds,
          profiles: rule.profiles ?? input.defaultProfiles,
          extrapolated: input.extrapolated ?? false,
        });
      }
    }
  }
  return windows
    .filter((w) => w.profiles.length > 0)
    .sort((a, b) => a.start.localeCompare(b.start) || a.schedule.localeCompare(b.schedule));
}

export function computePlan(input: PlanInput): CapturePlan {
  return {
    camera_id: input.cameraId,
    generated_at: new Date(input.generatedAt).toISOString(),
    from: new Date(input.from).toISOString(),
    to: new Date(input.to).toISOString(),
    windows: planWindows(input),
  };
}

function compare(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}
