import { describe, expect, test } from "bun:test";
import * as SunCalc from "suncalc";
import { CapturePlan, type GeoPosition, type PlanWindow } from "../../shared/contracts/plan";
import type { IntervalScheduleRule, ScheduleRule } from "../../shared/contracts/schedule";
import { localDateOf, localToUtc, offsetAt, startOfLocalDay } from "../../shared/plan/local-time";
import { computePlan, planRange, planWindows, windowOn } from "../../shared/plan/windows";

const HOUR = 3_600_000;
const MINUTE = 60_000;

const DENVER: GeoPosition = { latitude: 39.609573, longitude: -105.314163, timezone: "America/Denver" };
const TROMSO: GeoPosition = { latitude: 69.6492, longitude: 18.9553, timezone: "Europe/Oslo" };
const LONGYEARBYEN: GeoPosition = { latitude: 78.22, longitude: 15.65, timezone: "Arctic/Longyearbyen" };
const SYDNEY: GeoPosition = { latitude: -33.8688, longitude: 151.2093, timezone: "Australia/Sydney" };
/** Kashgar runs on Beijing time, ~3 h ahead of its solar time. */
const KASHGAR: GeoPosition = { latitude: 39.47, longitude: 75.99, timezone: "Asia/Shanghai" };
const AUCKLAND: GeoPosition = { latitude: -36.8485, longitude: 174.7633, timezone: "Pacific/Auckland" };

function solar(anchor: "sunrise" | "sunset", extra: Partial<IntervalScheduleRule> = {}): IntervalScheduleRule {
  return { type: "solar_relative", anchor, offset_minutes: -30, duration_minutes: 60, interval_seconds: 15, enabled: true, ...extra } as IntervalScheduleRule;
}
function timeOfDay(start_time: string, end_time: string, extra: Partial<IntervalScheduleRule> = {}): IntervalScheduleRule {
  return { type: "time_of_day", start_time, end_time, interval_seconds: 30, enabled: true, ...extra } as IntervalScheduleRule;
}

/** The seed's three schedules. */
const SEED_SCHEDULES: Record<string, IntervalScheduleRule> = {
  sunrise: solar("sunrise"),
  daytime: timeOfDay("07:30", "17:45"),
  sunset: solar("sunset"),
};

function plan(position: GeoPosition, schedules: Record<string, ScheduleRule>, from: number, to: number, defaultProfiles = ["p"]) {
  return planWindows({ cameraId: "cam", position, schedules, defaultProfiles, from, to, generatedAt: from });
}

/** Windows for `days` local days starting with the local day that contains `day` (an ISO instant). */
function planDays(position: GeoPosition, schedules: Record<string, ScheduleRule>, day: string, days = 1) {
  const { from, to } = planRange(position.timezone, Date.parse(day), days);
  return plan(position, schedules, from, to);
}

const ms = (iso: string) => Date.parse(iso);
const of = (windows: PlanWindow[], schedule: string) => windows.filter((w) => w.schedule === schedule);

/** Wall-clock "YYYY-MM-DD HH:MM" of an instant in a zone. */
function wall(tz: string, iso: string): string {
  const t = Date.parse(iso);
  const local = new Date(t + offsetAt(tz, t)).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 16)}`;
}

function suncalcEvent(position: GeoPosition, localNoonIso: string, anchor: "sunrise" | "sunset"): number {
  return SunCalc.getTimes(new Date(localNoonIso), position.latitude, position.longitude)[anchor]!.getTime();
}

describe("local time", () => {
  test("offsets of Denver in winter and summer", () => {
    expect(offsetAt("America/Denver", ms("2026-01-15T12:00:00Z"))).toBe(-7 * HOUR);
    expect(offsetAt("America/Denver", ms("2026-07-15T12:00:00Z"))).toBe(-6 * HOUR);
  });

  test("a wall time skipped by spring-forward moves forward by the jump", () => {
    // 2026-03-08 02:00 MST → 03:00 MDT; 02:30 does not exist, it becomes 03:30 MDT.
    expect(localToUtc("America/Denver", { year: 2026, month: 3, day: 8 }, 2, 30)).toBe(ms("2026-03-08T09:30:00Z"));
  });

  test("a wall time that occurs twice at fall-back resolves to the first occurrence", () => {
    // 2026-11-01 01:30 happens at 07:30Z (MDT) and again at 08:30Z (MST).
    expect(localToUtc("America/Denver", { year: 2026, month: 11, day: 1 }, 1, 30)).toBe(ms("2026-11-01T07:30:00Z"));
  });

  test("Sydney (UTC+11 in summer): skipped and repeated wall times", () => {
    // 2026-10-04 02:00 AEST → 03:00 AEDT; 2026-04-05 03:00 AEDT → 02:00 AEST.
    expect(localToUtc("Australia/Sydney", { year: 2026, month: 10, day: 4 }, 2, 30)).toBe(ms("2026-10-03T16:30:00Z"));
    expect(localToUtc("Australia/Sydney", { year: 2026, month: 4, day: 5 }, 2, 30)).toBe(ms("2026-04-04T15:30:00Z"));
  });

  // Zones more than 12 h ahead of UTC (Auckland +13 in summer, Chatham +13:45) need the offset
  // probes a day either side of the wall time, or a skipped time would move backward.
  test("Auckland (UTC+13 in summer): a skipped wall time moves forward", () => {
    // 2026-09-27 02:00 NZST → 03:00 NZDT (14:00Z on the 26th); 02:30 should become 03:30 NZDT = 14:30Z.
    const t = localToUtc("Pacific/Auckland", { year: 2026, month: 9, day: 27 }, 2, 30);
    expect(new Date(t).toISOString()).toBe("2026-09-26T14:30:00.000Z");
  });

  test("Auckland (UTC+13 in summer): a repeated wall time resolves to the first occurrence", () => {
    // 2026-04-05 03:00 NZDT → 02:00 NZST (14:00Z on the 4th); 02:30 NZDT is 13:30Z, 02:30 NZST is 14:30Z.
    const t = localToUtc("Pacific/Auckland", { year: 2026, month: 4, day: 5 }, 2, 30);
    expect(new Date(t).toISOString()).toBe("2026-04-04T13:30:00.000Z");
  });

  test("startOfLocalDay finds local midnight, also on DST days", () => {
    expect(startOfLocalDay("America/Denver", ms("2026-03-08T20:00:00Z"))).toBe(ms("2026-03-08T07:00:00Z"));
    expect(startOfLocalDay("America/Denver", ms("2026-11-01T20:00:00Z"))).toBe(ms("2026-11-01T06:00:00Z"));
    // 05:00Z on 2026-03-08 is still 22:00 on the 7th in Denver.
    expect(startOfLocalDay("America/Denver", ms("2026-03-08T05:00:00Z"))).toBe(ms("2026-03-07T07:00:00Z"));
  });
});

describe("planRange", () => {
  test("starts at local midnight of the day containing now and spans whole local days", () => {
    // 2026-06-10T03:00Z is 21:00 on June 9 in Denver.
    const { from, to } = planRange("America/Denver", ms("2026-06-10T03:00:00Z"), 7);
    expect(new Date(from).toISOString()).toBe("2026-06-09T06:00:00.000Z");
    expect(to - from).toBe(168 * HOUR);
  });

  test("7 local days across spring-forward are 167 h", () => {
    const { from, to } = planRange("America/Denver", ms("2026-03-05T18:00:00Z"), 7);
    expect(new Date(from).toISOString()).toBe("2026-03-05T07:00:00.000Z");
    expect(new Date(to).toISOString()).toBe("2026-03-12T06:00:00.000Z");
    expect(to - from).toBe(167 * HOUR);
  });

  test("7 local days across fall-back are 169 h", () => {
    const { from, to } = planRange("America/Denver", ms("2026-10-29T18:00:00Z"), 7);
    expect(new Date(from).toISOString()).toBe("2026-10-29T06:00:00.000Z");
    expect(new Date(to).toISOString()).toBe("2026-11-05T07:00:00.000Z");
    expect(to - from).toBe(169 * HOUR);
  });
});

describe("solar windows", () => {
  test("Denver midsummer sunrise/sunset windows: offset −30 min, 60 min long, at suncalc's times", () => {
    const windows = planDays(DENVER, SEED_SCHEDULES, "2026-06-21T18:00:00Z");
    const [rise] = of(windows, "sunrise");
    const [set] = of(windows, "sunset");
    const sunrise = suncalcEvent(DENVER, "2026-06-21T18:00:00Z", "sunrise");
    const sunset = suncalcEvent(DENVER, "2026-06-21T18:00:00Z", "sunset");
    expect(Math.abs(ms(rise!.start) - (sunrise - 30 * MINUTE))).toBeLessThanOrEqual(2 * MINUTE);
    expect(Math.abs(ms(set!.start) - (sunset - 30 * MINUTE))).toBeLessThanOrEqual(2 * MINUTE);
    expect(ms(rise!.end) - ms(rise!.start)).toBe(60 * MINUTE);
    expect(ms(set!.end) - ms(set!.start)).toBe(60 * MINUTE);
    // Sunrise at Evergreen, CO on the solstice is about 05:33 MDT, sunset about 20:32 MDT.
    expect(Math.abs(ms(rise!.start) - ms("2026-06-21T11:03:00Z"))).toBeLessThanOrEqual(3 * MINUTE);
    expect(Math.abs(ms(set!.start) - ms("2026-06-22T02:02:00Z"))).toBeLessThanOrEqual(3 * MINUTE);
    expect(rise!.interval_seconds).toBe(15);
  });

  test("a positive offset shifts the window after the event", () => {
    const rule = solar("sunset", { offset_minutes: 15, duration_minutes: 45 });
    const w = windowOn(rule, DENVER, { year: 2026, month: 1, day: 15 })!;
    const sunset = suncalcEvent(DENVER, "2026-01-15T19:00:00Z", "sunset");
    expect(w.start).toBe(sunset + 15 * MINUTE);
    expect(w.end).toBe(sunset + 60 * MINUTE);
  });

  test("on DST days the solar windows still follow the sun (one per local day, no jump of an hour)", () => {
    for (const day of ["2026-03-08T19:00:00Z", "2026-11-01T19:00:00Z"]) {
      const windows = planDays(DENVER, SEED_SCHEDULES, day);
      const [rise] = of(windows, "sunrise");
      expect(of(windows, "sunrise")).toHaveLength(1);
      expect(Math.abs(ms(rise!.start) - (suncalcEvent(DENVER, day, "sunrise") - 30 * MINUTE))).toBeLessThanOrEqual(2 * MINUTE);
    }
  });

  test("Sydney: windows fall on the right local day although they start the previous UTC day", () => {
    const windows = planDays(SYDNEY, SEED_SCHEDULES, "2026-01-10T02:00:00Z");
    const [rise] = of(windows, "sunrise");
    const [set] = of(windows, "sunset");
    const [day] = of(windows, "daytime");
    // Sunrise in Sydney on 10 January is about 05:55 AEDT (18:55Z on the 9th).
    expect(wall("Australia/Sydney", rise!.start).slice(0, 10)).toBe("2026-01-10");
    expect(Math.abs(ms(rise!.start) - ms("2026-01-09T18:25:00Z"))).toBeLessThanOrEqual(3 * MINUTE);
    expect(wall("Australia/Sydney", set!.start).slice(0, 10)).toBe("2026-01-10");
    expect(Math.abs(ms(set!.start) - (suncalcEvent(SYDNEY, "2026-01-10T01:00:00Z", "sunset") - 30 * MINUTE))).toBeLessThanOrEqual(2 * MINUTE);
    expect(day!.start).toBe("2026-01-09T20:30:00.000Z");
    expect(day!.end).toBe("2026-01-10T06:45:00.000Z");
  });

  test("a zone far from its meridian (Kashgar on Beijing time): late sunset stays on its local day", () => {
    const windows = planDays(KASHGAR, SEED_SCHEDULES, "2026-06-21T04:00:00Z", 3);
    expect(of(windows, "sunrise")).toHaveLength(3);
    expect(of(windows, "sunset")).toHaveLength(3);
    const [set] = of(windows, "sunset");
    // Sun sets about 22:26 Beijing time; the window starts 30 min before.
    expect(wall("Asia/Shanghai", set!.start).slice(0, 10)).toBe("2026-06-21");
    expect(Math.abs(ms(set!.start) - ms("2026-06-21T13:56:00Z"))).toBeLessThanOrEqual(3 * MINUTE);
  });
});

describe("time-of-day windows", () => {
  test("07:30–17:45 local in summer (MDT) and winter (MST)", () => {
    const summer = windowOn(timeOfDay("07:30", "17:45"), DENVER, { year: 2026, month: 6, day: 21 })!;
    expect(new Date(summer.start).toISOString()).toBe("2026-06-21T13:30:00.000Z");
    expect(new Date(summer.end).toISOString()).toBe("2026-06-21T23:45:00.000Z");
    const winter = windowOn(timeOfDay("07:30", "17:45"), DENVER, { year: 2026, month: 1, day: 15 })!;
    expect(new Date(winter.start).toISOString()).toBe("2026-01-15T14:30:00.000Z");
    expect(new Date(winter.end).toISOString()).toBe("2026-01-16T00:45:00.000Z");
  });

  test("fixed windows keep their local wall time across spring-forward and fall-back", () => {
    const spring = of(planDays(DENVER, SEED_SCHEDULES, "2026-03-06T19:00:00Z", 5), "daytime");
    const fall = of(planDays(DENVER, SEED_SCHEDULES, "2026-10-30T19:00:00Z", 5), "daytime");
    for (const w of [...spring, ...fall]) {
      expect(wall("America/Denver", w.start).slice(11)).toBe("07:30");
      expect(wall("America/Denver", w.end).slice(11)).toBe("17:45");
    }
    expect(spring.map((w) => w.start)).toEqual([
      "2026-03-06T14:30:00.000Z",
      "2026-03-07T14:30:00.000Z",
      "2026-03-08T13:30:00.000Z",
      "2026-03-09T13:30:00.000Z",
      "2026-03-10T13:30:00.000Z",
    ]);
    expect(fall.map((w) => w.start)).toEqual([
      "2026-10-30T13:30:00.000Z",
      "2026-10-31T13:30:00.000Z",
      "2026-11-01T14:30:00.000Z",
      "2026-11-02T14:30:00.000Z",
      "2026-11-03T14:30:00.000Z",
    ]);
  });

  test("a window starting in the spring-forward gap (02:30) starts at 03:30 MDT", () => {
    const windows = planDays(DENVER, { early: timeOfDay("02:30", "05:00") }, "2026-03-08T19:00:00Z");
    expect(windows).toHaveLength(1);
    expect(windows[0]!.start).toBe("2026-03-08T09:30:00.000Z");
    expect(wall("America/Denver", windows[0]!.start)).toBe("2026-03-08 03:30");
    expect(windows[0]!.end).toBe("2026-03-08T11:00:00.000Z");
  });

  test("a window crossing midnight (22:00–02:00) gives one window per local day, no duplicates or gaps", () => {
    const { from, to } = planRange("America/Denver", ms("2026-06-01T18:00:00Z"), 4);
    const windows = plan(DENVER, { night: timeOfDay("22:00", "02:00") }, from, to);
    // The previous evening's window is clipped to from (00:00–02:00), the last one to `to` (22:00–24:00).
    expect(windows.map((w) => [wall("America/Denver", w.start), wall("America/Denver", w.end)])).toEqual([
      ["2026-06-01 00:00", "2026-06-01 02:00"],
      ["2026-06-01 22:00", "2026-06-02 02:00"],
      ["2026-06-02 22:00", "2026-06-03 02:00"],
      ["2026-06-03 22:00", "2026-06-04 02:00"],
      ["2026-06-04 22:00", "2026-06-05 00:00"],
    ]);
    for (let i = 1; i < windows.length; i++) expect(ms(windows[i]!.start)).toBeGreaterThanOrEqual(ms(windows[i - 1]!.end));
    const covered = windows.reduce((sum, w) => sum + ms(w.end) - ms(w.start), 0);
    expect(covered).toBe(4 * 4 * HOUR);
  });

  test("a midnight-crossing window whose end falls in the spring-forward gap ends at 03:00 MDT", () => {
    const { from, to } = planRange("America/Denver", ms("2026-03-07T18:00:00Z"), 2);
    const windows = plan(DENVER, { night: timeOfDay("22:00", "02:00") }, from, to);
    const overnight = windows.find((w) => w.start === "2026-03-08T05:00:00.000Z")!;
    expect(overnight.end).toBe("2026-03-08T09:00:00.000Z");
    expect(windows.filter((w) => w.start === overnight.start)).toHaveLength(1);
  });
});

describe("a 7-day plan across DST", () => {
  for (const [label, now] of [
    ["spring-forward", "2026-03-05T18:00:00Z"],
    ["fall-back", "2026-10-29T18:00:00Z"],
  ] as const) {
    test(`${label}: exactly one window per schedule and local day`, () => {
      const windows = planDays(DENVER, SEED_SCHEDULES, now, 7);
      for (const name of Object.keys(SEED_SCHEDULES)) {
        const days = of(windows, name).map((w) => wall("America/Denver", w.start).slice(0, 10));
        expect(days).toHaveLength(7);
        expect(new Set(days).size).toBe(7);
      }
      const sorted = [...windows].sort((a, b) => ms(a.start) - ms(b.start));
      expect(windows.map((w) => w.start)).toEqual(sorted.map((w) => w.start));
    });
  }
});

describe("polar regions", () => {
  test("Tromsø in polar night: no solar windows, no crash, time-of-day windows still present", () => {
    const windows = planDays(TROMSO, SEED_SCHEDULES, "2026-12-15T11:00:00Z", 3);
    expect(of(windows, "sunrise")).toEqual([]);
    expect(of(windows, "sunset")).toEqual([]);
    expect(of(windows, "daytime").map((w) => w.start)).toEqual([
      "2026-12-15T06:30:00.000Z",
      "2026-12-16T06:30:00.000Z",
      "2026-12-17T06:30:00.000Z",
    ]);
    expect(windowOn(SEED_SCHEDULES.sunrise!, TROMSO, { year: 2026, month: 12, day: 15 })).toBeNull();
  });

  test("Tromsø in midnight sun: no solar windows, time-of-day windows still present", () => {
    const windows = planDays(TROMSO, SEED_SCHEDULES, "2026-06-15T11:00:00Z", 3);
    expect(windows.map((w) => w.schedule)).toEqual(["daytime", "daytime", "daytime"]);
    expect(windows[0]!.start).toBe("2026-06-15T05:30:00.000Z");
  });

  test("Tromsø entering polar night: sunrise windows stop, nothing breaks", () => {
    const windows = planDays(TROMSO, SEED_SCHEDULES, "2026-11-20T11:00:00Z", 14);
    const rises = of(windows, "sunrise");
    expect(rises.length).toBeGreaterThan(0);
    expect(rises.length).toBeLessThan(14);
    expect(of(windows, "daytime")).toHaveLength(14);
    // The sun is still up on 20 November (rises ~09:59 local).
    expect(wall("Europe/Oslo", rises[0]!.start).slice(0, 10)).toBe("2026-11-20");
    expect(of(windows, "sunrise").every((w) => !Number.isNaN(ms(w.start)))).toBe(true);
  });

  test("Longyearbyen: polar night and midnight sun give no solar windows; equinox gives normal ones", () => {
    for (const day of ["2026-12-21T11:00:00Z", "2026-06-21T11:00:00Z"]) {
      const windows = planDays(LONGYEARBYEN, SEED_SCHEDULES, day, 2);
      expect(windows.map((w) => w.schedule)).toEqual(["daytime", "daytime"]);
    }
    const march = planDays(LONGYEARBYEN, SEED_SCHEDULES, "2026-03-15T11:00:00Z");
    const [rise] = of(march, "sunrise");
    expect(Math.abs(ms(rise!.start) - (suncalcEvent(LONGYEARBYEN, "2026-03-15T11:00:00Z", "sunrise") - 30 * MINUTE))).toBeLessThanOrEqual(
      2 * MINUTE,
    );
  });
});

describe("planWindows bookkeeping", () => {
  const day = planRange("America/Denver", ms("2026-06-21T18:00:00Z"), 1);

  test("disabled schedules produce no windows", () => {
    const windows = plan(DENVER, { ...SEED_SCHEDULES, sunset: solar("sunset", { enabled: false }) }, day.from, day.to);
    expect(windows.map((w) => w.schedule)).toEqual(["sunrise", "daytime"]);
  });

  test("windows are clipped to [from, to) and those outside are dropped", () => {
    const from = ms("2026-06-21T15:00:00Z"); // inside daytime
    const to = ms("2026-06-21T20:00:00Z"); // inside daytime, before sunset
    const windows = plan(DENVER, SEED_SCHEDULES, from, to);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ schedule: "daytime", start: "2026-06-21T15:00:00.000Z", end: "2026-06-21T20:00:00.000Z" });
    // A range that ends exactly where a window starts does not include it.
    expect(plan(DENVER, { daytime: SEED_SCHEDULES.daytime! }, day.from, ms("2026-06-21T13:30:00Z"))).toEqual([]);
  });

  test("a schedule's own profiles win over the camera's default profiles", () => {
    const windows = plan(
      DENVER,
      { sunrise: solar("sunrise", { profiles: ["a", "b", "c"] }), daytime: SEED_SCHEDULES.daytime! },
      day.from,
      day.to,
      ["f"],
    );
    expect(of(windows, "sunrise")[0]!.profiles).toEqual(["a", "b", "c"]);
    expect(of(windows, "daytime")[0]!.profiles).toEqual(["f"]);
  });

  test("without any profile a window is left out", () => {
    const windows = plan(DENVER, { sunrise: solar("sunrise", { profiles: ["a"] }), daytime: SEED_SCHEDULES.daytime! }, day.from, day.to, []);
    expect(windows.map((w) => w.schedule)).toEqual(["sunrise"]);
  });

  test("computePlan gives a valid CapturePlan", () => {
    const p = computePlan({
      cameraId: "mountain_view",
      position: DENVER,
      schedules: SEED_SCHEDULES,
      defaultProfiles: ["f"],
      from: day.from,
      to: day.to,
      generatedAt: ms("2026-06-20T12:00:00Z"),
      extrapolated: true,
    });
    expect(CapturePlan.safeParse(p).success).toBe(true);
    expect(p.from).toBe("2026-06-21T06:00:00.000Z");
    expect(p.to).toBe("2026-06-22T06:00:00.000Z");
    expect(p.generated_at).toBe("2026-06-20T12:00:00.000Z");
    expect(p.windows).toHaveLength(3);
    expect(p.windows.every((w) => w.extrapolated)).toBe(true);
  });

  test("local dates of the window starts are consecutive for a multi-day range", () => {
    const windows = of(planDays(DENVER, SEED_SCHEDULES, "2026-12-29T18:00:00Z", 5), "sunrise");
    const dates = windows.map((w) => localDateOf("America/Denver", ms(w.start)));
    expect(dates.map((d) => `${d.year}-${d.month}-${d.day}`)).toEqual(["2026-12-29", "2026-12-30", "2026-12-31", "2027-1-1", "2027-1-2"]);
  });
});

describe("Auckland plan across its spring-forward", () => {
  // A time-of-day window starting in the DST gap (02:30 on 2026-09-27) moves forward, never back.
  test("a 02:30 start on the spring-forward day is planned at 03:30 NZDT", () => {
    const windows = planDays(AUCKLAND, { early: timeOfDay("02:30", "05:00") }, "2026-09-27T00:00:00Z");
    expect(windows).toHaveLength(1);
    expect(wall("Pacific/Auckland", windows[0]!.start)).toBe("2026-09-27 03:30");
  });
});

describe("the first system's other solar anchors", () => {
  const rule = (anchor: string): IntervalScheduleRule => ({ type: "solar_relative", anchor, offset_minutes: 0, duration_minutes: 30, interval_seconds: 60, enabled: true }) as IntervalScheduleRule;
  const day = { year: 2026, month: 3, day: 20 };
  const times = SunCalc.getTimes(new Date(localToUtc(DENVER.timezone, day, 12, 0)), DENVER.latitude, DENVER.longitude);

  test("each anchor hangs its window from its own event, in the order the sky goes through them", () => {
    const starts = ["astronomical_dawn", "nautical_dawn", "civil_dawn", "sunrise", "noon", "sunset", "civil_dusk", "nautical_dusk", "astronomical_dusk"].map(
      (a) => windowOn(rule(a), DENVER, day)!.start,
    );
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(windowOn(rule("civil_dawn"), DENVER, day)!.start).toBe(times.dawn!.getTime());
    expect(windowOn(rule("noon"), DENVER, day)!.start).toBe(times.solarNoon.getTime());
    expect(windowOn(rule("astronomical_dusk"), DENVER, day)!.start).toBe(times.night!.getTime());
  });

  test("a twilight that never comes (no astronomical night in a Tromsø June) has no window, not an error", () => {
    expect(windowOn(rule("astronomical_dusk"), TROMSO, { year: 2026, month: 6, day: 21 })).toBeNull();
    expect(windowOn(rule("noon"), TROMSO, { year: 2026, month: 6, day: 21 })).not.toBeNull();
  });
});
