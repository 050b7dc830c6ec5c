/**
 * Automatic renders: a session is one schedule's window on one day for one
 * camera (the first system's unit) — for a cron schedule, all its windows of
 * that local day. When its window has closed and its
 * pictures have arrived — or a settle time has passed since it closed, for
 * ticks that will never come — the hub queues its timelapse once.
 */
import type { ImageSyncPolicy } from "../../shared/contracts/sync";
import type { DeflickerMode, FrameSource, TimelapseSpec } from "../../shared/contracts/timelapse";
import type { PlanWindow } from "../../shared/contracts/plan";
import { formatLocalDate, localDateOf } from "../../shared/plan/local-time";
import { plannedTicks } from "../../shared/plan/ticks";
import type { HubContext } from "../context";
import { activeCameraIds } from "../cameras/data";
import { planInForce } from "../plans/service";
import type { CaptureRow } from "./frames";
import { timelapseWithSpec } from "./data";
import { captureRows } from "./selection";
import type { TimelapseJobs } from "./service";
import { specKey } from "./view";

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

/**
 * One schedule's window on one day: the parts a plan change mid-window left it
 * in, joined; for a cron schedule, every window of that local day.
 */
export interface Session {
  schedule: string;
  start: string;
  end: string;
  parts: PlanWindow[];
}

/**
 * The sessions of the plan whose windows closed in (now − lookback, now].
 * `cronDay` names the local day of a cron schedule's window (null for others):
 * windows of one cron schedule on one day are one session.
 */
export function closedSessions(windows: readonly PlanWindow[], now: number, lookbackMs: number, cronDay: (w: PlanWindow) => string | null = () => null): Session[] {
  const sessions: Session[] = [];
  for (const w of [...windows].sort((a, b) => a.start.localeCompare(b.start))) {
    const day = cronDay(w);
    const before = sessions.findLast((s) => s.schedule === w.schedule && (s.end === w.start || (day !== null && cronDay(s.parts[0]!) === day)));
    if (before) {
      before.end = w.end;
      before.parts.push(w);
    } else sessions.push({ schedule: w.schedule, start: w.start, end: w.end, parts: [w] });
  }
  return sessions.filter((s) => {
    const end = Date.parse(s.end);
    return end <= now && end > now - lookbackMs;
  });
}

export function sessionSpec(cameraId: string, s: Session, source: FrameSource, policy: AutoRenderPolicy): TimelapseSpec {
  return { camera_id: cameraId, from: s.start, to: s.end, schedule: s.schedule, fps: policy.fps, crf: policy.crf, deflicker: policy.deflicker, source };
}

/** One pass over every active camera: queues the sessions that are ready. Returns the ids queued. */
export async function queueClosedSessions(ctx: HubContext, jobs: TimelapseJobs, policy: AutoRenderPolicy): Promise<string[]> {
  const now = ctx.clock.now();
  const queued: string[] = [];
  for (const id of await activeCameraIds(ctx.db)) {
    // Planned a day wider on both sides, so no window is cut short at an end of the range (its spec would change every pass).
    // The plan in force then: a camera not in contact yet has no sessions to wait for.
    const plan = await planInForce(ctx.db, id, now - policy.lookbackMs - DAY_MS, now + DAY_MS, now);
    if (!plan) continue;
    const { rules, position } = plan.setup;
    const cronDay = (w: PlanWindow) => (rules[w.schedule]?.type === "cron" ? formatLocalDate(localDateOf(position.timezone, Date.parse(w.start))) : null);
    for (const session of closedSessions(plan.windows, now, policy.lookbackMs, cronDay)) {
      const spec = sessionSpec(id, session, sourceFor(plan.setup.config.image_sync, session.schedule), policy);
      const from = Date.parse(session.start);
      const to = Date.parse(session.end);
      const existing = await timelapseWithSpec(ctx.db, specKey(spec));
      if (existing) {
        // Rendered short of pictures that have come in since (a ridge back from an outage): render it again, in place.
        if (existing.origin !== "auto" || existing.status !== "done" || existing.missing === 0) continue;
        if (pictured(await captureRows(ctx, id, from, to, spec.source), session.schedule) > existing.frames) queued.push((await jobs.request(spec, "auto", "hub")).id);
        continue;
      }
      const planned = plannedTicks(session.parts, from, to).map((t) => t.at);
      if (!planned.length) continue;
      const rows = await captureRows(ctx, id, from, to, spec.source);
      // Settled: render what came, unless nothing did (a camera that was off all session has no timelapse).
      const ready = now >= to + policy.settleMs ? pictured(rows, session.schedule) > 0 : sessionComplete(rows, planned, session.schedule);
      if (!ready) continue;
      queued.push((await jobs.request(spec, "auto", "hub")).id);
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

  async pass(): Promise<string[]> {
    try {
      const queued = await queueClosedSessions(this.ctx, this.jobs, this.policy);
      if (queued.length) console.log(`hub: queued ${queued.length} session timelapse(s)`);
      return queued;
    } catch (e) {
      console.error(`hub: session timelapse scan failed: ${(e as Error).message}`);
      return [];
    }
  }

  start(): void {
    this.timer ??= setInterval(() => void this.pass(), this.policy.scanEveryMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
