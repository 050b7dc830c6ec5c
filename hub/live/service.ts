import type { LiveApi } from "../../shared/contracts/config";
import type { ProfileSnapshot } from "../../shared/contracts/profile";
import type { CaptureSettings, MeterReading } from "../../shared/contracts/settings";
import { type CaptureRecord, emptyCaptureRecord } from "../../shared/contracts/sync";
import { resolveSettings } from "../../shared/exposure/resolve";
import { lateness, nextTicks, type PlannedTick } from "../../shared/plan/ticks";
import { planRange } from "../../shared/plan/windows";
import { cameraRevision } from "../config/revision";
import type { HubContext } from "../context";
import { cameraConfigs } from "../config/data";
import type { CaptureImages } from "../images/service";
import { latestVersion } from "../profiles/service";
import { cameraSetup, type CameraSetup, planFor } from "../plans/service";
import { CameraRefused, LiveCamera, type LiveShot, type Picture } from "./camera";
import { replaceWithLateFrame, storeLiveRecord } from "./records";
import { DutyLease, LEASES } from "../db/lease";

export interface LiveStatus {
  camera_id: string;
  endpoint: string;
  /** The API it is spoken to in (its config's `api`). */
  api: LiveApi;
  reachable: boolean | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
}

/** Longest the loop sleeps (clock ms) before it looks at the configuration again. */
const RECHECK_MS = 60_000;
/** Real ms between a replica's tries to take the live duty while another holds it. */
const LEASE_RETRY_REAL_MS = 5_000;

const iso = (t: number) => new Date(t).toISOString();

/** How long (real ms, at least) a capture request stays open after the hub stopped waiting for it, for a late frame. */
const LATE_FRAME_MIN_MS = 60_000;

type NewRecord = Omit<CaptureRecord, "seq">;
/** A record and, for a first-system capture, the picture the hub fetched for it; a capture's measures may come after. */
interface Outcome {
  record: NewRecord;
  picture: LiveShot["picture"];
  measures?: LiveShot["measures"];
}

/** The outcome's record with its measures in. */
const complete = async ({ record, measures }: Outcome): Promise<NewRecord> => (measures ? { ...record, measures: await measures } : record);

/** The promise's value if it settles within `ms` (real); an error otherwise (the promise goes on). */
function answerWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Live orchestration (development mode, Pis on the hub's LAN): at each tick the
 * hub meters every due live camera, computes the settings with the shared
 * exposure code, and asks for a capture with those explicit settings — all due
 * cameras in parallel. One attempt per tick: a camera that does not answer is
 * recorded as such and does not delay the others. Each camera speaks our agent's
 * API or the first system's Pi API (its config's `api`), see camera.ts.
 */
export class LiveOrchestrator {
  readonly status = new Map<string, LiveStatus>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake = new AbortController();
  private lastTick = new Map<string, number>();
  /** Cameras whose previous tick is still being captured (a slow camera only delays itself). */
  private inFlight = new Map<string, Promise<void>>();
  /** Records being stored, and captures the hub stopped waiting for whose frame may still come (see shoot). */
  private pending = new Set<Promise<void>>();
  private stopping = new AbortController();
  private readonly lateFrameMs: number;
  /** On several replicas one of them orchestrates: each tick shot once, not once per replica. */
  private readonly lease: DutyLease;

  constructor(
    private readonly ctx: HubContext,
    private readonly requestTimeoutMs: number,
    private readonly images: CaptureImages,
  ) {
    this.lateFrameMs = Math.max(LATE_FRAME_MIN_MS, 10 * requestTimeoutMs);
    this.lease = new DutyLease(ctx.db, LEASES.live);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
    this.stopping.abort();
    await Promise.all(this.inFlight.values());
    while (this.pending.size) await Promise.all(this.pending);
    await this.lease.release();
  }

  private async liveCameras(): Promise<CameraSetup[]> {
    const setups: CameraSetup[] = [];
    for (const [id, config] of await cameraConfigs(this.ctx.db)) {
      if (config.mode !== "live" || !config.host) continue;
      const setup = await cameraSetup(this.ctx.db, id);
      if (setup) setups.push(setup);
    }
    return setups;
  }

  private async run(): Promise<void> {
    const { clock } = this.ctx;
    while (this.running) {
      if (!(await this.lease.held())) {
        await clock.sleepUntil(clock.now() + LEASE_RETRY_REAL_MS * clock.speed, this.wake.signal);
        continue;
      }
      const now = clock.now();
      const due = new Map<CameraSetup, PlannedTick[]>();
      let at = Infinity;
      for (const setup of await this.liveCameras()) {
        const { from, to } = planRange(setup.position.timezone, now, 2);
        const ticks = nextTicks(planFor(setup, from, to, now).windows, this.lastTick.get(setup.id) ?? now - 1);
        if (!ticks.length) continue;
        if (ticks[0]!.at < at) {
          at = ticks[0]!.at;
          due.clear();
        }
        if (ticks[0]!.at === at) due.set(setup, ticks);
      }
      const wakeAt = Math.min(at, now + RECHECK_MS);
      await clock.sleepUntil(wakeAt, this.wake.signal);
      if (!this.running || at > wakeAt) continue;
      for (const [setup, ticks] of due) {
        this.lastTick.set(setup.id, at);
        if (this.inFlight.has(setup.id)) {
          for (const tick of ticks) this.track(this.keep(setup.id, { record: this.missed(tick, "late", "late: the camera's previous capture was still running"), picture: null }));
          continue;
        }
        this.inFlight.set(setup.id, this.fire(setup, ticks).finally(() => this.inFlight.delete(setup.id)));
      }
      // The hub runs a live camera's plan itself: what it drives by is in force from this tick (recorded once the shots are under way).
      for (const setup of due.keys()) await this.ctx.planHistory.served(setup.id, await cameraRevision(this.ctx.db, setup.id), at);
    }
  }

  private async fire(setup: CameraSetup, ticks: PlannedTick[]): Promise<void> {
    for (const tick of ticks) {
      const { outcome, late } = await this.shoot(setup, tick);
      // Stored once its measures are in; the camera is free for its next tick meanwhile.
      this.track(
        this.keep(setup.id, outcome).then((stored) => {
          if (late && stored) this.track(this.awaitLateFrame(setup, stored, late));
        }),
      );
    }
  }

  private track(work: Promise<void | unknown>): void {
    const done = work.then(
      () => undefined,
      (e) => console.error(`hub: live: ${(e as Error).message}`),
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  private missed(tick: PlannedTick, code: "late", reason: string): NewRecord {
    return { ...this.blank(tick), reason_code: code, reason };
  }

  private blank(tick: PlannedTick): NewRecord {
    return emptyCaptureRecord({ id: `live-${crypto.randomUUID()}`, planned_at: iso(tick.at), schedule: tick.schedule, profile_id: tick.profile, boot_id: "hub" });
  }

  /** A signal for one request: aborted after `ms` (real) or when the orchestrator stops. */
  private within(ms: number): AbortSignal {
    return AbortSignal.any([AbortSignal.timeout(ms), this.stopping.signal]);
  }

  /**
   * meter → settings (shared exposure code) → capture with explicit settings; a failure is a record too.
   * A capture that does not answer within the timeout is recorded as a camera error at once, so the
   * camera's next tick is not held up; its request stays open (`late`), since the camera may still be
   * capturing — a frame that comes then replaces the error (awaitLateFrame). So does a capture our
   * agent logged though its answer was lost on the way.
   */
  private async shoot(setup: CameraSetup, tick: PlannedTick): Promise<{ outcome: Outcome; late?: Promise<Outcome | null> }> {
    const { clock } = this.ctx;
    const startedAt = clock.now();
    const base = { ...this.blank(tick), captured_at: iso(startedAt) };
    const plain = (record: NewRecord) => ({ outcome: { record, picture: null } });
    if (lateness(tick, startedAt).late) return plain({ ...base, captured_at: null, reason_code: "late", reason: `late: the hub reached this tick ${startedAt - tick.at} ms after it` });
    // The camera's assignment (a pinned version, say after a rollback) for its own profile; the latest for burst profiles.
    const snapshot = setup.assigned?.profile_id === tick.profile ? setup.assigned : await latestVersion(this.ctx.db, tick.profile);
    if (!snapshot) return plain({ ...base, captured_at: null, outcome: "failed", reason_code: "no_snapshot", reason: `no published version of profile ${tick.profile}` });
    const camera = new LiveCamera(setup);
    const status = this.statusOf(setup);
    Object.assign(status, { endpoint: camera.endpoint, api: setup.config.api ?? "skylapse", last_attempt_at: iso(startedAt) });
    const failure = (e: unknown): Outcome => {
      const reason = `live: ${setup.id} at ${camera.endpoint} did not capture: ${(e as Error).message}`;
      Object.assign(status, { reachable: false, last_error: reason, consecutive_failures: status.consecutive_failures + 1 });
      return { record: { ...base, outcome: "failed", reason_code: "camera_error", reason, profile_version: snapshot.version }, picture: null };
    };
    let meter: MeterReading;
    let settings: CaptureSettings;
    try {
      meter = await camera.meter(this.within(this.requestTimeoutMs));
      settings = resolveSettings(snapshot, tick.schedule, meter);
    } catch (e) {
      return { outcome: failure(e) };
    }
    const frame = (shot: LiveShot) => captured(base, snapshot, settings, meter, shot);
    const capturing = camera.capture(settings, tick, this.within(this.lateFrameMs));
    try {
      const shot = await answerWithin(capturing, this.requestTimeoutMs, "/capture");
      Object.assign(status, { reachable: true, last_success_at: iso(clock.now()), last_error: null, consecutive_failures: 0 });
      return { outcome: frame(shot) };
    } catch (e) {
      // Unless the camera refused, it may have captured after all: its frame, or its log, may still say so.
      return { outcome: failure(e), late: e instanceof CameraRefused ? undefined : this.lateFrame(camera, tick, capturing, frame) };
    }
  }

  /**
   * The frame of a capture the hub stopped waiting for: its answer, when it comes; when the
   * request fails after all (cut off, or no answer in the long wait), what the agent's own
   * log says became of the tick; null when neither shows a capture.
   */
  private async lateFrame(camera: LiveCamera, tick: PlannedTick, capturing: Promise<LiveShot>, frame: (shot: LiveShot) => Outcome): Promise<Outcome | null> {
    try {
      return frame(await capturing);
    } catch {
      const logged = await camera.logged(tick, this.within(this.requestTimeoutMs)).catch(() => null);
      if (logged?.outcome !== "captured") return null;
      const outcome = frame({ captureId: logged.id, exposure: logged.exposure, image: logged.image, measures: Promise.resolve(logged.measures), picture: null });
      return { ...outcome, record: { ...outcome.record, settings: logged.settings ?? outcome.record.settings, meter: logged.meter ?? outcome.record.meter } };
    }
  }

  /** Stores an outcome's record, and the picture the hub fetched for it; the stored record, or null. */
  private async keep(cameraId: string, outcome: Outcome): Promise<CaptureRecord | null> {
    const record = await complete(outcome);
    let stored: CaptureRecord | null = null;
    try {
      stored = await storeLiveRecord(this.ctx.db, cameraId, record, this.ctx.clock.now());
    } catch (e) {
      // A record the hub cannot store (it clashes with one the agent uploaded itself) must not stop the orchestration.
      console.error(`hub: live ${cameraId} ${record.planned_at}: ${(e as Error).message}`);
    }
    if (stored && outcome.picture) await this.storePicture(cameraId, stored.id, outcome.picture);
    return stored;
  }

  private async storePicture(cameraId: string, captureId: string, coming: Promise<Picture | null>): Promise<void> {
    try {
      const picture = await coming;
      if (picture) await this.images.storeFetched(cameraId, captureId, picture.jpeg, picture.thumbnail, this.ctx.clock.now());
    } catch (e) {
      console.error(`hub: live ${cameraId}: the picture of capture ${captureId} was not stored: ${(e as Error).message}`);
    }
  }

  /** The frame of a capture the hub gave up on, if it comes: it replaces the failure stored for the tick. */
  private async awaitLateFrame(setup: CameraSetup, failed: CaptureRecord, late: Promise<Outcome | null>): Promise<void> {
    const frame = await late;
    if (!frame) return;
    const record = await complete(frame);
    if (!(await replaceWithLateFrame(this.ctx.db, setup.id, failed, record))) return;
    console.log(`hub: live ${setup.id} ${failed.planned_at}: the frame came after the timeout; it replaces the camera error`);
    this.statusOf(setup).last_success_at = iso(this.ctx.clock.now());
    if (frame.picture) await this.storePicture(setup.id, record.id, frame.picture);
  }

  private statusOf(setup: CameraSetup): LiveStatus {
    let s = this.status.get(setup.id);
    if (!s) {
      s = { camera_id: setup.id, endpoint: new LiveCamera(setup).endpoint, api: setup.config.api ?? "skylapse", reachable: null, last_attempt_at: null, last_success_at: null, last_error: null, consecutive_failures: 0 };
      this.status.set(setup.id, s);
    }
    return s;
  }
}

/** The record of a capture the camera delivered (with the picture the hub fetched, if any). */
function captured(base: NewRecord, snapshot: ProfileSnapshot, settings: CaptureSettings, meter: MeterReading, shot: LiveShot): Outcome {
  return {
    record: { ...base, id: shot.captureId ?? base.id, profile_version: snapshot.version, outcome: "captured", settings, meter, exposure: shot.exposure, image: shot.image },
    picture: shot.picture,
    measures: shot.measures,
  };
}
