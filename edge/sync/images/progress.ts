import { and, eq, inArray, isNull, max, sql } from "drizzle-orm";
import type { ImageSyncPolicy, ImageSyncProgress } from "../../../shared/contracts/sync";
import type { EdgeDb } from "../../db/client";
import { captures } from "../../db/schema";
import type { DesiredStore } from "../desired";

/** Real ms an image-sync progress count is reused while nothing this process sees has changed. */
const PROGRESS_REUSE_MS = 30_000;

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

/**
 * Where image sync stands, for the observed state and /status: full images the
 * current policy sends that the hub has not verified (records not yet sent
 * included), their bytes and the oldest's planned time; thumbnails not yet sent;
 * the last verified upload. One query over the captures not purged.
 */
export class ImageSyncProgressCount {
  /** When the hub last verified a full image (clock ms); read from the log once, then kept here. */
  private lastUploadedAt: number | null;
  /** Thumbnails and full images marked sent by this process (a change of progress). */
  private marks = 0;
  private memo: { key: string; at: number; value: ImageSyncProgress } | null = null;

  constructor(
    private readonly db: EdgeDb,
    private readonly desired: DesiredStore,
  ) {
    this.lastUploadedAt = db.select({ at: max(captures.imageSyncedAt) }).from(captures).get()?.at ?? null;
  }

  /** A thumbnail or full image was marked sent at `now`. */
  sent(what: "thumb" | "image", now: number): void {
    if (what === "image") this.lastUploadedAt = now;
    this.marks++;
  }

  progress(): ImageSyncProgress {
    const policy = this.desired.state?.image_sync;
    // The count scans the captures not purged (tens of ms on a Pi with many kept images), and polls
    // and /status ask often: reuse it until a capture is logged, an upload lands or the policy changes
    // (or PROGRESS_REUSE_MS passes, for changes made elsewhere, such as retention purging unsent images).
    const lastSeq = this.db.select({ seq: max(captures.seq) }).from(captures).get()?.seq ?? 0;
    const key = `${lastSeq}|${this.marks}|${JSON.stringify(policy ?? null)}`;
    if (this.memo?.key === key && Date.now() - this.memo.at < PROGRESS_REUSE_MS) return this.memo.value;
    const value = this.count(policy);
    this.memo = { key, at: Date.now(), value };
    return value;
  }

  private count(policy: ImageSyncPolicy | undefined): ImageSyncProgress {
    const wanted =
      policy === undefined || policy === "all"
        ? sql`1`
        : policy === "thumbnails"
          ? sql`0`
          : policy.schedules.length
            ? inArray(captures.schedule, policy.schedules)
            : sql`0`;
    const full = sql`(${captures.imageSyncedAt} IS NULL AND ${wanted})`;
    const row = this.db
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
    return {
      pending: Number(row?.pending ?? 0),
      pending_bytes: Number(row?.pendingBytes ?? 0),
      oldest_pending_at: iso(row?.oldest),
      thumbnails_pending: Number(row?.thumbnails ?? 0),
      last_uploaded_at: iso(this.lastUploadedAt),
    };
  }
}
