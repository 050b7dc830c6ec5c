/**
 * The first system's per-schedule smoothing, run as our ramp: the bound it put
 * on a frame's change becomes the ramp's rate at the schedule's interval, and a
 * smoothed schedule's captures on the edge run that ramp.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedCamera } from "../../edge/camera/simulated";
import { CaptureLog } from "../../edge/capture/log";
import { capture } from "../../edge/capture/service";
import { openEdgeDb } from "../../edge/db/client";
import { ImageStore } from "../../edge/store/images";
import { ManualClock } from "../../shared/clock";
import { ProfileDefinition, RAMP_DEFAULTS } from "../../shared/contracts/profile";
import { Smoothing, type ScheduleRule } from "../../shared/contracts/schedule";
import { compileContent, snapshotOf } from "../../shared/exposure/compile";
import { smoothingRamp } from "../../shared/exposure/smoothing";

const FIRST_SYSTEM = { enabled: true, window_frames: 8, max_change_per_frame: 0.12, iso_weight: 0.7, shutter_weight: 0.3 };

describe("smoothingRamp", () => {
  test("its bound per frame (12 % weighted 0.7) as stops per minute at the interval; off or absent: no ramp", () => {
    const at5s = smoothingRamp(Smoothing.parse(FIRST_SYSTEM), 5)!;
    expect(at5s).toEqual({ ...RAMP_DEFAULTS, max_stops_per_minute: at5s.max_stops_per_minute });
    expect(at5s.max_stops_per_minute).toBeCloseTo(Math.log2(1.084) * 12, 9);
    expect(smoothingRamp(Smoothing.parse(FIRST_SYSTEM), 60)!.max_stops_per_minute).toBeCloseTo(Math.log2(1.084), 9);
    expect(smoothingRamp(Smoothing.parse({ ...FIRST_SYSTEM, enabled: false }), 5)).toBeNull();
    expect(smoothingRamp(undefined, 5)).toBeNull();
  });

  test("the schedule form takes the first system's block, its defaults, and refuses what it could not mean", () => {
    expect(Smoothing.parse({})).toEqual(FIRST_SYSTEM);
    expect(Smoothing.safeParse({ ...FIRST_SYSTEM, max_change_per_frame: 0 }).success).toBe(false);
    expect(Smoothing.safeParse({ ...FIRST_SYSTEM, iso_weight: 2 }).success).toBe(false);
    expect(Smoothing.safeParse({ ...FIRST_SYSTEM, speed: 1 }).success).toBe(false);
  });
});

describe("a smoothed schedule on the edge", () => {
  test("runs the ramp for a profile without one: each frame's exposure moves at most the smoothed rate from the last", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skylapse-smoothing-"));
    const snapshot = snapshotOf(compileContent("a", ProfileDefinition.parse({})), "1.0.0");
    const rule = { type: "solar_relative", anchor: "sunset", offset_minutes: -30, duration_minutes: 60, interval_seconds: 5, enabled: true, smoothing: Smoothing.parse(FIRST_SYSTEM) } as ScheduleRule;
    const clock = new ManualClock(Date.parse("2026-06-21T19:00:00Z"));
    const { db } = openEdgeDb(join(dir, "agent.sqlite"));
    const deps = {
      driver: new SimulatedCamera({ seed: 5, width: 160, height: 90, position: () => ({ latitude: 46.5, longitude: 7.5 }) }),
      images: new ImageStore(join(dir, "images")),
      log: new CaptureLog(db),
      desired: { snapshot: () => snapshot, timezone: () => "UTC", rule: (name: string) => (name === "sunset" ? rule : null) },
      clock,
      bootId: "boot",
      clockTrusted: () => true,
    };
    const exposure = (r: { settings: { shutter_us: number | null; iso: number | null } | null }) => r.settings!.shutter_us! * r.settings!.iso!;
    const first = (await capture(deps, { at: clock.now(), schedule: "sunset", profile: "a", interval_seconds: 5 }, { snapshot })).record;
    expect(first.settings!.shutter_us).not.toBeNull();
    // The next frame runs the ramp from the first (its previous exposure), within the smoothed rate.
    clock.advance(5_000);
    const second = (await capture(deps, { at: clock.now(), schedule: "sunset", profile: "a", interval_seconds: 5 }, { snapshot })).record;
    expect(Math.abs(Math.log2(exposure(second) / exposure(first)))).toBeLessThan(0.2);
    // The same profile under a schedule that does not smooth stays on the camera's auto exposure.
    const plain = (await capture(deps, { at: clock.now() + 1_000, schedule: "daytime", profile: "a", interval_seconds: 5 }, { snapshot })).record;
    expect(plain.settings!.shutter_us).toBeNull();
  });
});
