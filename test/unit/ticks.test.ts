import { describe, expect, test } from "bun:test";
import type { PlanWindow } from "../../shared/contracts/plan";
import { firstGridPoint, nextTicks, plannedTicks } from "../../shared/plan/ticks";

const S = 1000;
/** A grid-aligned instant (a multiple of 60 s): 2026-06-21T11:00:00Z. */
const T0 = Date.parse("2026-06-21T11:00:00Z");

function win(schedule: string, start: number, end: number, interval_seconds: number, profiles = ["p"]): PlanWindow {
  return {
    schedule,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    interval_seconds,
    profiles,
    extrapolated: false,
  };
}

const offsets = (ticks: { at: number }[]) => ticks.map((t) => (t.at - T0) / S);

describe("firstGridPoint", () => {
  test("rounds up to the next multiple of the interval since the epoch", () => {
    expect(firstGridPoint(T0, 15)).toBe(T0);
    expect(firstGridPoint(T0 + 1, 15)).toBe(T0 + 15 * S);
    expect(firstGridPoint(T0 + 14_999, 15)).toBe(T0 + 15 * S);
    expect(firstGridPoint(T0 + 15 * S, 15)).toBe(T0 + 15 * S);
    expect(firstGridPoint(Date.parse("2026-06-21T11:03:55.364Z"), 15)).toBe(Date.parse("2026-06-21T11:04:00Z"));
  });

  test("every grid point is a multiple of the interval", () => {
    for (const interval of [7, 15, 30, 45, 3600]) {
      expect(firstGridPoint(T0 + 1234, interval) % (interval * S)).toBe(0);
    }
  });
});

describe("plannedTicks", () => {
  test("ticks are the grid points in [start, end): the end itself is excluded", () => {
    const ticks = plannedTicks([win("sunrise", T0, T0 + 60 * S, 15)], T0 - 3600 * S, T0 + 3600 * S);
    expect(offsets(ticks)).toEqual([0, 15, 30, 45]);
    expect(ticks[0]).toEqual({ at: T0, schedule: "sunrise", profile: "p", interval_seconds: 15 });
  });

  test("a window that starts off the grid begins at the next grid point", () => {
    const ticks = plannedTicks([win("sunrise", T0 + 3_210, T0 + 60 * S, 15)], 0, Infinity);
    expect(offsets(ticks)).toEqual([15, 30, 45]);
  });

  test("two windows starting seconds apart (two ridges) share their tick instants", () => {
    const ridgeA = plannedTicks([win("sunrise", Date.parse("2026-06-21T11:03:55.364Z"), Date.parse("2026-06-21T12:03:55.364Z"), 15)], 0, Infinity);
    const ridgeB = plannedTicks([win("sunrise", Date.parse("2026-06-21T11:04:07.900Z"), Date.parse("2026-06-21T12:04:07.900Z"), 15)], 0, Infinity);
    expect(ridgeA[0]!.at).toBe(Date.parse("2026-06-21T11:04:00Z"));
    expect(ridgeB[0]!.at).toBe(Date.parse("2026-06-21T11:04:15Z"));
    const a = new Set(ridgeA.map((t) => t.at));
    const shared = ridgeB.filter((t) => a.has(t.at));
    // All but B's last tick (12:04:00, after A's window closed at 12:03:55) coincide with A's.
    expect(shared.length).toBe(ridgeB.length - 1);
    expect(ridgeA.every((t) => t.at % (15 * S) === 0)).toBe(true);
  });

  test("the [from, to) range clips the ticks, half-open", () => {
    const w = win("daytime", T0, T0 + 600 * S, 30);
    expect(offsets(plannedTicks([w], T0 + 60 * S, T0 + 150 * S))).toEqual([60, 90, 120]);
    expect(offsets(plannedTicks([w], T0 + 61 * S, T0 + 151 * S))).toEqual([90, 120, 150]);
    expect(plannedTicks([w], T0 + 600 * S, T0 + 900 * S)).toEqual([]);
  });

  test("a burst of several profiles gives one tick per profile per instant, in profile order", () => {
    const ticks = plannedTicks([win("sunrise", T0, T0 + 30 * S, 15, ["c", "a", "b"])], 0, Infinity);
    expect(ticks.map((t) => [(t.at - T0) / S, t.profile])).toEqual([
      [0, "a"],
      [0, "b"],
      [0, "c"],
      [15, "a"],
      [15, "b"],
      [15, "c"],
    ]);
  });

  test("overlapping windows: one tick per instant and profile, the denser schedule wins", () => {
    const daytime = win("daytime", T0, T0 + 120 * S, 30);
    const sunrise = win("sunrise", T0 + 30 * S, T0 + 90 * S, 15);
    for (const windows of [
      [daytime, sunrise],
      [sunrise, daytime],
    ]) {
      const ticks = plannedTicks(windows, 0, Infinity);
      expect(ticks.map((t) => [(t.at - T0) / S, t.schedule])).toEqual([
        [0, "daytime"],
        [30, "sunrise"],
        [45, "sunrise"],
        [60, "sunrise"],
        [75, "sunrise"],
        [90, "daytime"],
      ]);
      expect(ticks.find((t) => t.at === T0 + 30 * S)!.interval_seconds).toBe(15);
    }
  });

  test("overlapping windows with different profiles keep both profiles at shared instants", () => {
    const a = win("daytime", T0, T0 + 60 * S, 30, ["a"]);
    const b = win("sunrise", T0, T0 + 60 * S, 15, ["a", "b"]);
    const ticks = plannedTicks([a, b], 0, Infinity);
    expect(ticks.filter((t) => t.at === T0).map((t) => `${t.schedule}/${t.profile}`)).toEqual(["sunrise/a", "sunrise/b"]);
    expect(ticks).toHaveLength(8);
    expect(new Set(ticks.map((t) => `${t.at}|${t.profile}`)).size).toBe(ticks.length);
  });

  test("ticks come out in time order across windows given in any order", () => {
    const windows = [win("sunset", T0 + 3600 * S, T0 + 3660 * S, 15), win("sunrise", T0, T0 + 60 * S, 15)];
    const ticks = plannedTicks(windows, 0, Infinity);
    expect(offsets(ticks)).toEqual([0, 15, 30, 45, 3600, 3615, 3630, 3645]);
  });
});

describe("nextTicks", () => {
  const windows = [
    win("sunrise", T0, T0 + 60 * S, 15, ["a", "b"]),
    win("daytime", T0 + 45 * S, T0 + 240 * S, 30, ["a"]),
  ];

  test("before the plan starts: the first instant, all of its profiles", () => {
    const next = nextTicks(windows, T0 - 3600 * S);
    expect(next.map((t) => [t.at, t.schedule, t.profile])).toEqual([
      [T0, "sunrise", "a"],
      [T0, "sunrise", "b"],
    ]);
  });

  test("strictly after `after`: a tick exactly at `after` is not repeated", () => {
    expect(offsets(nextTicks(windows, T0))).toEqual([15, 15]);
    expect(offsets(nextTicks(windows, T0 + 14_999))).toEqual([15, 15]);
  });

  test("in an overlap the denser schedule's ticks are returned, once per profile", () => {
    const next = nextTicks(windows, T0 + 40 * S);
    expect(next.map((t) => [(t.at - T0) / S, t.schedule, t.profile])).toEqual([
      [45, "sunrise", "a"],
      [45, "sunrise", "b"],
    ]);
  });

  test("after a window closes it moves on to the next window's grid", () => {
    const next = nextTicks(windows, T0 + 45 * S);
    expect(next.map((t) => [(t.at - T0) / S, t.schedule, t.profile])).toEqual([[60, "daytime", "a"]]);
  });

  test("returns [] once the plan has ended", () => {
    expect(offsets(nextTicks(windows, T0 + 200 * S))).toEqual([210]);
    expect(nextTicks(windows, T0 + 210 * S)).toEqual([]);
    expect(nextTicks(windows, T0 + 240 * S)).toEqual([]);
    expect(nextTicks([], T0)).toEqual([]);
  });
});
