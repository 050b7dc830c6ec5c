import { and, asc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { ImageSyncPolicy } from "../../../shared/contracts/sync";
import type { EdgeDb } from "../../db/client";
import { captures } from "../../db/schema";

/** Whether a capture's full image goes to the hub under a policy (absent: all). */
export function wantsFullImage(policy: ImageSyncPolicy | undefined, schedule: string): boolean {
  if (policy === undefined || policy === "all") return true;
  if (policy === "thumbnails") return false;
  return policy.schedules.includes(schedule);
}

/**
 * Captures whose thumbnail (or full image) the hub does not have yet, oldest
 * first: only those whose record it holds, whose picture is still here, and (full
 * images) of the named schedules.
 */
export function pendingCaptures(db: EdgeDb, kind: "thumbnail" | "full", limit: number, schedules?: string[]) {
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
    .filter((r) => r.record.image);
}

/** The hub holds this capture's thumbnail or verified full image (the latter lets retention delete it here first). */
export function markSent(db: EdgeDb, seq: number, what: "thumb" | "image", now: number): void {
  db.update(captures)
    .set(what === "thumb" ? { thumbSyncedAt: now } : { imageSyncedAt: now })
    .where(eq(captures.seq, seq))
    .run();
}
