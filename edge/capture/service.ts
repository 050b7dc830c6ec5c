import type { Clock } from "../../shared/clock";
import type { CaptureSettings, MeterReading } from "../../shared/contracts/settings";
import { resolveSettings } from "../../shared/exposure/resolve";
import { sha256 } from "../../shared/canonical";
import { formatLocalDate, localDateOf } from "../../shared/plan/local-time";
import type { PlannedTick } from "../../shared/plan/ticks";
import type { MissReason } from "../../shared/contracts/sync";
import { CameraError, type CameraDriver, type CapturedFrame } from "../camera/driver";
import type { Incidents } from "../incidents";
import type { ImageStore } from "../store/images";
import type { StorageBudget } from "../store/retention";
import type { DesiredStore } from "../sync/desired";
import type { CaptureLog, NewCaptureRecord } from "./log";

export interface CaptureDeps {
  driver: CameraDriver;
  images: ImageStore;
  log: CaptureLog;
  desired: DesiredStore;
  clock: Clock;
  bootId: string;
  clockTrusted: () => boolean;
  storage?: StorageBudget;
  incidents?: Incidents;
}

/** date/schedule/profile/20261124T135915Z.jpg — the folder date is the camera's local date. */
export function imageFileFor(tick: PlannedTick, timezone: string, suffix = ""): string {
  const date = formatLocalDate(localDateOf(timezone, tick.at));
  const stamp = new Date(tick.at).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${date}/${tick.schedule}/${tick.profile}/${stamp}${suffix}.jpg`;
}

function baseRecord(deps: CaptureDeps, tick: PlannedTick): NewCaptureRecord {
  return {
    id: Bun.randomUUIDv7(),
    planned_at: new Date(tick.at).toISOString(),
    captured_at: null,
    monotonic_ms: Math.round(deps.clock.monotonic()),
    boot_id: deps.bootId,
    clock_trusted: deps.clockTrusted(),
    schedule: tick.schedule,
    profile_id: tick.profile,
    profile_version: deps.desired.snapshot(tick.profile)?.version ?? null,
    outcome: "missed",
    reason_code: null,
    reason: null,
    time_corrected_ms: null,
    recovered: false,
    settings: null,
    meter: null,
    exposure: null,
    image: null,
    test_id: null,
    test_role: null,
  };
}

/** A tick that was not attempted (late, agent down, ...), committed like any capture. */
export function recordMissed(deps: CaptureDeps, tick: PlannedTick, code: MissReason, reason: string): number {
  return deps.log.commit({ ...baseRecord(deps, tick), reason_code: code, reason }, deps.clock.now());
}

/** The frame a record points at: the 0 EV frame of a bracket (the others sit beside it). */
function mainFrame(frames: CapturedFrame[]): CapturedFrame {
  return frames.reduce((best, f) => (Math.abs(f.bracket_ev) < Math.abs(best.bracket_ev) ? f : best));
}

/**
 * One tick: meter → settings from the snapshot → capture → images written
 * durably → record committed with its outbox entry. No network on this path.
 */
export async function captureTick(deps: CaptureDeps, tick: PlannedTick): Promise<NewCaptureRecord> {
  const record = baseRecord(deps, tick);
  const commit = (r: NewCaptureRecord, imageBytes = 0) => {
    deps.log.commit(r, deps.clock.now(), imageBytes);
    deps.storage?.added(imageBytes);
    return r;
  };
  const snapshot = deps.desired.snapshot(tick.profile);
  if (!snapshot) return commit({ ...record, outcome: "failed", reason_code: "no_snapshot", reason: `no snapshot for profile ${tick.profile}` });

  const startedAt = deps.clock.now();
  let meter: MeterReading | null = null;
  try {
    meter = await deps.driver.meter(startedAt);
  } catch {
    meter = null;
  }
  const settings: CaptureSettings = resolveSettings(snapshot, tick.schedule, meter);
  let frames: CapturedFrame[];
  try {
    frames = await deps.driver.capture(settings, startedAt);
  } catch (e) {
    const reason = e instanceof CameraError ? `${e.reason}: ${e.message}` : `camera_error: ${(e as Error).message}`;
    return commit({ ...record, captured_at: new Date(startedAt).toISOString(), outcome: "failed", reason_code: "camera_error", reason, settings, meter });
  }
  const total = frames.reduce((sum, f) => sum + f.jpeg.byteLength, 0);
  if (deps.storage) {
    const room = deps.storage.makeRoom(total, deps.clock.now());
    if (room.purged) deps.incidents?.add("images_purged", `${room.purged} image(s), ${room.freed} bytes, deleted oldest first to stay within storage limits`);
    if (!room.ok) {
      const reason = `disk_full: no room for ${total} bytes within the storage budget and free-space floor`;
      deps.incidents?.add("disk_full", reason);
      return commit({ ...record, captured_at: new Date(startedAt).toISOString(), outcome: "failed", reason_code: "disk_full", reason, settings, meter });
    }
  }
  const main = mainFrame(frames);
  const tz = deps.desired.timezone();
  const file = imageFileFor(tick, tz);
  for (const frame of frames) {
    if (frame !== main) deps.images.write(imageFileFor(tick, tz, `_ev${frame.bracket_ev >= 0 ? "+" : ""}${frame.bracket_ev}`), frame.jpeg);
  }
  deps.images.write(file, main.jpeg);
  return commit(
    {
    ...record,
    captured_at: new Date(startedAt).toISOString(),
    outcome: "captured",
    settings,
    meter,
    exposure: main.exposure,
    image: { file, bytes: main.jpeg.byteLength, sha256: sha256(main.jpeg), width: main.width, height: main.height, frames: frames.length },
    },
    total,
  );
}
