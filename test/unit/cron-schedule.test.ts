import { describe, expect, test } from "bun:test";
import { Cron } from "croner";
import type { GeoPosition, PlanWindow } from "../../shared/contracts/plan";
import { ScheduleRule } from "../../shared/contracts/schedule";
import { offsetAt } from "../../shared/plan/local-time";
import { plannedTicks } from "../../shared/plan/ticks";
import { planRange, planWindows } from "../../shared/plan/windows";
import { ConfigError, parseConfig } from "../../hub/config/service";

const DENVER: GeoPosition = { latitude: 39.61, longitude: -105.31, timezone: "America/Denver" };
const CHICAGO: GeoPosition = { latitude: 41.88, longitude: -87.63, timezone: "America/Chicago" };
const ZURICH: GeoPosition = { latitude: 46.5, longitude: 8, timezone: "Europe/Zurich" };
const AUCKLAND: GeoPosition = { latitude: -36.85, longitude: 174.76, timezone: "Pacific/Auckland" };

const rule = (raw: Record<string, unknown>): ScheduleRule => ScheduleRule.parse({ enabled: true, ...raw });
const cron = (expression: string, extra: Record<string, unknown> = {}) => rule({ type: "cron", cron: expression, ...extra });

/** Windows for `days` local days from the local day that contains `day`. */
function windowsOf(position: GeoPosition, schedules: Record<string, ScheduleRule>, day: string, days = 1): PlanWindow[] {
  const { from, to } = planRange(position.timezone, Date.parse(day), days);
  return planWindows({ cameraId: "cam", position, schedules, defaultProfiles: ["p"], from, to, generatedAt: from });
}
function ticksOf(position: GeoPosition, schedules: Record<string, ScheduleRule>, day: string, days = 1): number[] {
  const { from, to } = planRange(position.timezone, Date.parse(day), days);
  return plannedTicks(windowsOf(position, schedules, day, days), from, to).map((t) => t.at);
}
/** "YYYY-MM-DD HH:MM" on the zone's clocks. */
function wall(tz: string, t: number): string {
  const local = new Date(t + offsetAt(tz, t)).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 16)}`;
}
const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());
/** Two days before each day of 2026 on which the zone's offset changes. */
function clockChanges(tz: string): string[] {
  const noon = (d: number) => Date.parse("2026-01-01T12:00:00Z") + d * 86_400_000;
  const days: string[] = [];
  for (let d = 1; d < 365; d++) if (offsetAt(tz, noon(d)) !== offsetAt(tz, noon(d - 1))) days.push(new Date(noon(d - 2)).toISOString());
  return days;
}

describe("cron schedules: every time the expression fires, in the camera's zone, is a tick", () => {
  test("*/10 7-18 on weekdays: 07:00 to 18:50 local every ten minutes, one window a day like 07:00–19:00 every 600 s", () => {
    const schedules = { work: cron("*/10 7-18 * * 1-5") };
    // Fri 2026-01-16 … Mon 2026-01-19 in Denver (MST, −7 h): Friday and Monday only.
    const windows = windowsOf(DENVER, schedules, "2026-01-16T19:00:00Z", 4);
    expect(windows.map((w) => [w.start, w.end, w.interval_seconds])).toEqual([
      ["2026-01-16T14:00:00.000Z", "2026-01-17T02:00:00.000Z", 600],
      ["2026-01-19T14:00:00.000Z", "2026-01-20T02:00:00.000Z", 600],
    ]);
    const ticks = ticksOf(DENVER, schedules, "2026-01-16T19:00:00Z", 4);
    expect(ticks.length).toBe(2 * 72);
    expect(wall(DENVER.timezone, ticks[0]!)).toBe("2026-01-16 07:00");
    expect(wall(DENVER.timezone, ticks[71]!)).toBe("2026-01-16 18:50");
    // The same local hours in summer are an hour earlier in UTC.
    expect(windowsOf(DENVER, schedules, "2026-07-15T19:00:00Z")[0]).toMatchObject({ start: "2026-07-15T13:00:00.000Z", end: "2026-07-16T01:00:00.000Z" });
  });

  test("across spring-forward: an hour the clocks skip has no ticks; a fixed time in it fires at the change", () => {
    // Denver, Sunday 2026-03-08: 02:00 MST becomes 03:00 MDT (09:00Z).
    const every30 = ticksOf(DENVER, { s: cron("*/30 1-3 * * *") }, "2026-03-08T19:00:00Z");
    expect(every30.map((t) => wall(DENVER.timezone, t))).toEqual(["2026-03-08 01:00", "2026-03-08 01:30", "2026-03-08 03:00", "2026-03-08 03:30"]);
    expect(iso(every30)).toEqual(["2026-03-08T08:00:00.000Z", "2026-03-08T08:30:00.000Z", "2026-03-08T09:00:00.000Z", "2026-03-08T09:30:00.000Z"]);
    expect(iso(ticksOf(DENVER, { s: cron("30 2 * * *") }, "2026-03-08T19:00:00Z"))).toEqual(["2026-03-08T09:00:00.000Z"]);
    expect(iso(ticksOf(DENVER, { s: cron("30 2 * * *") }, "2026-03-09T19:00:00Z"))).toEqual(["2026-03-09T08:30:00.000Z"]);
  });

  test("across fall-back: a repeated hour ticks on both passes; a fixed time in it fires once, on the first", () => {
    // Denver, Sunday 2026-11-01: 02:00 MDT goes back to 01:00 MST (08:00Z).
    expect(iso(ticksOf(DENVER, { s: cron("*/30 1 * * *") }, "2026-11-01T19:00:00Z"))).toEqual([
      "2026-11-01T07:00:00.000Z",
      "2026-11-01T07:30:00.000Z",
      "2026-11-01T08:00:00.000Z",
      "2026-11-01T08:30:00.000Z",
    ]);
    expect(iso(ticksOf(DENVER, { s: cron("30 1 * * *") }, "2026-11-01T19:00:00Z"))).toEqual(["2026-11-01T07:30:00.000Z"]);
    // A day of 25 hours: 25 hourly ticks.
    expect(ticksOf(DENVER, { s: cron("0 * * * *") }, "2026-11-01T19:00:00Z").length).toBe(25);
    expect(ticksOf(DENVER, { s: cron("0 * * * *") }, "2026-03-08T19:00:00Z").length).toBe(23);
  });

  test("ticks are exactly croner's run times, DST and odd zones included", () => {
    const zones = ["America/Denver", "Europe/London", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham"];
    const patterns = ["*/10 7-18 * * 1-5", "30 2 * * *", "30 1 * * *", "30 0 * * *", "45 23 * * *", "*/30 1-3 * * *", "5,17,43 0-4 * * *", "0 */2 * * *", "0 0 12 L * *", "*/20 0-2 * * * *"];
    for (const tz of zones) {
      for (const pattern of patterns) {
        // The days around each of the zone's clock changes in 2026, and a plain week.
        for (const day of [...clockChanges(tz), "2026-06-10T12:00:00Z"]) {
          const { from, to } = planRange(tz, Date.parse(day), pattern.split(" ").length === 6 ? 3 : 5);
          const position = { latitude: 0, longitude: 0, timezone: tz };
          const windows = planWindows({ cameraId: "cam", position, schedules: { s: cron(pattern) }, defaultProfiles: ["p"], from, to, generatedAt: from });
          const ours = plannedTicks(windows, from, to).map((t) => t.at);
          const croner = new Cron(pattern, { timezone: tz, paused: true });
          const theirs: number[] = [];
          for (let run = croner.nextRun(new Date(from - 1000)); run && run.getTime() < to; run = croner.nextRun(run)) theirs.push(run.getTime());
          expect({ tz, pattern, day, ticks: iso(ours) }).toEqual({ tz, pattern, day, ticks: iso(theirs) });
          // Given an interval, the minutes (or seconds) it names tick on the grid: every 20 s of each minute.
          if (pattern.split(" ").length === 5) {
            const spans = planWindows({ cameraId: "cam", position, schedules: { s: cron(pattern, { interval_seconds: 20 }) }, defaultProfiles: ["p"], from, to, generatedAt: from });
            const named = plannedTicks(spans, from, to).map((t) => t.at);
            expect({ tz, pattern, day, named: named.length }).toEqual({ tz, pattern, day, named: 3 * theirs.length });
            expect(new Set(named.map((t) => t - (t % 60_000)))).toEqual(new Set(theirs));
          }
        }
      }
    }
  }, 60_000);

  test("cameras in different zones fire at the same instants, on the grid interval schedules use", () => {
    const schedules = { s: cron("*/10 * * * *") };
    const denver = ticksOf(DENVER, schedules, "2026-06-10T19:00:00Z");
    const chicago = new Set(ticksOf(CHICAGO, schedules, "2026-06-10T19:00:00Z"));
    expect(denver.every((t) => t % 600_000 === 0)).toBe(true);
    expect(denver.filter((t) => chicago.has(t)).length).toBe(144 - 6);
    // A time-of-day schedule every 600 s picks the same instants.
    const interval = ticksOf(DENVER, { s: rule({ type: "time_of_day", start_time: "07:00", end_time: "19:00", interval_seconds: 600 }) }, "2026-06-10T19:00:00Z");
    const cronDay = ticksOf(DENVER, { s: cron("*/10 7-18 * * *") }, "2026-06-10T19:00:00Z");
    expect(cronDay).toEqual(interval);
  });

  test("with interval_seconds the expression picks the minutes the schedule is open; ticks fall on the grid inside them", () => {
    const hours = ticksOf(DENVER, { s: cron("* 7-18 * * 1-5", { interval_seconds: 30 }) }, "2026-01-16T19:00:00Z", 4);
    const timeOfDay = rule({ type: "time_of_day", start_time: "07:00", end_time: "19:00", interval_seconds: 30, days: ["mon", "tue", "wed", "thu", "fri"] });
    expect(hours).toEqual(ticksOf(DENVER, { s: timeOfDay }, "2026-01-16T19:00:00Z", 4));
    expect(windowsOf(DENVER, { s: cron("* 7-18 * * 1-5", { interval_seconds: 30 }) }, "2026-01-16T19:00:00Z").map((w) => [w.start, w.end, w.interval_seconds])).toEqual([
      ["2026-01-16T14:00:00.000Z", "2026-01-17T02:00:00.000Z", 30],
    ]);
    // Where the two readings meet, the same ticks.
    expect(ticksOf(DENVER, { s: cron("*/10 7-18 * * 1-5", { interval_seconds: 600 }) }, "2026-01-16T19:00:00Z", 4)).toEqual(
      ticksOf(DENVER, { s: cron("*/10 7-18 * * 1-5") }, "2026-01-16T19:00:00Z", 4),
    );
    // Spring-forward: 01:00–02:00 MST and 03:00–04:00 MDT are one stretch of UTC.
    expect(windowsOf(DENVER, { s: cron("* 1-3 * * *", { interval_seconds: 60 }) }, "2026-03-08T19:00:00Z").map((w) => [w.start, w.end])).toEqual([
      ["2026-03-08T08:00:00.000Z", "2026-03-08T10:00:00.000Z"],
    ]);
  });

  test("a time no grid step lines up with (Nepal, +05:45) is a window of its own: same ticks, none extra", () => {
    const kathmandu = { latitude: 27.7, longitude: 85.3, timezone: "Asia/Kathmandu" };
    const windows = windowsOf(kathmandu, { s: cron("*/10 7-8 * * *") }, "2026-06-10T06:00:00Z");
    expect(windows.length).toBe(12);
    const ticks = ticksOf(kathmandu, { s: cron("*/10 7-8 * * *") }, "2026-06-10T06:00:00Z");
    expect(ticks.map((t) => wall("Asia/Kathmandu", t))).toEqual(
      ["07:00", "07:10", "07:20", "07:30", "07:40", "07:50", "08:00", "08:10", "08:20", "08:30", "08:40", "08:50"].map((hm) => `2026-06-10 ${hm}`),
    );
  });
});

describe("day-of-week and date-range limits, on any schedule", () => {
  test("days: a time-of-day schedule runs on the named local weekdays only", () => {
    const schedules = { s: rule({ type: "time_of_day", start_time: "10:00", end_time: "11:00", interval_seconds: 60, days: ["mon", "wed"] }) };
    const windows = windowsOf(DENVER, schedules, "2026-06-07T19:00:00Z", 7); // Sun 7 … Sat 13 June
    expect(windows.map((w) => wall(DENVER.timezone, Date.parse(w.start)))).toEqual(["2026-06-08 10:00", "2026-06-10 10:00"]);
  });

  test("a window crossing midnight belongs to the day it starts on", () => {
    const schedules = { s: rule({ type: "time_of_day", start_time: "22:00", end_time: "02:00", interval_seconds: 300, days: ["fri"] }) };
    const windows = windowsOf(DENVER, schedules, "2026-06-11T19:00:00Z", 4); // Thu 11 … Sun 14
    expect(windows.map((w) => [wall(DENVER.timezone, Date.parse(w.start)), wall(DENVER.timezone, Date.parse(w.end))])).toEqual([["2026-06-12 22:00", "2026-06-13 02:00"]]);
  });

  test("from_date and to_date: a project from March to October, inclusive, in the camera's local dates", () => {
    const project = { from_date: "2026-03-01", to_date: "2026-10-31" };
    const schedules = {
      sunrise: rule({ type: "solar_relative", anchor: "sunrise", offset_minutes: -30, duration_minutes: 60, interval_seconds: 15, ...project }),
      hourly: cron("0 12 * * *", project),
    };
    const starts = (position: GeoPosition, day: string, days: number) =>
      windowsOf(position, schedules, day, days).map((w) => `${w.schedule} ${wall(position.timezone, Date.parse(w.start)).slice(0, 10)}`);
    expect(starts(DENVER, "2026-02-27T19:00:00Z", 4)).toEqual(["sunrise 2026-03-01", "hourly 2026-03-01", "sunrise 2026-03-02", "hourly 2026-03-02"]);
    expect(starts(DENVER, "2026-10-30T19:00:00Z", 4)).toEqual(["sunrise 2026-10-30", "hourly 2026-10-30", "sunrise 2026-10-31", "hourly 2026-10-31"]);
    // Auckland's 1 March begins while it is still 28 February in UTC: its sunrise is in, the day before is not.
    expect(starts(AUCKLAND, "2026-02-27T12:00:00Z", 2)).toEqual(["sunrise 2026-03-01", "hourly 2026-03-01"]);
    expect(windowsOf(AUCKLAND, schedules, "2026-02-27T12:00:00Z", 2)[0]!.start.slice(0, 10)).toBe("2026-02-28");
  });

  test("limits and a cron expression's own weekdays both apply", () => {
    const schedules = { s: cron("0 9 * * 1-5", { days: ["fri", "sat"], from_date: "2026-06-01" }) };
    const ticks = ticksOf(ZURICH, schedules, "2026-06-01T12:00:00Z", 14);
    expect(ticks.map((t) => wall(ZURICH.timezone, t))).toEqual(["2026-06-05 09:00", "2026-06-12 09:00"]);
  });

  test("a disabled or out-of-range schedule plans nothing", () => {
    expect(windowsOf(DENVER, { s: cron("*/10 * * * *", { enabled: false }) }, "2026-06-10T19:00:00Z")).toEqual([]);
    expect(windowsOf(DENVER, { s: cron("*/10 * * * *", { to_date: "2026-06-09" }) }, "2026-06-10T19:00:00Z")).toEqual([]);
  });
});

describe("validation names the field", () => {
  const base = {
    location: DENVER,
    cameras: { ridge: { deployed_profile: "f", schedules: ["s"] } },
    profiles: { f: { base: { ev: 0 } } },
  };
  const error = (schedule: unknown): string => {
    try {
      parseConfig({ ...base, schedules: { s: schedule } });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("the config was accepted");
  };

  test("a cron schedule needs no type and no interval; both forms apply", () => {
    expect(parseConfig({ ...base, schedules: { s: { cron: "*/10 7-18 * * 1-5" } } }).schedules.s).toEqual({ type: "cron", cron: "*/10 7-18 * * 1-5", enabled: true });
    const limited = { type: "time_of_day", start_time: "07:00", end_time: "08:00", interval_seconds: 30, days: ["sat", "sun"], from_date: "2026-03-01", to_date: "2026-10-31" };
    expect(parseConfig({ ...base, schedules: { s: limited } }).schedules.s).toEqual({ ...limited, enabled: true } as never);
    expect(parseConfig({ ...base, schedules: { s: { ...limited, days: ["Sat", "SUNDAY"] } } }).schedules.s).toMatchObject({ days: ["sat", "sun"] });
  });

  test("a bad cron expression", () => {
    expect(error({ cron: "*/10 7-25 * * 1-5" })).toContain("schedules.s.cron: not a usable cron expression (Invalid value for hour: 24)");
    expect(error({ cron: "every ten minutes" })).toContain("schedules.s.cron: not a usable cron expression");
    expect(error({ cron: "0 0 30 2 *" })).toContain("schedules.s.cron: not a usable cron expression (it never fires");
    expect(error({ cron: "*/10 * * * *", interval_seconds: 0 })).toContain("schedules.s.interval_seconds: Too small");
    expect(error({ cron: "*/7 * * * * *" })).toContain("schedules.s.cron: not a usable cron expression (its times of day fall into 1440 uneven runs");
  });

  test("from_date after to_date, a date not on the calendar, an unknown day", () => {
    expect(error({ cron: "0 12 * * *", from_date: "2026-10-31", to_date: "2026-03-01" })).toContain("schedules.s.to_date: 2026-03-01 is before from_date 2026-10-31");
    expect(error({ start_time: "07:00", end_time: "08:00", interval_seconds: 30, from_date: "2026-02-30" })).toContain("schedules.s.from_date: not a date on the calendar");
    expect(error({ start_time: "07:00", end_time: "08:00", interval_seconds: 30, to_date: "31/10/2026" })).toContain('schedules.s.to_date: use a date "YYYY-MM-DD"');
    expect(error({ offset_minutes: 0, duration_minutes: 30, interval_seconds: 15, anchor: "sunrise", days: ["mon", "tues"] })).toContain(
      'schedules.s.days.1: unknown day "tues": use sun, mon, tue, wed, thu, fri, sat',
    );
  });
});
