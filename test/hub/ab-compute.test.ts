import { describe, expect, test } from "bun:test";
import { pairUp, summarisePairs, testStatus } from "../../hub/ab-tests/compute";
import { configDiff } from "../../hub/config/compute";
import { measurePixels, stopsFromTarget } from "../../shared/image/measures";
import { captureRecord } from "../harness/fixtures";

const T0 = Date.parse("2026-11-24T14:00:00Z");
const withLuma = (seq: number, luma: number, role: "variant" | null) =>
  ({
    ...captureRecord(seq, { test_id: role ? "t" : null, test_role: role, measures: { mean_luma: luma, clipped_highlights_pct: luma > 200 ? 5 : 0, crushed_shadows_pct: 0 } }, seq),
    camera_id: "ridge",
  });

describe("A/B pairs and summary", () => {
  test("each variant pairs with the production capture of its tick; the side nearer mid-grey wins", async () => {
    const productions = [withLuma(1, 90, null), withLuma(2, 100, null), withLuma(3, 80, null)];
    const variants = [withLuma(1, 118, "variant"), withLuma(2, 125, "variant"), withLuma(4, 118, "variant")];
    const pairs = pairUp(variants, productions);
    expect(pairs.length).toBe(2);
    expect(pairs[0]!.variant_minus_baseline_stops).toBeCloseTo(Math.log2(118 / 90), 2);
    const summary = summarisePairs(pairs);
    expect(summary.closer).toBe("variant");
    expect(summary.baseline.mean_abs_stops_from_target).toBeCloseTo((Math.abs(stopsFromTarget(90)) + Math.abs(stopsFromTarget(100))) / 2, 2);
    expect(summary.by_stops).toBeGreaterThan(0.2);
    expect(summarisePairs([]).closer).toBeNull();
  });

  test("status: pending, running, done by pairs or by time, cancelled", async () => {
    const row = { id: "t", cameraIds: ["a", "b"], pairs: 2, untilAt: T0 + 3_600_000, fromAt: T0, cancelledAt: null };
    expect(testStatus(row, new Map(), T0 - 1)).toBe("pending");
    expect(testStatus(row, new Map([["a", 2]]), T0 + 1)).toBe("running");
    expect(testStatus(row, new Map([["a", 2], ["b", 2]]), T0 + 1)).toBe("done");
    expect(testStatus(row, new Map(), T0 + 3_600_000)).toBe("done");
    expect(testStatus({ ...row, cancelledAt: T0 }, new Map(), T0)).toBe("cancelled");
  });

  test("measures: mean luma, clipped highlights, crushed shadows", async () => {
    const px = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 255, 128, 128, 128, 255, 128, 128, 128, 255]);
    expect(measurePixels(px, 2, 2)).toEqual({ mean_luma: 127.75, clipped_highlights_pct: 25, crushed_shadows_pct: 25 });
  });
});

describe("config diff", () => {
  const base = { location: { latitude: 1, longitude: 2, timezone: "UTC" }, schedules: { a: { x: 1 } }, cameras: { c: { schedules: ["a"], deployed_profile: "f" } }, profiles: {}, sync: { poll_interval_seconds: 60 } };
  test("equal configs differ in nothing, whatever the key order", async () => {
    expect(configDiff(base, JSON.parse(JSON.stringify({ sync: base.sync, profiles: {}, cameras: base.cameras, schedules: base.schedules, location: base.location })), true)).toEqual({ changes: [], kept: [] });
  });
  test("added, removed (with prune) and changed entries, field by field", async () => {
    const next = { ...base, schedules: { b: { x: 2 } }, cameras: { c: { schedules: ["a"], deployed_profile: "g" } } };
    expect(configDiff(base, next, true)).toEqual({
      changes: [
        { path: "schedules.a", action: "remove", from: { x: 1 } },
        { path: "schedules.b", action: "add", to: { x: 2 } },
        { path: "cameras.c.deployed_profile", action: "change", from: "f", to: "g" },
      ],
      kept: [],
    });
  });
  test("without prune, what the file leaves out is kept, not removed", async () => {
    const next = { ...base, schedules: { b: { x: 2 } }, cameras: {} };
    expect(configDiff(base, next, false)).toEqual({ changes: [{ path: "schedules.b", action: "add", to: { x: 2 } }], kept: ["schedules.a", "cameras.c"] });
  });
});
