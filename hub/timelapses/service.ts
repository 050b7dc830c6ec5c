import { randomBytes } from "node:crypto";
import { and, asc, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { canonicalJson } from "../../shared/canonical";
import type { Timelapse, TimelapseSpec, TimelapseStatus } from "../../shared/contracts/timelapse";
import { plannedTicks } from "../../shared/plan/ticks";
import { HttpError, notFound } from "../../shared/http";
import { OPERATOR, recordAudit } from "../audit/service";
import type { HubContext } from "../context";
import { watchLock, writeWhenFree } from "../db/locks";
import { isProduction } from "../db/captures";
import { isPostgres } from "../db/client";
import { inTransaction } from "../db/transaction";
import { isBusy } from "../../shared/sqlite";
import { cameras, captureImages, captures, profiles, timelapses } from "../db/schema";
import { planInForce } from "../plans/service";
import { type ImageStorage, timelapseKey } from "../storage";
import { storedResponse } from "../storage/serve";
import { type CaptureRow, frameSequence, type Frame, gridSequence } from "./frames";
import { claimJob, renewLease, requeueRunning } from "./queue";
import { render, RenderError } from "./render";

/** Real ms a claimed render stays its worker's without a heartbeat; a dead worker's job is taken over after it. */
const LEASE_REAL_MS = 10_000;
const HEARTBEAT_REAL_MS = 3_000;

type Row = typeof timelapses.$inferSelect;

export interface RendererOptions {
  storage: ImageStorage;
  /** Where renders stage their frames (removed after each render). */
  workDir: string;
  ffmpeg: string;
  /** Renders at once. */
  concurrency: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function timelapseView(r: Row): Timelapse {
  const done = r.status === "done";
  return {
    id: r.id,
    status: r.status,
    progress: r.status === "done" ? 1 : r.frames ? Math.min(1, r.framesDone / r.frames) : 0,
    frames: r.frames,
    frames_done: r.framesDone,
    missing: r.missing,
    url: done ? `/api/timelapses/${r.id}/video` : null,
    poster_url: done ? `/api/timelapses/${r.id}/poster` : null,
    error: r.error,
    origin: r.origin,
    camera_ids: r.cameraIds,
    from: iso(r.fromAt)!,
    to: iso(r.toAt)!,
    schedule: r.schedule,
    profile_id: r.profileId,
    fps: r.fps,
    crf: r.crf,
    deflicker: r.deflicker,
    source: r.source,
    width: r.width,
    height: r.height,
    bytes: r.bytes,
    created_at: iso(r.createdAt)!,
    started_at: iso(r.startedAt),
    finished_at: iso(r.finishedAt),
  };
}

/** A request's spec as the job row holds it. */
function specColumns(spec: TimelapseSpec) {
  return {
    cameraIds: spec.camera_ids ?? [spec.camera_id!],
    fromAt: Date.parse(spec.from),
    toAt: Date.parse(spec.to),
    schedule: spec.schedule ?? null,
    profileId: spec.profile_id ?? null,
    fps: spec.fps,
    crf: spec.crf,
    deflicker: spec.deflicker,
    source: spec.source,
  };
}

/** Jobs whose cameras include `cameraId` (the ids are a JSON array in text; ids never hold a quote). */
function namesCamera(cameraId: string) {
  const pattern = `%${JSON.stringify(cameraId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`${timelapses.cameraIds} LIKE ${pattern} ESCAPE '\\'`;
}

/** The spec's identity: asking for the same render again finds the same job. */
export function specKey(spec: TimelapseSpec): string {
  return canonicalJson(specColumns(spec));
}

/** The capture rows of one camera in [from, to), with whether the hub holds the picture a render of `source` needs. */
export async function captureRows(ctx: HubContext, cameraId: string, from: number, to: number, source: Row["source"]): Promise<CaptureRow[]> {
  const held =
    source === "full"
      ? sql<number>`(${captureImages.imageCompleteAt} IS NOT NULL AND ${captureImages.imagePurgedAt} IS NULL)`
      : sql<number>`(${captureImages.thumbnailAt} IS NOT NULL AND ${captureImages.thumbnailPurgedAt} IS NULL)`;
  return (
    await ctx.db
      .select({ id: captures.id, record: captures.record, held })
      .from(captures)
      .leftJoin(captureImages, eq(captureImages.captureId, captures.id))
      .where(and(eq(captures.cameraId, cameraId), gte(captures.plannedAt, from), lt(captures.plannedAt, to)))
      .orderBy(asc(captures.plannedAt))
  ).map(({ id, record: r, held }) => ({
      cameraId,
      captureId: id,
      plannedAt: Date.parse(r.planned_at),
      schedule: r.schedule,
      profileId: r.profile_id,
      outcome: r.outcome,
      variant: !isProduction(r.test_role),
      hasPicture: Boolean(held),
      luma: r.measures?.mean_luma ?? null,
      width: r.image?.width ?? null,
      height: r.image?.height ?? null,
    }));
}

/** What a job renders: tiles of frames, or why it cannot. */
export async function selectFrames(ctx: HubContext, job: Row): Promise<{ tiles: Frame[][]; missing: number } | { error: string }> {
  const now = ctx.clock.now();
  const sequences = [];
  for (const cameraId of job.cameraIds) {
    // The plan in force over the range, its due ticks only: a tick not due yet is not missing.
    const plan = await planInForce(ctx.db, cameraId, job.fromAt, job.toAt, now);
    const planned = plan
      ? plannedTicks(plan.windows, job.fromAt, Math.min(job.toAt, now))
          .filter((t) => (!job.schedule || t.schedule === job.schedule) && (!job.profileId || t.profile === job.profileId))
          .map((t) => t.at)
      : [];
    const rows = await captureRows(ctx, cameraId, job.fromAt, job.toAt, job.source);
    sequences.push(frameSequence(rows, planned, { schedule: job.schedule, profileId: job.profileId, schedules: plan?.schedules ?? new Set() }));
  }
  const missingPictures = job.source === "full" ? "pictures (full images not synced yet? try source \"thumbnails\")" : "pictures";
  if (sequences.length === 1) {
    const only = sequences[0]!;
    if (!only.frames.length) return { error: `no ${missingPictures} in the range: ${only.ticks} tick(s), all missing` };
    return { tiles: [only.frames], missing: only.missing };
  }
  const grid = gridSequence(sequences);
  if ("error" in grid) return { error: `camera ${job.cameraIds[grid.cameraIndex]} has no ${missingPictures} in the range` };
  return { tiles: grid.cells, missing: grid.missing };
}

/**
 * Timelapse render jobs: one row per spec, queued and run a few at a time by
 * ffmpeg; progress is written as frames are encoded; a cancel kills the render.
 * Jobs a hub restart interrupted run again.
 */
export class TimelapseJobs {
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private stopped = true;
  /** One pump at a time (a claim awaits the database); a pump asked for meanwhile runs after it. */
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private looking: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly ctx: HubContext,
    readonly options: RendererOptions & { queueLookMs: number },
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    // Alone on its SQLite file (the data dir's lock), the hub's running jobs are its own, interrupted: they run again now.
    // On PostgreSQL other replicas may be rendering theirs: a dead one's jobs are taken over when their lease runs out.
    if (!isPostgres(this.ctx.db)) await requeueRunning(this.ctx.db);
    this.looking ??= setInterval(() => void this.pump(), this.options.queueLookMs);
    this.looking.unref?.();
    await this.pump();
  }

  /** The lease a claim or a heartbeat gives, in hub-clock ms from now. */
  private leaseUntil(): number {
    return this.ctx.clock.now() + LEASE_REAL_MS * this.ctx.clock.speed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.looking) clearInterval(this.looking);
    this.looking = null;
    await this.pumping;
    for (const job of this.inFlight.values()) job.abort.abort();
    await Promise.all([...this.inFlight.values()].map((j) => j.done));
  }

  private async row(id: string): Promise<Row> {
    const [row] = await this.ctx.db.select().from(timelapses).where(eq(timelapses.id, id));
    if (!row) throw notFound(`timelapse ${id}`);
    return row;
  }

  /** Queues a render; the same spec again returns its job, re-rendered unless it is already queued or running. */
  async request(spec: TimelapseSpec, origin: Row["origin"], actor = OPERATOR): Promise<{ id: string; created: boolean }> {
    const columns = specColumns(spec);
    const { cameraIds } = columns;
    const known = new Set((await this.ctx.db.select({ id: cameras.id }).from(cameras).where(inArray(cameras.id, cameraIds))).map((c) => c.id));
    const unknown = cameraIds.filter((id) => !known.has(id));
    if (unknown.length) throw new HttpError(422, "invalid_request", `body.${spec.camera_ids ? "camera_ids" : "camera_id"}: unknown camera ${unknown.map((id) => `'${id}'`).join(", ")}`);
    if (spec.profile_id && !(await this.ctx.db.select({ id: profiles.id }).from(profiles).where(eq(profiles.id, spec.profile_id))).length)
      throw new HttpError(422, "invalid_request", `body.profile_id: unknown profile '${spec.profile_id}'`);
    const key = canonicalJson(columns);
    const now = this.ctx.clock.now();
    const result = await inTransaction(this.ctx.db, async (t) => {
      const [existing] = await t.select().from(timelapses).where(eq(timelapses.specKey, key));
      if (existing && (existing.status === "queued" || existing.status === "running")) return { id: existing.id, created: false };
      const reset = { status: "queued" as const, framesDone: 0, error: null, startedAt: null, finishedAt: null };
      if (existing) {
        await t.update(timelapses).set(reset).where(eq(timelapses.id, existing.id));
        await recordAudit(t, { actor, action: "timelapse.rerender", target: `timelapse:${existing.id}`, before: { status: existing.status }, after: { status: "queued" } }, now);
        return { id: existing.id, created: false };
      }
      const id = `tl_${randomBytes(9).toString("base64url")}`;
      await t.insert(timelapses).values({ id, specKey: key, origin, ...columns, createdAt: now, ...reset });
      await recordAudit(t, { actor, action: "timelapse.request", target: `timelapse:${id}`, before: null, after: { origin, spec } }, now);
      return { id, created: true };
    });
    void this.pump();
    return result;
  }

  async get(id: string): Promise<Timelapse> {
    return timelapseView(await this.row(id));
  }

  async list(filter: { camera_id?: string; status?: TimelapseStatus; limit: number }): Promise<Timelapse[]> {
    const where = [filter.status ? eq(timelapses.status, filter.status) : undefined, filter.camera_id ? namesCamera(filter.camera_id) : undefined];
    return (
      await this.ctx.db
        .select()
        .from(timelapses)
        .where(and(...where))
        .orderBy(desc(timelapses.createdAt), desc(timelapses.id))
        .limit(filter.limit)
    ).map(timelapseView);
  }

  /** How many renders wait and how many run now. */
  async queueCounts(): Promise<{ queued: number; running: number }> {
    const rows = await this.ctx.db
      .select({ status: timelapses.status, n: sql<number>`count(*)`.mapWith(Number) })
      .from(timelapses)
      .where(inArray(timelapses.status, ["queued", "running"]))
      .groupBy(timelapses.status);
    const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return { queued: count("queued"), running: count("running") };
  }

  /** Stops a queued or running render (409 once it has finished). */
  async cancel(id: string): Promise<Timelapse> {
    const row = await this.row(id);
    if (row.status !== "queued" && row.status !== "running")
      throw new HttpError(409, "not_running", `timelapse ${id} is ${row.status}; only a queued or running render can be cancelled`);
    const now = this.ctx.clock.now();
    await inTransaction(this.ctx.db, async (t) => {
      await t.update(timelapses).set({ status: "cancelled", finishedAt: now, error: null }).where(eq(timelapses.id, id));
      await recordAudit(t, { actor: OPERATOR, action: "timelapse.cancel", target: `timelapse:${id}`, before: { status: row.status }, after: { status: "cancelled" } }, now);
    });
    this.inFlight.get(id)?.abort.abort();
    return this.get(id);
  }

  /** Stops the render if it runs, and removes the job and its video. */
  async remove(id: string): Promise<void> {
    const row = await this.row(id);
    const now = this.ctx.clock.now();
    await inTransaction(this.ctx.db, async (t) => {
      await t.delete(timelapses).where(eq(timelapses.id, id));
      await recordAudit(t, { actor: OPERATOR, action: "timelapse.delete", target: `timelapse:${id}`, before: { status: row.status }, after: null }, now);
    });
    const running = this.inFlight.get(id);
    running?.abort.abort();
    await running?.done;
    await this.options.storage.delete(timelapseKey(id, "video"));
    await this.options.storage.delete(timelapseKey(id, "poster"));
  }

  /** The video (Range requests answered with 206), once the render is done. */
  async video(id: string, range: string | null): Promise<Response> {
    const row = await this.row(id);
    if (row.status !== "done" || row.bytes === null) throw new HttpError(409, "not_done", `timelapse ${id} is ${row.status}`);
    return storedResponse(this.options.storage, timelapseKey(id, "video"), row.bytes, range, { "content-type": "video/mp4", etag: `"${row.id}-${row.attempt}"`, "cache-control": "private, no-cache" }, `video of timelapse ${id}`);
  }

  async poster(id: string): Promise<Response> {
    const row = await this.row(id);
    if (row.status !== "done") throw new HttpError(409, "not_done", `timelapse ${id} is ${row.status}`);
    const stream = await this.options.storage.read(timelapseKey(id, "poster"));
    if (!stream) throw notFound(`poster of timelapse ${id}`);
    return new Response(stream, { headers: { "content-type": "image/jpeg", "cache-control": "private, no-cache" } });
  }

  /** Starts queued jobs, oldest first, up to the concurrency. */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = this.pumpOnce()
      .catch((e) => console.error(`hub: timelapse queue: ${(e as Error).message}`))
      .finally(() => {
        this.pumping = null;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          void this.pump();
        }
      });
    return this.pumping;
  }

  private async pumpOnce(): Promise<void> {
    while (!this.stopped && this.inFlight.size < this.options.concurrency) {
      let next: Row | null;
      try {
        next = await this.claim();
      } catch (e) {
        if (!isBusy(e)) throw e;
        // Another process holds the database: claim once it lets go.
        void watchLock(this.ctx.db).then(() => this.pump());
        return;
      }
      if (!next) return;
      const job = next;
      const abort = new AbortController();
      // Held while it renders; a job that is no longer this attempt's (cancelled here or on another replica, taken over) stops.
      const heartbeat = setInterval(() => {
        renewLease(this.ctx.db, job, this.leaseUntil())
          .then((held) => held || abort.abort())
          .catch((e) => console.error(`hub: timelapse ${job.id}: lease not renewed: ${(e as Error).message}`));
      }, HEARTBEAT_REAL_MS);
      const done = this.runJob(job, abort.signal)
        .catch((e) => console.error(`hub: timelapse ${job.id}: ${(e as Error).message}`))
        .finally(() => {
          clearInterval(heartbeat);
          this.inFlight.delete(job.id);
          void this.pump();
        });
      this.inFlight.set(job.id, { abort, done });
    }
  }

  private claim(): Promise<Row | null> {
    return claimJob(this.ctx.db, this.ctx.clock.now(), this.leaseUntil(), [...this.inFlight.keys()]);
  }

  /**
   * Writes to the job only while this attempt is still the running one (not cancelled, deleted or re-queued);
   * while another process holds the database it waits off the event loop (hub/db/locks).
   */
  private settle(job: Row, set: Partial<Row>): Promise<boolean> {
    return writeWhenFree(this.ctx.db, async () => {
      const changed = await this.ctx.db
        .update(timelapses)
        .set(set)
        .where(and(eq(timelapses.id, job.id), eq(timelapses.attempt, job.attempt), eq(timelapses.status, "running")))
        .returning({ id: timelapses.id });
      return changed.length > 0;
    });
  }

  private async runJob(job: Row, signal: AbortSignal): Promise<void> {
    const selection = await selectFrames(this.ctx, job);
    if ("error" in selection) {
      await this.settle(job, { status: "failed", error: selection.error, frames: 0, missing: 0, finishedAt: this.ctx.clock.now() });
      return;
    }
    const frames = selection.tiles[0]!.length;
    if (!(await this.settle(job, { frames, missing: selection.missing }))) return;
    let lastWrite = 0;
    try {
      const result = await render(
        { id: job.id, tiles: selection.tiles, fps: job.fps, crf: job.crf, deflicker: job.deflicker, source: job.source },
        {
          ...this.options,
          signal,
          onProgress: (n) => {
            if (performance.now() - lastWrite < 200) return;
            lastWrite = performance.now();
            // Progress is best effort: a write that cannot be made is not worth failing the render.
            this.settle(job, { framesDone: Math.min(n, frames) }).catch(() => {});
          },
        },
      );
      try {
        if (signal.aborted || !(await this.settle(job, { framesDone: frames }))) return;
        await this.options.storage.putFile(timelapseKey(job.id, "video"), result.video);
        await this.options.storage.putFile(timelapseKey(job.id, "poster"), result.poster);
        await this.settle(job, { status: "done", width: result.width, height: result.height, bytes: result.bytes, finishedAt: this.ctx.clock.now() });
      } finally {
        result.cleanup();
      }
    } catch (e) {
      if (signal.aborted) return;
      const message = e instanceof RenderError ? e.message : `render failed: ${(e as Error).message}`;
      await this.settle(job, { status: "failed", error: message, finishedAt: this.ctx.clock.now() });
    }
  }
}
