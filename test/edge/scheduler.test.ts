import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../shared/clock";
import type { PlanWindow } from "../../shared/contracts/plan";
import type { CaptureSettings } from "../../shared/contracts/settings";
import { type DesiredState, emptyCaptureRecord } from "../../shared/contracts/sync";
import { compileContent, snapshotOf } from "../../shared/exposure/compile";
import type { CameraDriver, CapturedFrame } from "../../edge/camera/driver";
import { CameraError } from "../../edge/camera/driver";
import { CaptureLog, Outbox } from "../../edge/capture/log";
import { openEdgeDb } from "../../edge/db/client";
import { Scheduler } from "../../edge/scheduler/service";
import { lateness } from "../../shared/plan/ticks";
import { ImageStore } from "../../edge/store/images";
import { DesiredStore } from "../../edge/sync/desired";
import { backoffDelay } from "../../edge/sync/backoff";

const T0 = Date.parse("2026-11-24T14:00:00Z");
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

/** A camera whose capture takes `durationMs` of clock time and can be told to fail. */
class FakeCamera implements CameraDriver {
  readonly model = "fake";
  durationMs = 0;
  failWith: CameraError | null = null;
  settingsSeen: CaptureSettings[] = [];
  constructor(private readonly clock: ManualClock) {}
  async ready() {
    return true;
  }
  async meter() {
    return { lux: 2000, exposure_time_us: 1000, analogue_gain: 1, colour_temperature: 5500 };
  }
  async capture(settings: CaptureSettings): Promise<CapturedFrame[]> {
    this.settingsSeen.push(settings);
    if (this.failWith) throw this.failWith;
    this.clock.advance(this.durationMs);
    return [{ jpeg: JPEG, width: 1, height: 1, exposure: { exposure_time_us: 1000, analogue_gain: 1, colour_temperature: 5500 }, bracket_ev: 0 }];
  }
}

function desiredWith(windows: PlanWindow[]): DesiredState {
  const snapshot = snapshotOf(compileContent("p", { base: { ev: 0.3 }, adaptive_wb: { curve: "balanced" }, schedule_overrides: { dawn: { ev: 1 } } }), "1.0.0");
  return {
    camera: { id: "cam", latitude: 39.6, longitude: -105.3, timezone: "America/Denver" },
    assignment: { profile_id: "p", version: "1.0.0" },
    profiles: [snapshot],
    schedules: {},
    plan: { camera_id: "cam", generated_at: new Date(T0).toISOString(), from: new Date(T0).toISOString(), to: new Date(T0 + 86_400_000).toISOString(), windows },
    tests: [],
    poll_interval_seconds: 60,
  };
}

const window = (start: number, minutes: number, interval = 10, schedule = "dawn"): PlanWindow => ({
  schedule,
  start: new Date(start).toISOString(),
  end: new Date(start + minutes * 60_000).toISOString(),
  interval_seconds: interval,
  profiles: ["p"],
  extrapolated: false,
});

function setup(dir = mkdtempSync(join(tmpdir(), "skylapse-edge-"))) {
  const clock = new ManualClock(T0 - 5_000);
  const { db, sqlite } = openEdgeDb(join(dir, "agent.sqlite"));
  const desired = new DesiredStore(db);
  const log = new CaptureLog(db);
  const camera = new FakeCamera(clock);
  const deps = { driver: camera, images: new ImageStore(join(dir, "images")), log, desired, clock, bootId: "boot", clockTrusted: () => true };
  const scheduler = new Scheduler(deps, (now) => desired.windows(now), { untrustedIntervalSeconds: 60, untrustedGraceMs: 0, safetyProfile: () => "p" });
  desired.onChange(() => scheduler.replan());
  return { dir, clock, db, sqlite, desired, log, outbox: new Outbox(db), camera, scheduler };
}

/** Lets the scheduler's promise chain run between clock moves. */
const settle = () => new Promise((r) => setTimeout(r, 5));

async function runUntil(s: ReturnType<typeof setup>, until: number, stepMs = 1_000) {
  while (s.clock.now() < until) {
    s.clock.advance(stepMs);
    await settle();
  }
}

describe("scheduler", () => {
  test("captures each tick of the grid once, with settings from the snapshot (schedule override applied)", async () => {
    const s = setup();
    s.desired.apply('"e1"', desiredWith([window(T0, 1)]), s.clock.now());
    s.scheduler.start();
    await runUntil(s, T0 + 2 * 60_000);
    await s.scheduler.stop();
    const records = s.outbox.next(100);
    expect(records.map((r) => r.planned_at)).toEqual(Array.from({ length: 6 }, (_, i) => new Date(T0 + i * 10_000).toISOString()));
    expect(records.every((r) => r.outcome === "captured")).toBe(true);
    expect(s.camera.settingsSeen[0]!.ev).toBe(1);
    expect(s.camera.settingsSeen[0]!.white_balance).toEqual({ mode: "kelvin", kelvin: 4800 });
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("a slow capture makes the following ticks late: they are recorded as missed, not bunched up", async () => {
    const s = setup();
    s.desired.apply('"e1"', desiredWith([window(T0, 1)]), s.clock.now());
    s.scheduler.start();
    s.camera.durationMs = 25_000; // the first capture overruns two and a half intervals
    await runUntil(s, T0 + 1_000, 6_000);
    s.camera.durationMs = 0;
    await runUntil(s, T0 + 2 * 60_000);
    await s.scheduler.stop();
    const records = s.outbox.next(100);
    expect(records.length).toBe(6);
    const byTick = Object.fromEntries(records.map((r) => [r.planned_at.slice(11, 19), r.outcome]));
    expect(byTick).toEqual({ "14:00:00": "captured", "14:00:10": "missed", "14:00:20": "missed", "14:00:30": "captured", "14:00:40": "captured", "14:00:50": "captured" });
    expect(records[1]!.reason).toMatch(/^late: \d+ ms after its tick$/);
  });

  test("a camera failure is a failed record with the reason, and the scheduler goes on", async () => {
    const s = setup();
    s.desired.apply('"e1"', desiredWith([window(T0, 0.5)]), s.clock.now());
    s.camera.failWith = new CameraError("camera_busy", "device or resource busy");
    s.scheduler.start();
    await runUntil(s, T0 + 15_000);
    s.camera.failWith = null;
    await runUntil(s, T0 + 60_000);
    await s.scheduler.stop();
    const records = s.outbox.next(100);
    expect(records.map((r) => r.outcome)).toEqual(["failed", "failed", "captured"]);
    expect(records[0]!.reason).toBe("camera_busy: device or resource busy");
  });

  test("after a restart, ticks passed while down are recorded as agent_down and none is captured twice", async () => {
    const s = setup();
    s.desired.apply('"e1"', desiredWith([window(T0, 2)]), s.clock.now());
    s.scheduler.start();
    await runUntil(s, T0 + 25_000);
    await s.scheduler.stop();
    s.sqlite.close();

    const again = setup(s.dir);
    again.clock.set(T0 + 65_000);
    again.scheduler.start();
    await runUntil(again, T0 + 3 * 60_000);
    await again.scheduler.stop();
    const records = again.outbox.next(100);
    const keys = records.map((r) => r.planned_at);
    expect(new Set(keys).size).toBe(keys.length);
    expect(records.length).toBe(12);
    const outcome = (t: number) => records.find((r) => r.planned_at === new Date(T0 + t * 1000).toISOString())!.outcome;
    expect([0, 10, 20].map(outcome)).toEqual(["captured", "captured", "captured"]);
    expect([30, 40, 50, 60].map(outcome)).toEqual(["missed", "missed", "missed", "missed"]);
    expect(records.find((r) => r.planned_at === new Date(T0 + 30_000).toISOString())!.reason_code).toBe("agent_down");
    expect([70, 80, 110].map(outcome)).toEqual(["captured", "captured", "captured"]);
  });

  test("a boot whose clock reads before the log's latest record (an earlier boot ran ahead) shoots its plan from the next tick", async () => {
    const s = setup();
    s.desired.apply('"e1"', desiredWith([window(T0, 120)]), s.clock.now());
    s.log.commit({ ...emptyCaptureRecord({ id: "ahead", planned_at: new Date(T0 + 3_600_000).toISOString(), schedule: "dawn", profile_id: "p", boot_id: "earlier" }), outcome: "captured" }, T0);
    s.scheduler.start();
    await runUntil(s, T0 + 25_000);
    await s.scheduler.stop();
    const captured = s.outbox.next(100).filter((r) => r.outcome === "captured" && r.id !== "ahead");
    expect(captured.map((r) => r.planned_at)).toEqual([0, 10_000, 20_000].map((t) => new Date(T0 + t).toISOString()));
  });

  for (const [what, stepMs] of [
    ["back an hour", -3_600_000],
    ["forward an hour", 3_600_000],
  ] as const)
    test(`a trusted clock stepped ${what} shoots the plan from the next tick; ticks of the wrong span are missed clock_untrusted`, async () => {
      const s = setup();
      s.desired.apply('"e1"', desiredWith([window(T0 - 2 * 3_600_000, 300)]), s.clock.now());
      // The clock reads wrong by -stepMs from the start; the hub's step puts it right at T0 + 60 s.
      s.clock.set(T0 - stepMs - 5_000);
      s.scheduler.start();
      await runUntil(s, T0 - stepMs + 60_000);
      const wrongFrom = T0 - 5_000;
      s.clock.set(T0 + 60_000);
      await s.scheduler.clockChanged(() => wrongFrom);
      await runUntil(s, T0 + 120_000);
      await s.scheduler.stop();
      const records = s.outbox.next(1000);
      const at = (t: number) => records.find((r) => r.planned_at === new Date(T0 + t).toISOString());
      // From the next tick after the step, every tick is shot.
      expect([70_000, 80_000, 90_000, 100_000, 110_000].map((t) => at(t)?.outcome)).toEqual(["captured", "captured", "captured", "captured", "captured"]);
      // The span the clock was wrong, in true time, is accounted for.
      expect([0, 10_000, 50_000].map((t) => at(t)?.reason_code)).toEqual(["clock_untrusted", "clock_untrusted", "clock_untrusted"]);
      expect(new Set(records.map((r) => r.planned_at)).size).toBe(records.length);
    });

  test("a new plan takes effect at once (the scheduler's sleep is interrupted)", async () => {
    const s = setup();
    s.scheduler.start();
    await runUntil(s, T0 - 1_000);
    s.desired.apply('"e2"', desiredWith([window(T0, 0.25, 5)]), s.clock.now());
    await settle();
    await runUntil(s, T0 + 30_000);
    await s.scheduler.stop();
    expect(s.outbox.next(100).length).toBe(3);
  });
});

describe("lateness and backoff", () => {
  test("a tick may fire up to half an interval late", () => {
    const tick = { at: T0, schedule: "s", profile: "p", interval_seconds: 10 };
    expect(lateness(tick, T0 + 5_000).late).toBe(false);
    expect(lateness(tick, T0 + 5_001).late).toBe(true);
  });

  test("backoff doubles to a cap, with jitter between half and all of it", () => {
    expect(backoffDelay(1, 5_000, 60_000, () => 0)).toBe(2_500);
    expect(backoffDelay(1, 5_000, 60_000, () => 1)).toBe(5_000);
    expect(backoffDelay(3, 5_000, 60_000, () => 1)).toBe(20_000);
    expect(backoffDelay(30, 5_000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(30, 5_000, 60_000, () => 0)).toBe(30_000);
  });
});
