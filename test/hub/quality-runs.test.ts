/**
 * Exposure quality beyond drift (pure): runs of clipped highlights and crushed
 * shadows judged by per-profile thresholds, streaks of camera_error failures, each
 * raising fleet attention with the reason in words, and cleared by recovery.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_QUALITY, HubConfig, type QualityConfig } from "../../shared/contracts/config";
import { TARGET_LUMA } from "../../shared/image/measures";
import { formatFleet } from "../../hub/cli/format";
import { computeFleet } from "../../hub/fleet/compute";
import { type ExposureFrame, exposureSummary } from "../../hub/quality/compute";
import { observedState } from "../harness/fixtures";
import { DENVER } from "../harness/scenario";

const T0 = Date.parse("2026-11-24T12:00:00Z");
const TICK0 = Date.parse("2026-11-24T13:30:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** A captured production frame at tick `tick`, well exposed unless told otherwise. */
const frame = (tick: number, over: Partial<ExposureFrame> = {}): ExposureFrame => ({
  plannedAt: TICK0 + tick * 15_000,
  capturedAt: TICK0 + tick * 15_000 + 800,
  profileId: "f",
  outcome: "captured",
  testRole: null,
  meanLuma: TARGET_LUMA,
  clippedPct: 0.4,
  crushedPct: 0,
  reasonCode: null,
  reason: null,
  ...over,
});
const run = (from: number, n: number, over: Partial<ExposureFrame> | ((i: number) => Partial<ExposureFrame>)) =>
  Array.from({ length: n }, (_, i) => frame(from + i, typeof over === "function" ? over(i) : over));
const failure = (tick: number, reason = "rpicam-still timed out after 10 s"): ExposureFrame =>
  frame(tick, { outcome: "failed", capturedAt: null, meanLuma: null, clippedPct: null, crushedPct: null, reasonCode: "camera_error", reason });

/** The fleet's view of one camera with these records. */
function fleetOf(records: ExposureFrame[], policy: QualityConfig = DEFAULT_QUALITY) {
  const f = computeFleet([{ id: "ridge", createdAt: T0, lastContactAt: T0, observed: observedState(), exposure: exposureSummary(records, policy) }], 60, T0, policy);
  return { camera: f.cameras[0]!, fleet: f };
}

describe("clipped highlights and crushed shadows", () => {
  test("a run of frames with the sky clipped raises attention with the reason in words; the mean luma alone looked fine", async () => {
    // Brighter than the target but within a stop (the old 'Exposure ok (mean luma 162)'), with 37 % of the frame white.
    const clipped = run(5, 40, (i) => ({ meanLuma: 162, clippedPct: 36 + (i % 3) }));
    const s = exposureSummary([...run(0, 5, {}), ...clipped], DEFAULT_QUALITY);
    expect(s.drifting).toBe(false);
    expect(s.issues).toEqual([
      { kind: "clipped", profile_id: "f", since: iso(TICK0 + 5 * 15_000), frames: 40, value: 37, truncated: false, text: "sky clipped 37 % for 40 frames" },
    ]);
    const { camera, fleet } = fleetOf([...run(0, 5, {}), ...clipped]);
    expect(camera.attention).toEqual(["clipped"]);
    expect(fleet.totals.attention).toBe(1);
    const line = formatFleet(fleet).split("\n").find((l) => l.startsWith("ridge"))!;
    expect(line).toContain("sky clipped 37 % for 40 frames");
    expect(line).toMatch(/clipped$/);
  });

  test("below the run length or at the threshold, nothing; one good frame ends the run", async () => {
    expect(exposureSummary(run(0, 9, { clippedPct: 60 }), DEFAULT_QUALITY).issues).toEqual([]);
    expect(exposureSummary(run(0, 20, { clippedPct: DEFAULT_QUALITY.clipped_pct }), DEFAULT_QUALITY).issues).toEqual([]);
    const recovered = [...run(0, 20, { clippedPct: 60 }), frame(20, { clippedPct: 1 })];
    expect(exposureSummary(recovered, DEFAULT_QUALITY).issues).toEqual([]);
    expect(fleetOf(recovered).camera.attention).toEqual([]);
    // Frames without measures neither count nor break the run; an A/B variant is not production.
    const noisy = [...run(0, 6, { clippedPct: 60 }), frame(6, { meanLuma: null, clippedPct: null, crushedPct: null }), frame(7, { testRole: "variant", clippedPct: 0 }), ...run(8, 4, { clippedPct: 60 })];
    expect(exposureSummary(noisy, DEFAULT_QUALITY).issues).toMatchObject([{ kind: "clipped", frames: 10, value: 60 }]);
  });

  test("a run of crushed shadows raises attention in words", async () => {
    const s = exposureSummary(run(0, 12, { meanLuma: 70, crushedPct: 45 }), DEFAULT_QUALITY);
    expect(s.issues).toMatchObject([{ kind: "crushed", frames: 12, value: 45, text: "shadows crushed 45 % for 12 frames" }]);
    expect(fleetOf(run(0, 12, { meanLuma: 70, crushedPct: 45 })).camera.attention).toEqual(["crushed"]);
    expect(exposureSummary([...run(0, 12, { crushedPct: 45 }), frame(12)], DEFAULT_QUALITY).issues).toEqual([]);
  });

  test("frames far from the target say how far and which way", async () => {
    const dark = exposureSummary(run(0, 12, { meanLuma: TARGET_LUMA / 2 ** 1.5 }), DEFAULT_QUALITY);
    expect(dark.issues).toMatchObject([{ kind: "drift", frames: 12, value: -1.5, text: "1.5 stops dark for 12 frames" }]);
    expect(fleetOf(run(0, 12, { meanLuma: TARGET_LUMA / 2 ** 1.5 })).camera.attention).toEqual(["drift"]);
    const bright = exposureSummary(run(0, 10, { meanLuma: Math.min(255, TARGET_LUMA * 2 ** 1.1) }), DEFAULT_QUALITY);
    expect(bright.issues[0]!.text).toBe("1.1 stops bright for 10 frames");
  });

  test("thresholds per profile: each profile's frames are judged by its own limits and named when a camera shoots several", async () => {
    const policy: QualityConfig = { ...DEFAULT_QUALITY, profiles: { sunny: { clipped_pct: 50 }, quick: { drift_frames: 3 } } };
    const both = [...run(0, 12, { clippedPct: 37 }), ...run(0, 12, { profileId: "sunny", clippedPct: 37 })];
    expect(exposureSummary(both, policy).issues).toMatchObject([{ kind: "clipped", profile_id: "f", text: "sky clipped 37 % for 12 frames (profile f)" }]);
    // Runs are per profile: a well exposed profile shot at the same ticks does not break another's run.
    const interleaved = [...run(0, 12, { clippedPct: 37 }), ...run(0, 12, { profileId: "g" })];
    expect(exposureSummary(interleaved, DEFAULT_QUALITY).issues).toMatchObject([{ kind: "clipped", profile_id: "f", frames: 12 }]);
    expect(exposureSummary(run(0, 3, { profileId: "quick", crushedPct: 80 }), policy).issues).toMatchObject([{ kind: "crushed", frames: 3 }]);
  });

  test("the config carries the limits, with defaults; a profile's override names a profile that exists", async () => {
    const base = { location: DENVER, profiles: { f: { base: { metering: "matrix" } } } };
    expect(HubConfig.parse({ ...base, quality: {} }).quality).toEqual(DEFAULT_QUALITY);
    expect(HubConfig.parse({ ...base, quality: { clipped_pct: 20, profiles: { f: { clipped_pct: 40 } } } }).quality).toMatchObject({ clipped_pct: 20, profiles: { f: { clipped_pct: 40 } } });
    const unknown = HubConfig.safeParse({ ...base, quality: { profiles: { nope: { clipped_pct: 40 } } } });
    expect(unknown.success).toBe(false);
    expect(JSON.stringify(unknown.error?.issues)).toContain("unknown profile 'nope'");
    expect(HubConfig.safeParse({ ...base, quality: { clipped_pct: 120 } }).success).toBe(false);
    expect(HubConfig.safeParse({ ...base, quality: { profiles: { f: { error_frames: 2 } } } }).success).toBe(false);
  });
});

describe("capture failures", () => {
  test("a streak of camera_error failures raises attention with the count and the last reason; a captured frame clears it", async () => {
    const records = [...run(0, 5, {}), failure(5), failure(6), failure(7, "rpicam-still exited 255: no cameras available")];
    const s = exposureSummary(records, DEFAULT_QUALITY);
    expect(s.issues).toEqual([
      { kind: "camera_error", profile_id: null, since: iso(TICK0 + 5 * 15_000), frames: 3, value: null, truncated: false, text: "3 captures failed in a row (camera_error): rpicam-still exited 255: no cameras available" },
    ]);
    expect(fleetOf(records).camera.attention).toEqual(["camera_error"]);
    expect(exposureSummary(records.slice(0, -1), DEFAULT_QUALITY).issues).toEqual([]);
    expect(exposureSummary([...records, frame(8)], DEFAULT_QUALITY).issues).toEqual([]);
    expect(fleetOf([...records, frame(8)]).camera.attention).toEqual([]);
  });

  test("misses for other reasons neither count nor end a streak; the threshold is the config's error_frames", async () => {
    const missed = (tick: number) => frame(tick, { outcome: "missed", capturedAt: null, meanLuma: null, reasonCode: "agent_down" });
    // The scheduler records a capture that threw as missed with camera_error: it counts the same.
    const threw = (tick: number) => ({ ...failure(tick), outcome: "missed" as const });
    const records = [failure(0), missed(1), threw(2), missed(3), failure(4)];
    expect(exposureSummary(records, DEFAULT_QUALITY).issues).toMatchObject([{ kind: "camera_error", frames: 3, since: iso(TICK0) }]);
    expect(exposureSummary(records, { ...DEFAULT_QUALITY, error_frames: 4 }).issues).toEqual([]);
    // Failures show next to other issues, the worst first.
    const both = [...run(0, 10, { clippedPct: 50 }), failure(10), failure(11), failure(12)];
    expect(fleetOf(both).camera.attention).toEqual(["camera_error", "clipped"]);
  });
});
