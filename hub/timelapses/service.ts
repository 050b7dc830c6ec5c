import { randomBytes } from "node:crypto";
import type { Timelapse, TimelapseSpec, TimelapseStatus } from "../../shared/contracts/timelapse";
import { HttpError, notFound } from "../../shared/http";
import { OPERATOR, recordAudit } from "../audit/service";
import type { HubContext } from "../context";
import { watchLock, writeWhenFree } from "../db/locks";
import { isPostgres } from "../db/client";
import { inTransaction } from "../db/transaction";
import { isBusy } from "../../shared/sqlite";
import { knownCameraIds } from "../cameras/data";
import { profileExists } from "../profiles/data";
import { type ImageStorage, timelapseKey } from "../storage";
import { storedResponse } from "../storage/serve";
import { deleteTimelapse, insertTimelapse, queueCounts, type TimelapseRow as Row, timelapseRow, timelapseRows, timelapseWithSpec, updateRunningAttempt, updateTimelapse } from "./data";
import { claimJob, renewLease, requeueRunning } from "./queue";
import { render, RenderError } from "./render";
import { selectFrames } from "./selection";
import { specColumns, specKey, timelapseView } from "./view";

/** Real ms a claimed render stays its worker's without a heartbeat; a dead worker's job is taken over after it. */
const LEASE_REAL_MS = 10_000;
const HEARTBEAT_REAL_MS = 3_000;

export interface RendererOptions {
  storage: ImageStorage;
  /** Where renders stage their frames (removed after each render). */
  workDir: string;
  ffmpeg: string;
  /** Renders at once. */
  concurrency: number;
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
    const row = await timelapseRow(this.ctx.db, id);
    if (!row) throw notFound(`timelapse ${id}`);
    return row;
  }

  /** Queues a render; the same spec again returns its job, re-rendered unless it is already queued or running. */
  async request(spec: TimelapseSpec, origin: Row["origin"], actor = OPERATOR): Promise<{ id: string; created: boolean }> {
    const columns = specColumns(spec);
    const { cameraIds } = columns;
    const known = await knownCameraIds(this.ctx.db, cameraIds);
    const unknown = cameraIds.filter((id) => !known.has(id));
    if (unknown.length) throw new HttpError(422, "invalid_request", `body.${spec.camera_ids ? "camera_ids" : "camera_id"}: unknown camera ${unknown.map((id) => `'${id}'`).join(", ")}`);
    if (spec.profile_id && !(await profileExists(this.ctx.db, spec.profile_id)))
      throw new HttpError(422, "invalid_request", `body.profile_id: unknown profile '${spec.profile_id}'`);
    const key = specKey(spec);
    const now = this.ctx.clock.now();
    const result = await inTransaction(this.ctx.db, async (t) => {
      const existing = await timelapseWithSpec(t, key);
      if (existing && (existing.status === "queued" || existing.status === "running")) return { id: existing.id, created: false };
      const reset = { status: "queued" as const, framesDone: 0, error: null, startedAt: null, finishedAt: null };
      if (existing) {
        await updateTimelapse(t, existing.id, reset);
        await recordAudit(t, { actor, action: "timelapse.rerender", target: `timelapse:${existing.id}`, before: { status: existing.status }, after: { status: "queued" } }, now);
        return { id: existing.id, created: false };
      }
      const id = `tl_${randomBytes(9).toString("base64url")}`;
      await insertTimelapse(t, { id, specKey: key, origin, ...columns, createdAt: now, ...reset });
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
    return (await timelapseRows(this.ctx.db, filter)).map(timelapseView);
  }

  /** How many renders wait and how many run now. */
  queueCounts(): Promise<{ queued: number; running: number }> {
    return queueCounts(this.ctx.db);
  }

  /** Stops a queued or running render (409 once it has finished). */
  async cancel(id: string): Promise<Timelapse> {
    const row = await this.row(id);
    if (row.status !== "queued" && row.status !== "running")
      throw new HttpError(409, "not_running", `timelapse ${id} is ${row.status}; only a queued or running render can be cancelled`);
    const now = this.ctx.clock.now();
    await inTransaction(this.ctx.db, async (t) => {
      await updateTimelapse(t, id, { status: "cancelled", finishedAt: now, error: null });
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
      await deleteTimelapse(t, id);
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
    return writeWhenFree(this.ctx.db, () => updateRunningAttempt(this.ctx.db, job, set));
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
