import type { ImageSyncPolicy, ImageSyncProgress } from "../../../shared/contracts/sync";
import type { EdgeDb } from "../../db/client";
import type { ImageStore } from "../../store/images";
import { type HubClient, type HubRequest, sleep, statusOf } from "../../hub-client";
import { type BackoffPolicy, retryDelay } from "../backoff";
import type { DesiredStore } from "../desired";
import { ThumbnailMaker } from "../thumbnail";
import { uploadFullImage } from "./full-image";
import { ImageSyncProgressCount } from "./progress";
import { markSent, pendingCaptures, wantsFullImage } from "./queue";
import { uploadThumbnails } from "./thumbnails";
import type { UploadRun } from "./uploads";

export { makeThumbnail, THUMBNAIL_WIDTH } from "../thumbnail";
export { wantsFullImage } from "./queue";

/** Real ms between looks for work when there is none (a wake() cuts it short). */
const IDLE_MS = 2_000;
const IMAGE_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };
/** A capture whose upload failed this often in a row waits for the agent's next start. */
const GIVE_UP_AFTER = 5;
/** Captures looked at per round. */
const ROUND = 50;

export interface ImageSyncDeps {
  hub: HubClient;
  db: EdgeDb;
  images: ImageStore;
  /** True while records wait to be sent (those the SyncLoop may send now). */
  recordsWaiting: () => boolean;
  /** Asks the SyncLoop to send them now; its ack wakes this loop again. */
  flushRecords: () => void;
  desired: DesiredStore;
  /** Clock time for image_synced_at / thumb_synced_at. */
  now: () => number;
  /** Largest full-image chunk, bytes (≤ 1 MiB). */
  chunkBytes: number;
  /** A capture whose picture will not be sent until the next start (or ever, without a thumbnail), and why. */
  onSetAside?: (captureId: string, why: string) => void;
  /** After a round that sent something (its file reads and replies are garbage now): the agent's GarbageCollector. */
  afterWork?: () => void;
}

export interface ImageSyncStatus {
  thumbnails: number;
  images: number;
  bytes: number;
  lastError: string | null;
  failures: number;
}

/**
 * Pictures to the hub, behind the records: a thumbnail for every capture record
 * the hub holds (right after its batch: the SyncLoop's ack wakes this loop), then
 * full images oldest first as the camera's policy asks, in resumable chunks
 * (full-image.ts). Full images wait whenever the outbox holds records. A full
 * image the hub verified sets image_synced_at, which lets retention delete it
 * here first.
 */
export class ImageSync {
  readonly status: ImageSyncStatus = { thumbnails: 0, images: 0, bytes: 0, lastError: null, failures: 0 };
  private running = false;
  private stopping = new AbortController();
  private wakeSignal = new AbortController();
  private loop: Promise<void> | null = null;
  /** Captures whose uploads keep failing: skipped until the next start. */
  private strikes = new Map<string, number>();
  private readonly thumbnailMaker = new ThumbnailMaker();
  private readonly count: ImageSyncProgressCount;
  private readonly run: UploadRun;

  constructor(private readonly deps: ImageSyncDeps) {
    this.count = new ImageSyncProgressCount(deps.db, deps.desired);
    this.run = {
      deps,
      status: this.status,
      budget: deps.hub.budget,
      stopping: this.stopping.signal,
      running: () => this.running,
      yieldToRecords: () => this.yieldToRecords(),
      strike: (id, why, final) => this.strike(id, why, final),
      mark: (seq, what) => this.mark(seq, what),
      send: (what, path, req) => this.send(what, path, req),
    };
  }

  /** Where image sync stands, for the observed state and /status (progress.ts). */
  progress(): ImageSyncProgress {
    return this.count.progress();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.loopUntilStopped();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.wakeSignal.abort();
    this.thumbnailMaker.stop();
    await this.loop;
  }

  /** Look for work now (new records acknowledged, a policy change). */
  wake(): void {
    this.wakeSignal.abort();
  }

  private async loopUntilStopped(): Promise<void> {
    while (this.running) {
      let waitMs = 0;
      try {
        const worked = await this.step();
        this.status.failures = 0;
        if (worked) this.deps.afterWork?.();
        else waitMs = IDLE_MS;
      } catch (e) {
        // Passing trouble (the hub unreachable, a 5xx): retried with backoff, shown in /status until an exchange succeeds.
        this.status.failures++;
        this.status.lastError = (e as Error).message;
        waitMs = retryDelay(this.status.failures, IMAGE_BACKOFF, e);
      }
      if (!this.running) break;
      if (waitMs) await sleep(waitMs, this.wakeSignal.signal);
      if (this.wakeSignal.signal.aborted) this.wakeSignal = new AbortController();
    }
  }

  /** One round of work; false when there was nothing to do. */
  async step(): Promise<boolean> {
    const thumbnails = this.pending("thumbnail");
    if (thumbnails.length) {
      await uploadThumbnails(this.run, this.thumbnailMaker, thumbnails);
      return true;
    }
    // Records first: full images wait while any are queued, and have them sent now.
    if (this.yieldToRecords()) return false;
    return this.fullImage();
  }

  private async fullImage(): Promise<boolean> {
    const policy: ImageSyncPolicy | undefined = this.deps.desired.state?.image_sync;
    if (policy === "thumbnails") return false;
    // Oldest first among the schedules the policy names; captures set aside this run are passed over.
    const row = this.pending("full", typeof policy === "object" ? policy.schedules : undefined).find((r) => wantsFullImage(policy, r.record.schedule));
    if (!row) return false;
    try {
      await uploadFullImage(this.run, row);
    } catch (e) {
      const status = statusOf(e);
      if (status !== null && status >= 400 && status < 500 && status !== 409) {
        this.strike(row.record.id, (e as Error).message, status === 404);
        return true;
      }
      throw e;
    }
    return true;
  }

  private pending(kind: "thumbnail" | "full", schedules?: string[]) {
    return pendingCaptures(this.deps.db, kind, ROUND, schedules).filter((r) => !this.skip(r.record.id));
  }

  private yieldToRecords(): boolean {
    if (!this.deps.recordsWaiting()) return false;
    this.deps.flushRecords();
    return true;
  }

  private skip(id: string): boolean {
    return (this.strikes.get(id) ?? 0) >= GIVE_UP_AFTER;
  }

  private strike(id: string, why: string, final = false): void {
    const n = final ? GIVE_UP_AFTER : (this.strikes.get(id) ?? 0) + 1;
    this.strikes.set(id, n);
    if (n === GIVE_UP_AFTER) this.deps.onSetAside?.(id, `image upload set aside until restart: ${why}`);
  }

  private mark(seq: number, what: "thumb" | "image"): void {
    const now = this.deps.now();
    this.count.sent(what, now);
    markSent(this.deps.db, seq, what, now);
  }

  private async send(what: string, path: string, req: HubRequest) {
    const reply = await this.deps.hub.send(what, path, { ...req, signal: this.stopping.signal });
    // The hub answered: whatever went wrong before is over.
    this.status.lastError = null;
    return reply;
  }
}
