import type { Clock } from "../../shared/clock";
import type { ProfileSnapshot } from "../../shared/contracts/profile";
import type { CaptureSettings, MeterReading } from "../../shared/contracts/settings";
import { emptyCaptureRecord, type MissReason } from "../../shared/contracts/sync";
import type { OverrideTest } from "../../shared/contracts/tests";
import type { RampPrevious } from "../../shared/exposure/ramp";
import { resolveSettings } from "../../shared/exposure/resolve";
import { smoothingRamp } from "../../shared/exposure/smoothing";
import type { ScheduleRule } from "../../shared/contracts/schedule";
import { sha256 } from "../../shared/canonical";
import { measureJpegNatively } from "../../shared/image/measures";
import { formatLocalDate, localDateOf } from "../../shared/plan/local-time";
import type { PlannedTick } from "../../shared/plan/ticks";
import { CameraError, type CameraDriver, type CapturedFrame } from "../camera/driver";
import type { Incidents } from "../incidents";
import type { ImageStore } from "../store/images";
import type { StorageBudget } from "../store/retention";
import type { CaptureLog, NewCaptureRecord } from "./log";

/** Where a capture finds its profile snapshots, its schedule's rule and the camera's time zone. */
export interface ProfileSource {
  snapshot(profileId: string): ProfileSnapshot | null;
  timezone(): string;
  /** The schedule's rule as the hub gave it (null for a manual capture or a schedule it does not know). */
  rule?(schedule: string): ScheduleRule | null;
}

export interface CaptureDeps {
  driver: CameraDriver;
  images: ImageStore;
  log: CaptureLog;
  desired: ProfileSource;
  clock: Clock;
  bootId: string;
  clockTrusted: () => boolean;
  storage?: StorageBudget;
  incidents?: Incidents;
}

/** What a capture is for: a planned tick, or a request on the local API (then `at` is now). */
export interface CaptureTarget extends PlannedTick {
  test_id?: string | null;
  test_role?: "baseline" | "variant" | null;
}

/**
 * date/schedule/profile/20261124T135915Z.jpg — the folder date is the camera's
 * local date; an instant off the whole second (a manual capture) keeps its ms;
 * a test capture goes to date/schedule/profile/tests/TEST_ID/STAMP_ROLE.jpg.
 */
export function imageFileFor(target: CaptureTarget, timezone: string, suffix = ""): string {
  const date = formatLocalDate(localDateOf(timezone, target.at));
  const iso = new Date(target.at).toISOString().replace(/[-:]/g, "");
  const stamp = target.at % 1000 === 0 ? iso.replace(/\.\d+Z$/, "Z") : iso;
  const folder = `${date}/${target.schedule}/${target.profile}`;
  // A baseline is the production frame and stays with the others; a variant goes with its test.
  if (target.test_id && target.test_role === "variant") return `${folder}/tests/${target.test_id}/${stamp}_${target.test_role ?? "variant"}${suffix}.jpg`;
  return `${folder}/${stamp}${suffix}.jpg`;
}

function baseRecord(deps: CaptureDeps, target: CaptureTarget, version: string | null): NewCaptureRecord {
  return emptyCaptureRecord({
    id: Bun.randomUUIDv7(),
    planned_at: new Date(target.at).toISOString(),
    schedule: target.schedule,
    profile_id: target.profile,
    boot_id: deps.bootId,
    monotonic_ms: Math.round(deps.clock.monotonic()),
    clock_trusted: deps.clockTrusted(),
    profile_version: version,
    test_id: target.test_id ?? null,
    test_role: target.test_role ?? null,
  });
}

/** The record of a tick that was not attempted (late, agent down, ...). */
export function missedRecord(deps: CaptureDeps, tick: PlannedTick, code: MissReason, reason: string): NewCaptureRecord {
  return { ...baseRecord(deps, tick, deps.desired.snapshot(tick.profile)?.version ?? null), reason_code: code, reason };
}

/** A tick that was not attempted, committed like any capture. */
export function recordMissed(deps: CaptureDeps, tick: PlannedTick, code: MissReason, reason: string): number {
  return deps.log.commit(missedRecord(deps, tick, code, reason), deps.clock.now());
}

/** The frame a record points at: the 0 EV frame of a bracket (the others sit beside it). */
function mainFrame(frames: CapturedFrame[]): CapturedFrame {
  return frames.reduce((best, f) => (Math.abs(f.bracket_ev) < Math.abs(best.bracket_ev) ? f : best));
}

/**
 * The last production frame captured for a profile, for ramped exposure: read
 * from the capture log, so the ramp carries on across restarts.
 */
export function previousExposure(log: CaptureLog, profileId: string): RampPrevious | null {
  const last = log.list({ profile: profileId, outcome: "captured", limit: 8 }).find((r) => r.test_role !== "variant" && r.exposure && r.captured_at);
  if (!last) return null;
  return {
    exposure_time_us: last.exposure!.exposure_time_us,
    analogue_gain: last.exposure!.analogue_gain,
    at: Date.parse(last.captured_at!),
    measured_luma: last.measures?.mean_luma ?? null,
    lux: last.meter?.lux ?? null,
  };
}

/** How a capture gets its settings: from a snapshot (and the meter), or as given. */
export type SettingsPlan = { snapshot: ProfileSnapshot; override?: Partial<CaptureSettings> } | { explicit: CaptureSettings };

export interface CaptureResult {
  record: NewCaptureRecord;
  seq: number;
  /** Every file written, the main frame first. */
  files: string[];
}

/**
 * One capture: meter → settings → camera → images written durably → record
 * committed with its outbox entry. No network on this path. Failures become
 * committed records with their reason; nothing here throws for a camera fault.
 */
export async function capture(deps: CaptureDeps, target: CaptureTarget, plan: SettingsPlan): Promise<CaptureResult> {
  const version = "snapshot" in plan ? plan.snapshot.version : null;
  const record = baseRecord(deps, target, version);
  const commit = (r: NewCaptureRecord, files: string[] = [], imageBytes = 0): CaptureResult => {
    const seq = deps.log.commit(r, deps.clock.now(), imageBytes);
    deps.storage?.added(imageBytes);
    return { record: r, seq, files };
  };

  const startedAt = deps.clock.now();
  let meter: MeterReading | null = null;
  try {
    meter = await deps.driver.meter(startedAt);
  } catch {
    meter = null;
  }
  // A ramped profile, or a schedule that smooths exposure as the first system's did: both run the ramp.
  const smoothed = "snapshot" in plan && !plan.snapshot.ramp ? smoothingRamp(deps.desired.rule?.(target.schedule)?.smoothing, target.interval_seconds) : null;
  const ramp =
    "snapshot" in plan && (plan.snapshot.ramp || smoothed)
      ? { previous: previousExposure(deps.log, target.profile), now: startedAt, interval_seconds: target.interval_seconds, params: smoothed }
      : undefined;
  const settings = "explicit" in plan ? plan.explicit : resolveSettings(plan.snapshot, target.schedule, meter, plan.override, ramp);
  const attempted = { ...record, captured_at: new Date(startedAt).toISOString(), settings, meter };
  let frames: CapturedFrame[];
  try {
    frames = await deps.driver.capture(settings, startedAt);
  } catch (e) {
    const reason = e instanceof CameraError ? `${e.reason}: ${e.message}` : `camera_error: ${(e as Error).message}`;
    return commit({ ...attempted, outcome: "failed", reason_code: "camera_error", reason });
  }
  // Measured before anything is written, so that writing the files and committing their record stay one synchronous step.
  const measures = await measureJpegNatively(mainFrame(frames).jpeg);
  const total = frames.reduce((sum, f) => sum + f.jpeg.byteLength, 0);
  if (deps.storage) {
    const room = deps.storage.makeRoom(total, deps.clock.now());
    if (room.purged) deps.incidents?.add("images_purged", "the oldest images were deleted to stay within storage limits");
    if (!room.ok) {
      const reason = `disk_full: no room for ${total} bytes within the storage budget and free-space floor`;
      deps.incidents?.add("disk_full", "no room for new images within the storage budget and free-space floor; captures are recorded without images");
      return commit({ ...attempted, outcome: "failed", reason_code: "disk_full", reason });
    }
  }
  const main = mainFrame(frames);
  const tz = deps.desired.timezone();
  const file = imageFileFor(target, tz);
  const files = [file];
  for (const frame of frames) {
    if (frame === main) continue;
    const extra = imageFileFor(target, tz, `_ev${frame.bracket_ev >= 0 ? "+" : ""}${frame.bracket_ev}`);
    deps.images.write(extra, frame.jpeg);
    files.push(extra);
  }
  deps.images.write(file, main.jpeg);
  return commit(
    {
      ...attempted,
      outcome: "captured",
      exposure: main.exposure,
      measures,
      image: { file, bytes: main.jpeg.byteLength, sha256: sha256(main.jpeg), width: main.width, height: main.height, frames: frames.length },
    },
    files,
    total,
  );
}

/**
 * A planned tick with the profile's snapshot; a missing snapshot is a failed
 * record. Under an A/B test the production capture is the pair's baseline
 * (recorded with the test's id, side "baseline") and the variant (the snapshot
 * with the test's override) follows at once, in the same light; production is
 * never replaced.
 */
export async function captureTick(deps: CaptureDeps, tick: PlannedTick, test: OverrideTest | null = null): Promise<CaptureResult> {
  const snapshot = deps.desired.snapshot(tick.profile);
  if (!snapshot) {
    const record = { ...baseRecord(deps, tick, null), outcome: "failed" as const, reason_code: "no_snapshot" as const, reason: `no snapshot for profile ${tick.profile}` };
    return { record, seq: deps.log.commit(record, deps.clock.now()), files: [] };
  }
  if (!test) return capture(deps, tick, { snapshot });
  const baseline = await capture(deps, { ...tick, test_id: test.id, test_role: "baseline" }, { snapshot });
  await capture(deps, { ...tick, test_id: test.id, test_role: "variant" }, { snapshot, override: test.override });
  return baseline;
}
