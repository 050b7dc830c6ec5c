/** The plan in force over time (hub/plans/history): pure, no database. */
import { describe, expect, test } from "bun:test";
import { type PlanContent, type PlanRevision, spansInForce, windowsInForce } from "../../hub/plans/history";
import { plannedTicks } from "../../shared/plan/ticks";

const T = (hhmm: string, day = 24) => Date.parse(`2026-11-${day}T${hhmm}:00Z`);
const rules = (interval = 15): PlanContent["rules"] => ({ sunrise: { type: "time_of_day", start_time: "06:30", end_time: "06:35", interval_seconds: interval, enabled: true } });
const content = (defaultProfiles = ["f"], interval = 15): PlanContent => ({ position: { latitude: 46.5, longitude: 7.5, timezone: "Etc/GMT+7" }, rules: rules(interval), defaultProfiles });
const revision = (n: number, at: number, c: PlanContent): PlanRevision => ({ revision: n, effectiveAt: at, ...c });

describe("spansInForce", () => {
  test("never in contact: nothing before now, the current content from now on", () => {
    expect(spansInForce([], content(), T("14:00"), null)).toEqual([{ from: T("14:00"), to: Infinity, content: content() }]);
  });

  test("each revision until the next, the last until now, then the current content; all cut at retirement", () => {
    const revs = [revision(1, T("12:00"), content()), revision(2, T("13:32"), content(["g"]))];
    expect(spansInForce(revs, content(["h"]), T("15:00"), null).map((s) => [s.from, s.to, s.content.defaultProfiles[0]])).toEqual([
      [T("12:00"), T("13:32"), "f"],
      [T("13:32"), T("15:00"), "g"],
      [T("15:00"), Infinity, "h"],
    ]);
    expect(spansInForce(revs, content(["h"]), T("15:00"), T("13:40")).map((s) => [s.from, s.to])).toEqual([
      [T("12:00"), T("13:32")],
      [T("13:32"), T("13:40")],
    ]);
  });
});

describe("windowsInForce", () => {
  test("a window a revision cut but left unchanged is one window; a profile change mid-window leaves two parts on the same grid", () => {
    const same = spansInForce([revision(1, T("12:00"), content()), revision(2, T("13:32"), { ...content(), position: { ...content().position, latitude: 10 } })], content(), T("15:00"), null);
    expect(windowsInForce("ridge", same, T("13:00"), T("14:00")).map((w) => [w.start, w.end])).toEqual([[new Date(T("13:30")).toISOString(), new Date(T("13:35")).toISOString()]]);

    const changed = spansInForce([revision(1, T("12:00"), content()), revision(2, T("13:32"), content(["g"]))], content(["g"]), T("15:00"), null);
    const windows = windowsInForce("ridge", changed, T("13:00"), T("14:00"));
    expect(windows.map((w) => [w.profiles[0], w.start, w.end])).toEqual([
      ["f", new Date(T("13:30")).toISOString(), new Date(T("13:32")).toISOString()],
      ["g", new Date(T("13:32")).toISOString(), new Date(T("13:35")).toISOString()],
    ]);
    const ticks = plannedTicks(windows, T("13:00"), T("14:00"));
    expect(ticks).toHaveLength(20);
    expect(ticks.filter((t) => t.profile === "f")).toHaveLength(8);
  });

  test("nothing before the first contact; the next days from the content then in force", () => {
    const spans = spansInForce([revision(1, T("13:32"), content())], content(["f"], 10), T("14:00"), null);
    const windows = windowsInForce("ridge", spans, T("00:00"), T("00:00", 26));
    expect(windows.map((w) => [w.start, w.interval_seconds])).toEqual([
      [new Date(T("13:32")).toISOString(), 15],
      [new Date(T("13:30", 25)).toISOString(), 10],
    ]);
  });
});
