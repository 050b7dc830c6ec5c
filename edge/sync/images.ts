import { and, asc, eq, inArray, isNotNull, isNull, max, sql } from "drizzle-orm";
import { readFileSync } from "node:fs";
import { type CaptureRecord, type ImageSyncPolicy, type ImageSyncProgress, ImageUploadState, MAX_IMAGE_CHUNK_BYTES, MAX_THUMBNAIL_BYTES } from "../../shared/contracts/sync";
import { ThumbnailMaker } from "./thumbnail";
import type { EdgeDb } from "../db/client";
import { captures } from "../db/schema";
import type { ImageStore } from "../store/images";
import type { DesiredStore } from "./desired";

export { makeThumbnail, THUMBNAIL_WIDTH } from "./thumbnail";

/** Real ms between looks for work when there is none (a wake() cuts it short). */
const IDLE_MS = 2_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 60_000;
/** A capture whose upload failed this often in a row waits for the agent's next start. */
const GIVE_UP_AFTER = 5;

/** Whether a capture's full image goes to the hub under a policy (absent: all). */
export function wantsFullImage(policy: ImageSyncPolicy | undefined, schedule: string): boolean {
  if (policy === undefined || policy === "all") return true;
  if (policy === "thumbnails") return false;
  return policy.schedules.includes(schedule);
}

const BURST_CREDIT_MS = 250;
/** Real ms an image-sync progress count is reused while nothing this process sees has changed. */
const PROGRESS_REUSE_MS = 30_000;

/** Paces bytes to a rate in real time: each send waits until the bytes before it would have gone at the cap. */
export class Pacer {
  private nextAt = 0;
  constructor(readonly bytesPerSecond: number | null) {}

  /** The largest chunk to send at once: about a quarter second's worth under a cap, so the rate stays even. */
  chunkBytes(max: number): number {
    return this.bytesPerSecond === null ? max : Math.max(1024, Math.min(max, Math.floor(this.bytesPerSecond / 4)));
  }

  async take(bytes: number, signal: AbortSignal): Promise<void> {
    if (this.bytesPerSecond === null) return;
    const now = Date.now();
    // A pause of up to BURST_CREDIT_MS (a round trip, a look at the outbox) may be made up; a longer idle spell may not.
    const start = Math.max(now - BURST_CREDIT_MS, this.nextAt);
    this.nextAt = start + (bytes * 1000) / this.bytesPerSecond;
    const wait = start - now;
    if (wait > 0) await sleep(wait, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

class ImageSyncError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

export interface ImageSyncDeps {
  hubUrl: string;
  token: string;
  db: EdgeDb;
  images: ImageStore;
  /** True while records wait to be sent (those the SyncLoop may send now). */
  recordsWaiting: () => boolean;
  /** Asks the SyncLoop to send them now; its ack wakes this loop again. */
  flushRecords: () => void;
  desired: DesiredStore;
  /** Clock time for image_synced_at / thumb_synced_at. */
  now: () => number;
  /** Cap on image bytes sent, kilobits per second of real time (null: none). */
  bandwidthKbps: number | null;
  /** Largest full-image chunk, bytes (≤ 1 MiB). */
  chunkBytes: number;
  requestTimeoutMs: number;
  /** A capture whose picture will not be sent until the next start (or ever, without a thumbnail), and why. */
  onSetAside?: (captureId: string, why: string) => void;
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
 * full images oldest first as the camera's policy asks, in resumable chunks. The
 * hub says where an upload stands, so any interruption (agent or hub restart, a
 * dropped link) resumes at its last stored byte. Full images wait whenever the
 * outbox holds records. A full image the hub verified sets image_synced_at, which
 * lets retention delete it here first.
 */
export class ImageSync {
  readonly status: ImageSyncStatus = { thumbnails: 0, images: 0, bytes: 0, lastError: null, failures: 0 };
  private running = false;
  private stopping = new AbortController();
  private wakeSignal = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly pacer: Pacer;
  /** Captures whose uploads keep failing: skipped until the next start. */
  private strikes = new Map<string, number>();
  private readonly thumbnailMaker = new ThumbnailMaker();
  /** When the hub last verified a full image (clock ms); read from the log once, then kept here. */
  private lastUploadedAt: number | null;
  /** Thumbnails and full images marked sent by this process (a change of progress). */
  private marks = 0;
  private progressMemo: { key: string; at: number; value: ImageSyncProgress } | null = null;

  constructor(private readonly deps: ImageSyncDeps) {
    this.pacer = new Pacer(deps.bandwidthKbps === null ? null : (deps.bandwidthKbps * 1000) / 8);
    this.lastUploadedAt = deps.db.select({ at: max(captures.imageSyncedAt) }).from(captures).get()?.at ?? null;
  }

  /**
   * Where image sync stands, for the observed state and /status: full images the
   * current policy sends that the hub has not verified (records not yet sent
   * included), their bytes and the oldest's planned time; thumbnails not yet sent;
   * the last verified upload. One query over the captures not purged.
   */
  progress(): ImageSyncProgress {
    const policy = this.deps.desired.state?.image_sync;
    // The count scans the captures not purged (tens of ms on a Pi with many kept images), and polls
    // and /status ask often: reuse it until a capture is logged, an upload lands or the policy changes
    // (or PROGRESS_REUSE_MS passes, for changes made elsewhere, such as retention purging unsent images).
    const lastSeq = this.deps.db.select({ seq: max(captures.seq) }).from(captures).get()?.seq ?? 0;
    const key = `${lastSeq}|${this.marks}|${JSON.stringify(policy ?? null)}`;
    if (this.progressMemo?.key === key && Date.now() - this.progressMemo.at < PROGRESS_REUSE_MS) return this.progressMemo.value;
    const value = this.countProgress(policy);
    this.progressMemo = { key, at: Date.now(), value };
    return value;
  }

  private countProgress(policy: ImageSyncPolicy | undefined): ImageSyncProgress {
    const wanted =
      policy === undefined || policy === "all"
        ? sql`1`
        : policy === "thumbnails"
          ? sql`0`
          : policy.schedules.length
            ? inArray(captures.schedule, policy.schedules)
            : sql`0`;
    const full = sql`(${captures.imageSyncedAt} IS NULL AND ${wanted})`;
    const row = this.deps.db
      .select({
        pending: sql<number>`coalesce(sum(${full}), 0)`,
        pendingBytes: sql<number>`coalesce(sum(CASE WHEN ${full} THEN coalesce(json_extract(${captures.record}, '$.image.bytes'), 0) ELSE 0 END), 0)`,
        oldest: sql<number | null>`min(CASE WHEN ${full} THEN ${captures.plannedAt} END)`,
        thumbnails: sql<number>`coalesce(sum(${captures.thumbSyncedAt} IS NULL), 0)`,
      })
      .from(captures)
      .where(
        and(
          isNull(captures.purgedAt),
          eq(captures.outcome, "captured"),
          sql`${captures.imageBytes} > 0`,
          sql`(${captures.imageSyncedAt} IS NULL OR ${captures.thumbSyncedAt} IS NULL)`,
        ),
      )
      .get();
    const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());
    return {
      pending: Number(row?.pending ?? 0),
      pending_bytes: Number(row?.pendingBytes ?? 0),
      oldest_pending_at: iso(row?.oldest),
      thumbnails_pending: Number(row?.thumbnails ?? 0),
      last_uploaded_at: iso(this.lastUploadedAt),
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
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

  private async run(): Promise<void> {
    while (this.running) {
      let waitMs = 0;
      try {
        const worked = await this.step();
        this.status.failures = 0;
        if (!worked) waitMs = IDLE_MS;
      } catch (e) {
        // Passing trouble (the hub unreachable, a 5xx): retried with backoff, shown in /status until an exchange succeeds.
        this.status.failures++;
        this.status.lastError = (e as Error).message;
        waitMs = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.status.failures - 1, 10)) * (0.5 + Math.random() / 2);
      }
      if (!this.running) break;
      if (waitMs) await sleep(waitMs, this.wakeSignal.signal);
      if (this.wakeSignal.signal.aborted) this.wakeSignal = new AbortController();
    }
  }

  /** One round of work; false when there was nothing to do. */
  async step(): Promise<boolean> {
    if (await this.thumbnails()) return true;
    // Records first: full images wait while any are queued, and have them sent now.
    if (this.yieldToRecords()) return false;
    return this.fullImage();
  }

  private yieldToRecords(): boolean {
    if (!this.deps.recordsWaiting()) return false;
    this.deps.flushRecords();
    return true;
  }

  private skip(id: string): boolean {
    return (this.strikes.get(id) ?? 0) >= GIVE_UP_AFTER;
  }

  /** One failed attempt; `final` (the hub does not hold the record, or it can never take the file) sets it aside at once. */
  private strike(id: string, why: string, final = false): void {
    const n = final ? GIVE_UP_AFTER : (this.strikes.get(id) ?? 0) + 1;
    this.strikes.set(id, n);
    if (n === GIVE_UP_AFTER) this.deps.onSetAside?.(id, `image upload set aside until restart: ${why}`);
  }

  private pending(kind: "thumbnail" | "full", limit: number, schedules?: string[]) {
    const { db } = this.deps;
    return db
      .select({ seq: captures.seq, record: captures.record })
      .from(captures)
      .where(
        and(
          isNotNull(captures.uploadedAt),
          isNull(captures.purgedAt),
          eq(captures.outcome, "captured"),
          sql`${captures.imageBytes} > 0`,
          kind === "thumbnail" ? isNull(captures.thumbSyncedAt) : isNull(captures.imageSyncedAt),
          schedules === undefined ? undefined : inArray(captures.schedule, schedules),
        ),
      )
      .orderBy(asc(captures.seq))
      .limit(limit)
      .all()
      .filter((r) => r.record.image && !this.skip(r.record.id));
  }

  private async thumbnails(): Promise<boolean> {
    const rows = this.pending("thumbnail", 50);
    for (const { seq, record } of rows) {
      if (!this.running) return true;
      let thumb: Uint8Array;
      try {
        thumb = await this.thumbnailMaker.make(this.deps.images.pathOf(record.image!.file));
      } catch (e) {
        if (!this.running) return true;
        // The file is gone or unreadable: no thumbnail can be made; do not try again.
        this.deps.onSetAside?.(record.id, `no thumbnail: ${(e as Error).message}`);
        this.mark(seq, "thumb");
        continue;
      }
      if (thumb.length > MAX_THUMBNAIL_BYTES) thumb = thumb.subarray(0, 0);
      await this.pacer.take(thumb.length, this.stopping.signal);
      try {
        await this.send(`/agent/v1/captures/${encodeURIComponent(record.id)}/thumbnail`, "PUT", thumb, "image/jpeg");
      } catch (e) {
        if (e instanceof ImageSyncError && (e.status === 404 || e.status === 413 || e.status === 422)) {
          // 404: the hub holds this tick under another id (a record rebuilt after the database was lost).
          this.strike(record.id, e.message, true);
          continue;
        }
        throw e;
      }
      this.status.bytes += thumb.length;
      this.status.thumbnails++;
      this.mark(seq, "thumb");
    }
    return rows.length > 0;
  }

  private mark(seq: number, what: "thumb" | "image"): void {
    const now = this.deps.now();
    if (what === "image") this.lastUploadedAt = now;
    this.marks++;
    this.deps.db
      .update(captures)
      .set(what === "thumb" ? { thumbSyncedAt: now } : { imageSyncedAt: now })
      .where(eq(captures.seq, seq))
      .run();
  }

  private async fullImage(): Promise<boolean> {
    const policy = this.deps.desired.state?.image_sync;
    if (policy === "thumbnails") return false;
    // Oldest first among the schedules the policy names; captures set aside this run are passed over.
    const row = this.pending("full", 50, typeof policy === "object" ? policy.schedules : undefined).find((r) => wantsFullImage(policy, r.record.schedule));
    if (!row) return false;
    try {
      await this.upload(row.seq, row.record);
    } catch (e) {
      if (e instanceof ImageSyncError && e.status !== null && e.status >= 400 && e.status < 500 && e.status !== 409) {
        this.strike(row.record.id, e.message, e.status === 404);
        return true;
      }
      throw e;
    }
    return true;
  }

  private async upload(seq: number, record: Omit<CaptureRecord, "seq">): Promise<void> {
    const path = `/agent/v1/captures/${encodeURIComponent(record.id)}/image`;
    let state = await this.state(path);
    if (state.complete) return this.mark(seq, "image");
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(this.deps.images.pathOf(record.image!.file));
    } catch (e) {
      this.strike(record.id, (e as Error).message, true);
      return;
    }
    if (bytes.length !== record.image!.bytes || new Bun.CryptoHasher("sha256").update(bytes).digest("hex") !== record.image!.sha256) {
      // The file here no longer matches its record: the hub would refuse it every time.
      this.strike(record.id, "the local file does not match its record's sha256", true);
      return;
    }
    const chunkBytes = this.pacer.chunkBytes(Math.min(this.deps.chunkBytes, MAX_IMAGE_CHUNK_BYTES));
    while (!state.complete) {
      if (!this.running) return;
      // Records first: stop between chunks when some are queued; the hub keeps what it has.
      if (this.yieldToRecords()) return;
      const offset = state.bytes_received;
      const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + chunkBytes));
      await this.pacer.take(chunk.length, this.stopping.signal);
      if (!this.running) return;
      try {
        state = ImageUploadState.parse(await this.send(`${path}?offset=${offset}`, "PUT", chunk, "application/octet-stream"));
        this.status.bytes += chunk.length;
      } catch (e) {
        // Out of step (a chunk that arrived though its answer was lost, another upload): ask where it stands.
        if (e instanceof ImageSyncError && e.status === 409) state = await this.state(path);
        else if (e instanceof ImageSyncError && e.status === 422 && /sha256/.test(e.message)) {
          this.strike(record.id, e.message);
          state = await this.state(path);
        } else throw e;
      }
    }
    this.mark(seq, "image");
    this.status.images++;
  }

  private async state(path: string): Promise<ImageUploadState> {
    const parsed = ImageUploadState.safeParse(await this.send(path, "GET"));
    if (!parsed.success) throw new ImageSyncError(`${path}: the hub's answer does not match the contract`);
    return parsed.data;
  }

  private async send(path: string, method: string, body?: Uint8Array, type?: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.deps.hubUrl), {
        method,
        body: body as unknown as BodyInit | undefined,
        headers: { authorization: `Bearer ${this.deps.token}`, ...(type ? { "content-type": type } : {}) },
        signal: AbortSignal.any([AbortSignal.timeout(this.deps.requestTimeoutMs), this.stopping.signal]),
      });
    } catch (e) {
      throw new ImageSyncError(`hub unreachable: ${(e as Error).message}`);
    }
    const text = await res.text().catch((e) => {
      throw new ImageSyncError(`${method} ${path}: response cut off (${(e as Error).message})`);
    });
    if (!res.ok) throw new ImageSyncError(`${method} ${path}: hub answered ${res.status} ${text.slice(0, 200)}`, res.status);
    // The hub answered: whatever went wrong before is over.
    this.status.lastError = null;
    try {
      return JSON.parse(text);
    } catch {
      throw new ImageSyncError(`${method} ${path}: response is not JSON (truncated?)`);
    }
  }
}
