/**
 * Automatic renders: a session is one schedule's window on one day for one
 * camera (the first system's unit) — for a cron schedule, all its windows of
 * that local day. When its window has closed and its
 * pictures have arrived — or a settle time has passed since it closed, for
 * ticks that will never come — the hub queues its timelapse once.
 */
import { eq, isNull } from "drizzle-orm";
import type { ImageSyncPolicy } from "../../shared/contracts/sync";
import type { DeflickerMode, FrameSource, TimelapseSpec } from "../../shared/contracts/timelapse";
import type { PlanWindow } from "../../shared/contracts/plan";
import { formatLocalDate, localDateOf } from "../../shared/plan/local-time";
import { plannedTicks } from "../../shared/plan/ticks";
import type { HubContext } from "../context";
import { cameras, timelapses } from "../db/schema";
import { type CameraSetup, cameraSetup, planFor } from "../plans/service";
import type { CaptureRow } from "./frames";
import { captureRows, specKey, type TimelapseJobs } from "./service";

const DAY_MS = 86_400_000;

export interface AutoRenderPolicy {
  fps: number;
  crf: number;
  deflicker: DeflickerMode;
  /** After a window closes, how long (hub time) to wait for ticks and pictures that have not arrived before rendering anyway. */
  settleMs: number;
  /** Sessions that closed longer ago than this are not rendered automatically. */
  lookbackMs: number;
  /** Real ms between passes. */
  scanEveryMs: number;
}

/** Full images when the camera sends them for this schedule, else its thumbnails. */
export function sourceFor(policy: ImageSyncPolicy | undefined, schedule: string): FrameSource {
  if (!policy || policy === "all") return "full";
  if (policy === "thumbnails") return "thumbnails";
  return policy.schedules.includes(schedule) ? "full" : "thumbnails";
}

/** Every planned tick has its record, and every captured one its picture. */
export function sessionComplete(rows: readonly CaptureRow[], planned: readonly number[], schedule: string): boolean {
  const own = rows.filter((r) => r.schedule === schedule && !r.variant);
  const recorded = new Set(own.map((r) => r.plannedAt));
  return planned.every((t) => recorded.has(t)) && own.every((r) => r.outcome !== "captured" || r.hasPicture);
}

/** Distinct ticks of the schedule with a production picture at the hub. */
export function pictured(rows: readonly CaptureRow[], schedule: string): number {
  return new Set(rows.filter((r) => r.schedule === schedule && !r.variant && r.outcome === "captured" && r.hasPicture).map((r) => r.plannedAt)).size;
}

/** The sessions of the camera's plan whose windows closed in (now − lookback, now]. */
export function closedWindows(windows: readonly PlanWindow[], now: number, lookbackMs: number): PlanWindow[] {
  return windows.filter((w) => {
    const end = Date.parse(w.end);
    return end <= now && end > now - lookbackMs;
  });
}

/** The plan's sessions: each its windows and the span from the first's start to the last's end. */
export function sessionsOf(windows: readonly PlanWindow[], setup: Pick<CameraSetup, "rules" | "position">): { span: PlanWindow; windows: PlanWindow[] }[] {
  const sessions = new Map<string, PlanWindow[]>();
  windows.forEach((w, i) => {
    const day = formatLocalDate(localDateOf(setup.position.timezone, Date.parse(w.start)));
    const key = setup.rules[w.schedule]?.type === "cron" ? `${w.schedule}|${day}` : String(i);
    sessions.set(key, [...(sessions.get(key) ?? []), w]);
  });
  return [...sessions.values()].map((ws) => ({ span: { ...ws[0]!, end: ws[ws.length - 1]!.end }, windows: ws }));
}

export function sessionSpec(cameraId: string, w: PlanWindow, source: FrameSource, policy: AutoRenderPolicy): TimelapseSpec {
  return { camera_id: cameraId, from: w.start, to: w.end, schedule: w.schedule, fps: policy.fps, crf: policy.crf, deflicker: policy.deflicker, source };
}

/** One pass over every active camera: queues the sessions that are ready. Returns the ids queued. */
export function queueClosedSessions(ctx: HubContext, jobs: TimelapseJobs, policy: AutoRenderPolicy): string[] {
  const now = ctx.clock.now();
  const queued: string[] = [];
  const active = ctx.db.select({ id: cameras.id }).from(cameras).where(isNull(cameras.retiredAt)).all();
  for (const { id } of active) {
    const setup = cameraSetup(ctx.db, id);
    if (!setup) continue;
    // Planned a day wider on both sides, so no window is cut short at an end of the range (its spec would change every pass).
    const sessions = sessionsOf(planFor(setup, now - policy.lookbackMs - DAY_MS, now + DAY_MS, now).windows, setup);
    const closed = new Set(closedWindows(sessions.map((session) => session.span), now, policy.lookbackMs));
    for (const { span: w, windows } of sessions) {
      if (!closed.has(w)) continue;
      const spec = sessionSpec(id, w, sourceFor(setup.config.image_sync, w.schedule), policy);
      const from = Date.parse(w.start);
      const to = Date.parse(w.end);
      const existing = ctx.db.select().from(timelapses).where(eq(timelapses.specKey, specKey(spec))).get();
      if (existing) {
        // Rendered short of pictures that have come in since (a ridge back from an outage): render it again, in place.
        if (existing.origin !== "auto" || existing.status !== "done" || existing.missing === 0) continue;
        if (pictured(captureRows(ctx, id, from, to, spec.source), w.schedule) > existing.frames) queued.push(jobs.request(spec, "auto", "hub").id);
        continue;
      }
      const planned = plannedTicks(windows, from, to).map((t) => t.at);
      if (!planned.length) continue;
      const rows = captureRows(ctx, id, from, to, spec.source);
      // Settled: render what came, unless nothing did (a camera that was off all session has no timelapse).
      const ready = now >= to + policy.settleMs ? pictured(rows, w.schedule) > 0 : sessionComplete(rows, planned, w.schedule);
      if (!ready) continue;
      queued.push(jobs.request(spec, "auto", "hub").id);
    }
  }
  return queued;
}

/** Runs queueClosedSessions every `scanEveryMs`; a failed pass is logged and the next one runs. */
export class SessionRenders {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly ctx: HubContext,
    private readonly jobs: TimelapseJobs,
    private readonly policy: AutoRenderPolicy,
  ) {}

  pass(): string[] {
    try {
      const queued = queueClosedSessions(this.ctx, this.jobs, this.policy);
      if (queued.length) console.log(`hub: queued ${queued.length} session timelapse(s)`);
      return queued;
    } catch (e) {
      console.error(`hub: session timelapse scan failed: ${(e as Error).message}`);
      return [];
    }
  }

  start(): void {
    this.timer ??= setInterval(() => this.pass(), this.policy.scanEveryMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
