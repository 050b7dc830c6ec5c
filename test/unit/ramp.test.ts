import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sensorScale } from "../../edge/camera/scene";
import { SimulatedCamera } from "../../edge/camera/simulated";
import { CaptureLog } from "../../edge/capture/log";
import { capture, previousExposure } from "../../edge/capture/service";
import { openEdgeDb } from "../../edge/db/client";
import { ImageStore } from "../../edge/store/images";
import { ManualClock } from "../../shared/clock";
import { ProfileDefinition, ProfileSnapshot, RAMP_DEFAULTS, type RampParams } from "../../shared/contracts/profile";
import type { MeterReading } from "../../shared/contracts/settings";
import { compileContent, resolveInheritance, snapshotOf } from "../../shared/exposure/compile";
import { deflickerGains, flickerSteps } from "../../shared/exposure/deflicker";
import {
  dayWeight,
  FEEDBACK_MAX_AGE_MS,
  linearToLuma,
  lumaToLinear,
  MAX_CORRECTION_STOPS,
  maxShutterUs,
  openLoopExposure,
  type RampPrevious,
  rampExposure,
  rampTargetLuma,
} from "../../shared/exposure/ramp";
import { resolveSettings } from "../../shared/exposure/resolve";
import { measureJpeg } from "../../shared/image/measures";

const P: RampParams = { ...RAMP_DEFAULTS };
const T = Date.parse("2026-06-21T19:00:00Z");
const stops = (r: { shutter_us: number; iso: number }) => Math.log2((r.shutter_us * r.iso) / 100);
const def = (partial: Partial<ProfileDefinition>): ProfileDefinition => ({ base: {}, schedule_overrides: {}, ...partial });
const meter = (lux: number): MeterReading => ({ lux, exposure_time_us: 1000, analogue_gain: 1, colour_temperature: 5000 });

/** A previous frame exactly on the open-loop exposure for `lux`, measured at `luma`. */
function previousAt(lux: number, ageMs: number, luma: number | null = rampTargetLuma(P, lux), exposure = openLoopExposure(P, lux, rampTargetLuma(P, lux))): RampPrevious {
  return { exposure_time_us: exposure, analogue_gain: 1, at: T - ageMs, measured_luma: luma, lux };
}

describe("ramp in profiles and snapshots", () => {
  test("`ramp: {}` compiles every default into the snapshot; a profile without one keeps no key", () => {
    const content = compileContent("r", def({ ramp: {} }));
    expect(content.ramp).toEqual({ ...RAMP_DEFAULTS });
    expect(ProfileSnapshot.safeParse(snapshotOf(content, "1.0.0")).success).toBe(true);
    const plain = compileContent("r", def({}));
    expect("ramp" in plain).toBe(false);
    expect(compileContent("r", def({ ramp: null }))).toEqual(plain);
    expect(snapshotOf(content, "1.0.0").checksum).not.toBe(snapshotOf(plain, "1.0.0").checksum);
  });

  test("the form validates, and a child's ramp fields win one by one over its parent's", () => {
    expect(ProfileDefinition.safeParse({ ramp: { max_gain: 8, feedback: 0.5 } }).success).toBe(true);
    expect(ProfileDefinition.safeParse({ ramp: { feedback: 1.5 } }).success).toBe(false);
    expect(ProfileDefinition.safeParse({ ramp: { day_lux: 1, night_lux: 10 } }).success).toBe(false);
    expect(ProfileDefinition.safeParse({ ramp: { shutter: 1 } }).success).toBe(false);
    const defs = { a: def({ ramp: { max_gain: 8, night_luma: 60 } }), b: def({ extends: "a", ramp: { max_gain: 4 } }), c: def({ extends: "a", ramp: null }) };
    expect(compileContent("b", resolveInheritance("b", defs)).ramp).toEqual({ ...RAMP_DEFAULTS, max_gain: 4, night_luma: 60 });
    expect(compileContent("c", resolveInheritance("c", defs)).ramp).toBeUndefined();
  });
});

describe("target blending day → night", () => {
  test("day value at and above day_lux, night value at and below night_lux, monotone in between", () => {
    expect(rampTargetLuma(P, 50_000)).toBeCloseTo(P.day_luma, 6);
    expect(rampTargetLuma(P, P.day_lux)).toBeCloseTo(P.day_luma, 6);
    expect(rampTargetLuma(P, P.night_lux)).toBeCloseTo(P.night_luma, 6);
    expect(rampTargetLuma(P, 0.001)).toBeCloseTo(P.night_luma, 6);
    let last = Infinity;
    for (let lux = 2000; lux > 0.7; lux /= 2) {
      const t = rampTargetLuma(P, lux);
      expect(t).toBeLessThan(last);
      expect(t).toBeGreaterThan(P.night_luma);
      last = t;
    }
  });

  test("the blend is linear in scene EV (log lux) and in stops of exposure; night is 1.25 stops below day", () => {
    const mid = Math.sqrt(P.day_lux * P.night_lux);
    expect(dayWeight(P, mid)).toBeCloseTo(0.5, 9);
    const day = Math.log2(lumaToLinear(P.day_luma));
    const night = Math.log2(lumaToLinear(P.night_luma));
    expect(day - night).toBeCloseTo(1.25, 1);
    expect(Math.log2(lumaToLinear(rampTargetLuma(P, mid)))).toBeCloseTo((day + night) / 2, 6);
    expect(linearToLuma(lumaToLinear(97.3))).toBeCloseTo(97.3, 6);
  });
});

describe("rampExposure", () => {
  test("a first frame puts 18 % grey at the target, by the simulated camera's photometric model", () => {
    for (const lux of [40_000, 2000, 30, 0.7]) {
      const r = rampExposure(P, { lux, previous: null, now: T, interval_seconds: 30 });
      const linear = 0.18 * sensorScale(lux, r.shutter_us, r.iso / 100);
      expect(linearToLuma(linear)).toBeCloseTo(r.target_luma, 0);
      expect(r.rate_limited).toBe(false);
      expect(r.correction_stops).toBe(0);
    }
  });

  test("the change per frame is at most max_stops_per_minute × elapsed minutes, either way", () => {
    const from = previousAt(2000, 30_000, null);
    const darker = rampExposure(P, { lux: 20, previous: from, now: T, interval_seconds: 30 });
    const before = Math.log2(from.exposure_time_us);
    expect(stops(darker) - before).toBeCloseTo(0.25, 2);
    expect(darker.rate_limited).toBe(true);
    const brighter = rampExposure(P, { lux: 200_000, previous: from, now: T, interval_seconds: 30 });
    expect(stops(brighter) - before).toBeCloseTo(-0.25, 2);
    const later = rampExposure(P, { lux: 20, previous: { ...from, at: T - 120_000 }, now: T, interval_seconds: 30 });
    expect(stops(later) - before).toBeCloseTo(1, 2);
    const sameInstant = rampExposure(P, { lux: 20, previous: { ...from, at: T }, now: T, interval_seconds: 30 });
    expect(stops(sameInstant)).toBeCloseTo(before, 2);
    // A small change passes unlimited.
    const small = rampExposure(P, { lux: 1900, previous: from, now: T, interval_seconds: 30 });
    expect(small.rate_limited).toBe(false);
    expect(stops(small) - before).toBeCloseTo(Math.log2(2000 / 1900) + Math.log2(lumaToLinear(rampTargetLuma(P, 1900)) / lumaToLinear(rampTargetLuma(P, 2000))), 2);
  });

  test("the shutter lengthens first at gain 1, up to min(max_shutter_us, fraction × interval); then gain rises to max_gain", () => {
    const at = (lux: number, interval = 30, p = P) => rampExposure(p, { lux, previous: null, now: T, interval_seconds: interval });
    const dusk = at(30);
    expect(dusk.iso).toBe(100);
    expect(dusk.shutter_us).toBeLessThan(maxShutterUs(P, 30));
    const night = at(0.3);
    expect(night.shutter_us).toBe(10_000_000); // max_shutter_us below 0.5 × 30 s
    expect(night.iso).toBeGreaterThan(100);
    expect(night.short_stops).toBe(0);
    const shortInterval = at(0.3, 4);
    expect(shortInterval.shutter_us).toBe(2_000_000); // half the 4 s interval
    expect(shortInterval.iso).toBeGreaterThan(night.iso);
    const dark = at(0.001);
    expect(dark.shutter_us).toBe(10_000_000);
    expect(dark.iso).toBe(1600);
    expect(dark.short_stops).toBeGreaterThan(3);
    const lowGain = at(0.001, 30, { ...P, max_gain: 4 });
    expect(lowGain.iso).toBe(400);
  });

  test("clamped: never under 10 µs or ISO 100, never above the caps, whatever the lux", () => {
    for (const lux of [1e7, 1e5, 1, 1e-6, 0]) {
      const r = rampExposure(P, { lux, previous: null, now: T, interval_seconds: 10 });
      expect(r.shutter_us).toBeGreaterThanOrEqual(10);
      expect(r.shutter_us).toBeLessThanOrEqual(5_000_000);
      expect(r.iso).toBeGreaterThanOrEqual(100);
      expect(r.iso).toBeLessThanOrEqual(1600);
      expect(Number.isInteger(r.shutter_us) && Number.isInteger(r.iso)).toBe(true);
    }
    expect(rampExposure(P, { lux: 1e7, previous: null, now: T, interval_seconds: 10 })).toMatchObject({ shutter_us: 10, iso: 100 });
  });

  test("feedback: a previous frame that came out too bright darkens this one, too dark brightens it, in proportion", () => {
    const lux = 1000;
    const open = stops(rampExposure(P, { lux, previous: null, now: T, interval_seconds: 30 }));
    const target = rampTargetLuma(P, lux);
    const bright = rampExposure(P, { lux, previous: previousAt(lux, 30_000, linearToLuma(lumaToLinear(target) * 2)), now: T, interval_seconds: 30 });
    expect(bright.correction_stops).toBeCloseTo(-1, 3);
    expect(stops(bright) - open).toBeCloseTo(-0.25, 2); // rate limit: 0.5 stop/min over 30 s
    const slowBright = rampExposure(P, { lux, previous: previousAt(lux, 180_000, linearToLuma(lumaToLinear(target) * 2)), now: T, interval_seconds: 30 });
    expect(stops(slowBright) - open).toBeCloseTo(-1, 2);
    const dark = rampExposure(P, { lux, previous: previousAt(lux, 180_000, linearToLuma(lumaToLinear(target) / 2)), now: T, interval_seconds: 30 });
    expect(dark.correction_stops).toBeCloseTo(1, 3);
    const half = rampExposure({ ...P, feedback: 0.5 }, { lux, previous: previousAt(lux, 180_000, linearToLuma(lumaToLinear(target) / 2)), now: T, interval_seconds: 30 });
    expect(half.correction_stops).toBeCloseTo(0.5, 3);
    const off = rampExposure({ ...P, feedback: 0 }, { lux, previous: previousAt(lux, 180_000, 250), now: T, interval_seconds: 30 });
    expect(stops(off)).toBeCloseTo(open, 2);
  });

  test("feedback learns the model error, not the offset the previous frame was taken at (no oscillation)", () => {
    const lux = 1000;
    const target = rampTargetLuma(P, lux);
    const open = openLoopExposure(P, lux, target);
    // Taken a stop under the open loop (held back by the rate limit), and exactly a stop dark: the model is right.
    const held = rampExposure(P, { lux, previous: previousAt(lux, 600_000, linearToLuma(lumaToLinear(target) / 2), open / 2), now: T, interval_seconds: 30 });
    expect(held.correction_stops).toBeCloseTo(0, 3);
    expect(stops(held)).toBeCloseTo(Math.log2(open), 2);
  });

  test("feedback is bounded, and skipped without a measure, a lux, or when the previous frame is old", () => {
    const lux = 1000;
    const huge = rampExposure(P, { lux, previous: previousAt(lux, 600_000, 0), now: T, interval_seconds: 30 });
    expect(huge.correction_stops).toBe(MAX_CORRECTION_STOPS);
    expect(rampExposure(P, { lux, previous: previousAt(lux, 60_000, null), now: T, interval_seconds: 30 }).correction_stops).toBe(0);
    expect(rampExposure(P, { lux, previous: { ...previousAt(lux, 60_000, 200), lux: null }, now: T, interval_seconds: 30 }).correction_stops).toBe(0);
    expect(rampExposure(P, { lux, previous: previousAt(lux, FEEDBACK_MAX_AGE_MS + 1, 200), now: T, interval_seconds: 30 }).correction_stops).toBe(0);
  });

  test("on the simulated camera the loop settles on the target within a few frames", async () => {
    const camera = new SimulatedCamera({ seed: 3, width: 320, height: 180, position: () => ({ latitude: 46.5, longitude: 7.5 }) });
    const snapshot = snapshotOf(compileContent("r", def({ ramp: {} })), "1.0.0");
    let previous: RampPrevious | null = null;
    const errors: number[] = [];
    for (let i = 0; i < 8; i++) {
      const at = Date.parse("2026-06-21T12:00:00Z") + i * 30_000;
      const m = await camera.meter(at);
      const settings = resolveSettings(snapshot, "day", m, undefined, { previous, now: at, interval_seconds: 30 });
      const [frame] = await camera.capture({ ...settings, quality: 80 }, at);
      const luma = measureJpeg(frame!.jpeg)!.mean_luma;
      errors.push(Math.abs(Math.log2(luma / rampTargetLuma(P, m.lux))));
      previous = { exposure_time_us: frame!.exposure.exposure_time_us, analogue_gain: frame!.exposure.analogue_gain, at, measured_luma: luma, lux: m.lux };
    }
    expect(errors.at(-1)!).toBeLessThan(0.05);
    expect(errors.at(-1)!).toBeLessThan(errors[0]!);
  });
});

describe("resolveSettings with a ramp", () => {
  const snapshot = snapshotOf(compileContent("r", def({ ramp: {}, schedule_overrides: { fixed: { shutter_us: 5000, iso: 200 } } })), "1.0.0");
  const ctx = { previous: null, now: T, interval_seconds: 30 };

  test("explicit shutter and ISO from the ramp; without a ramp context the camera's auto exposure stays", () => {
    const s = resolveSettings(snapshot, "day", meter(1000), undefined, ctx);
    const r = rampExposure(snapshot.ramp!, { lux: 1000, ...ctx });
    expect(s.shutter_us).toBe(r.shutter_us);
    expect(s.iso).toBe(r.iso);
    expect(resolveSettings(snapshot, "day", meter(1000)).shutter_us).toBeNull();
    const plain = snapshotOf(compileContent("p", def({})), "1.0.0");
    expect(resolveSettings(plain, "day", meter(1000), undefined, ctx).shutter_us).toBeNull();
  });

  test("a schedule override still wins; a failed meter holds the previous exposure", () => {
    expect(resolveSettings(snapshot, "fixed", meter(1000), undefined, ctx)).toMatchObject({ shutter_us: 5000, iso: 200 });
    const previous = previousAt(1000, 30_000);
    expect(resolveSettings(snapshot, "day", null, undefined, { ...ctx, previous })).toMatchObject({ shutter_us: Math.round(previous.exposure_time_us), iso: 100 });
    expect(resolveSettings(snapshot, "day", null, undefined, ctx).shutter_us).toBeNull();
  });
});

describe("the edge runs the ramp from its capture log", () => {
  test("each capture takes the previous captured frame of its profile, also after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skylapse-ramp-"));
    const snapshot = snapshotOf(compileContent("r", def({ ramp: {} })), "1.0.0");
    const clock = new ManualClock(Date.parse("2026-06-21T19:00:00Z"));
    const open = () => {
      const { db, sqlite } = openEdgeDb(join(dir, "agent.sqlite"));
      const log = new CaptureLog(db);
      const deps = {
        driver: new SimulatedCamera({ seed: 5, width: 160, height: 90, position: () => ({ latitude: 46.5, longitude: 7.5 }) }),
        images: new ImageStore(join(dir, "images")),
        log,
        desired: { snapshot: () => snapshot, timezone: () => "UTC" },
        clock,
        bootId: "boot",
        clockTrusted: () => true,
      };
      return { deps, log, sqlite };
    };
    let edge = open();
    expect(previousExposure(edge.log, "r")).toBeNull();
    const first = await capture(edge.deps, { at: clock.now(), schedule: "dusk", profile: "r", interval_seconds: 30 }, { snapshot });
    expect(first.record.outcome).toBe("captured");
    expect(first.record.settings!.shutter_us).not.toBeNull();
    expect(first.record.settings!.iso).not.toBeNull();
    edge.sqlite.close();

    edge = open();
    const previous = previousExposure(edge.log, "r")!;
    expect(previous).toEqual({
      exposure_time_us: first.record.exposure!.exposure_time_us,
      analogue_gain: first.record.exposure!.analogue_gain,
      at: clock.now(),
      measured_luma: first.record.measures!.mean_luma,
      lux: first.record.meter!.lux,
    });
    expect(previousExposure(edge.log, "other")).toBeNull();
    clock.advance(30_000);
    const second = await capture(edge.deps, { at: clock.now(), schedule: "dusk", profile: "r", interval_seconds: 30 }, { snapshot });
    const expected = rampExposure(snapshot.ramp!, { lux: second.record.meter!.lux, previous, now: clock.now(), interval_seconds: 30 });
    expect(second.record.settings).toMatchObject({ shutter_us: expected.shutter_us, iso: expected.iso });
    edge.sqlite.close();
  });
});

describe("deflickerGains", () => {
  test("a steady sequence and a steady trend (a sunset in stops) are left alone", () => {
    expect(deflickerGains([100, 100, 100, 100])).toEqual([1, 1, 1, 1]);
    const trend = Array.from({ length: 20 }, (_, i) => 120 * 2 ** (-0.1 * i));
    for (const g of deflickerGains(trend, 5)) expect(g).toBeCloseTo(1, 9);
  });

  test("alternating flicker is smoothed; the gains apply per frame; the ends shrink the window", () => {
    const lumas = Array.from({ length: 30 }, (_, i) => (i % 2 ? 110 : 90));
    const gains = deflickerGains(lumas, 9);
    expect(gains).toHaveLength(30);
    expect(gains[0]).toBe(1);
    const out = lumas.map((y, i) => y * gains[i]!);
    const before = flickerSteps(lumas).reduce((s, x) => s + x, 0);
    const after = flickerSteps(out).reduce((s, x) => s + x, 0);
    expect(after).toBeLessThan(before / 5);
    expect(deflickerGains([100, 50, 100], 1)).toEqual([1, 1, 1]);
    expect(deflickerGains([], 5)).toEqual([]);
  });

  test("flickerSteps is |log2 Y[n]/Y[n-1]|", () => {
    expect(flickerSteps([100, 200, 50])).toEqual([1, 2]);
  });
});
