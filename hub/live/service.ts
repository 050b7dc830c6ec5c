import { and, eq, max } from "drizzle-orm";
import { type CaptureRecord, emptyCaptureRecord } from "../../shared/contracts/sync";
import { MeterReading } from "../../shared/contracts/settings";
import { settingsToSeedRequest } from "../../shared/exposure/compile";
import { resolveSettings } from "../../shared/exposure/resolve";
import { lateness, nextTicks, type PlannedTick } from "../../shared/plan/ticks";
import { planRange } from "../../shared/plan/windows";
import { ingestBatch } from "../agents/service";
import { cameraRevision } from "../config/revision";
import type { HubContext } from "../context";
import { cameras, captures } from "../db/schema";
import { latestVersion } from "../profiles/service";
import { cameraSetup, type CameraSetup, planFor } from "../plans/service";

export interface LiveStatus {
  camera_id: string;
  endpoint: string;
  reachable: boolean | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
}

/** Longest the loop sleeps (clock ms) before it looks at the configuration again. */
const RECHECK_MS = 60_000;

const iso = (t: number) => new Date(t).toISOString();

/**
 * Live orchestration (development mode, Pis on the hub's LAN): at each tick the
 * hub meters every due live camera, computes the settings with the shared
 * exposure code, and asks for a capture with those explicit settings — all due
 * cameras in parallel. One attempt per tick: a camera that does not answer is
 * recorded as such and does not delay the others.
 */
export class LiveOrchestrator {
  readonly status = new Map<string, LiveStatus>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake = new AbortController();
  private lastTick = new Map<string, number>();
  /** Cameras whose previous tick is still being captured (a slow camera only delays itself). */
  private inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: HubContext,
    private readonly requestTimeoutMs: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
    await Promise.all(this.inFlight.values());
  }

  private liveCameras(): CameraSetup[] {
    return this.ctx.db
      .select({ id: cameras.id, config: cameras.config })
      .from(cameras)
      .all()
      .filter((c) => c.config.mode === "live" && c.config.host)
      .map((c) => cameraSetup(this.ctx.db, c.id))
      .filter((s): s is CameraSetup => s !== null);
  }

  private async run(): Promise<void> {
    const { clock } = this.ctx;
    while (this.running) {
      const now = clock.now();
      const due = new Map<CameraSetup, PlannedTick[]>();
      let at = Infinity;
      for (const setup of this.liveCameras()) {
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
          for (const tick of ticks) this.store(setup.id, this.missed(setup, tick, "late", "late: the camera's previous capture was still running"));
          continue;
        }
        this.inFlight.set(setup.id, this.fire(setup, ticks).finally(() => this.inFlight.delete(setup.id)));
      }
      // The hub runs a live camera's plan itself: what it drives by is in force from this tick (recorded once the shots are under way).
      for (const setup of due.keys()) this.ctx.planHistory.served(setup.id, cameraRevision(this.ctx.db, setup.id), at);
    }
  }

  private async fire(setup: CameraSetup, ticks: PlannedTick[]): Promise<void> {
    for (const tick of ticks) this.store(setup.id, await this.shoot(setup, tick));
  }

  private missed(setup: CameraSetup, tick: PlannedTick, code: "late", reason: string): Omit<CaptureRecord, "seq"> {
    return { ...this.blank(setup, tick), reason_code: code, reason };
  }

  private endpoint(setup: CameraSetup): string {
    return `http://${setup.config.host}:${setup.config.port ?? 8080}`;
  }

  private async call(setup: CameraSetup, path: string, init?: RequestInit): Promise<unknown> {
    const res = await fetch(this.endpoint(setup) + path, { ...init, signal: AbortSignal.timeout(this.requestTimeoutMs) });
    const body = (await res.json().catch(() => null)) as { message?: string; detail?: string } | null;
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${body?.message ?? body?.detail ?? "no detail"}`);
    return body;
  }

  /** meter → settings (shared exposure code) → capture with explicit settings; a failure is a record too. */
  private blank(setup: CameraSetup, tick: PlannedTick): Omit<CaptureRecord, "seq"> {
    return emptyCaptureRecord({ id: `live-${crypto.randomUUID()}`, planned_at: iso(tick.at), schedule: tick.schedule, profile_id: tick.profile, boot_id: "hub" });
  }

  private async shoot(setup: CameraSetup, tick: PlannedTick): Promise<Omit<CaptureRecord, "seq">> {
    const { clock } = this.ctx;
    const startedAt = clock.now();
    const base = this.blank(setup, tick);
    if (lateness(tick, startedAt).late) return { ...base, reason_code: "late", reason: `late: the hub reached this tick ${startedAt - tick.at} ms after it` };
    // The camera's assignment (a pinned version, say after a rollback) for its own profile; the latest for burst profiles.
    const snapshot = setup.assigned?.profile_id === tick.profile ? setup.assigned : latestVersion(this.ctx.db, tick.profile);
    if (!snapshot) return { ...base, outcome: "failed", reason_code: "no_snapshot", reason: `no published version of profile ${tick.profile}` };
    const status = this.statusOf(setup);
    status.last_attempt_at = iso(startedAt);
    try {
      const meter = MeterReading.parse(await this.call(setup, "/meter"));
      const settings = resolveSettings(snapshot, tick.schedule, meter);
      const shot = (await this.call(setup, "/capture", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...settingsToSeedRequest(settings), profile: tick.profile, schedule: tick.schedule, planned_at: iso(tick.at) }),
      })) as { capture_id: string; exposure: CaptureRecord["exposure"]; image: CaptureRecord["image"] };
      Object.assign(status, { reachable: true, last_success_at: iso(clock.now()), last_error: null, consecutive_failures: 0 });
      return { ...base, id: `live-${shot.capture_id}`, captured_at: iso(startedAt), profile_version: snapshot.version, outcome: "captured", settings, meter, exposure: shot.exposure, image: shot.image };
    } catch (e) {
      const reason = `live: ${setup.id} at ${this.endpoint(setup)} did not capture: ${(e as Error).message}`;
      Object.assign(status, { reachable: false, last_error: reason, consecutive_failures: status.consecutive_failures + 1 });
      return { ...base, captured_at: iso(startedAt), outcome: "failed", reason_code: "camera_error", reason, profile_version: snapshot.version };
    }
  }

  private statusOf(setup: CameraSetup): LiveStatus {
    let s = this.status.get(setup.id);
    if (!s) {
      s = { camera_id: setup.id, endpoint: this.endpoint(setup), reachable: null, last_attempt_at: null, last_success_at: null, last_error: null, consecutive_failures: 0 };
      this.status.set(setup.id, s);
    }
    return s;
  }

  /** Recorded like an autonomous capture, in the hub's own log for this camera. */
  private store(cameraId: string, record: Omit<CaptureRecord, "seq">): void {
    const logId = `live-${cameraId}`;
    try {
      const last = this.ctx.db.select({ seq: max(captures.seq) }).from(captures).where(and(eq(captures.cameraId, cameraId), eq(captures.logId, logId))).get()?.seq ?? 0;
      ingestBatch(this.ctx.db, cameraId, { log_id: logId, records: [{ ...record, seq: last + 1 }] }, this.ctx.clock.now());
    } catch (e) {
      // A record the hub cannot store (it clashes with one the agent uploaded itself) must not stop the orchestration.
      console.error(`hub: live ${cameraId} ${record.planned_at}: ${(e as Error).message}`);
    }
  }
}
