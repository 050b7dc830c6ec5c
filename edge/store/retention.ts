import { and, asc, eq, isNotNull, isNull, sql, sum } from "drizzle-orm";
import { rmSync } from "node:fs";
import type { DiskState } from "../../shared/contracts/sync";
import type { EdgeDb } from "../db/client";
import { captures } from "../db/schema";
import type { ImageStore } from "./images";

export interface RetentionPolicy {
  /** Most bytes of images to keep; null: no budget, only the free-space floor. */
  budgetBytes: number | null;
  /** Free space to leave on the disk. */
  minFreeBytes: number;
  /** The operator allows deleting images the hub does not hold, oldest first. */
  purgeUnuploaded: boolean;
}

export interface DiskProbe {
  (): { used_bytes: number; free_bytes: number; total_bytes: number } | null;
}

export const WARN_PERCENT = 80;

/** How far over its limits storage would be after writing `incoming` more bytes (pure). */
export function bytesOver(
  policy: RetentionPolicy,
  imagesBytes: number,
  disk: { free_bytes: number } | null,
  incoming: number,
): number {
  const overBudget = policy.budgetBytes === null ? 0 : imagesBytes + incoming - policy.budgetBytes;
  const overFloor = disk ? policy.minFreeBytes - (disk.free_bytes - incoming) : 0;
  return Math.max(0, overBudget, overFloor);
}

/**
 * Keeps images inside the storage budget and the free-space floor. Images the
 * hub already holds go first, oldest first; images not yet uploaded are kept
 * unless the operator allowed otherwise. The capture log itself is never touched.
 */
export class StorageBudget {
  private imagesBytes: number;

  constructor(
    private readonly db: EdgeDb,
    private readonly images: ImageStore,
    readonly policy: RetentionPolicy,
    private readonly disk: DiskProbe,
  ) {
    this.imagesBytes = Number(db.select({ n: sum(captures.imageBytes) }).from(captures).where(isNull(captures.purgedAt)).get()?.n ?? 0);
  }

  added(bytes: number): void {
    this.imagesBytes += bytes;
  }

  /** Frees room for `incoming` bytes; false when it cannot (the capture is then refused as disk_full). */
  makeRoom(incoming: number, now: number): { ok: boolean; purged: number; freed: number } {
    let over = bytesOver(this.policy, this.imagesBytes, this.disk(), incoming);
    let purged = 0;
    let freed = 0;
    // Images the hub holds go first; the only copy of an image goes only when the operator allowed it.
    const passes = this.policy.purgeUnuploaded ? [true, false] : [true];
    for (const synced of passes) {
      while (over > 0) {
        const candidates = this.db
          .select({ seq: captures.seq, record: captures.record, bytes: captures.imageBytes })
          .from(captures)
          .where(and(isNull(captures.purgedAt), sql`${captures.imageBytes} > 0`, synced ? isNotNull(captures.imageSyncedAt) : isNull(captures.imageSyncedAt)))
          .orderBy(asc(captures.plannedAt))
          .limit(32)
          .all();
        if (!candidates.length) break;
        const victims: typeof candidates = [];
        for (const c of candidates) {
          if (over <= 0) break;
          victims.push(c);
          over -= c.bytes;
        }
        // The rows first, then the files: a crash in between leaves a stray file, never a record pointing at nothing.
        this.db.transaction((tx) => {
          for (const v of victims) tx.update(captures).set({ purgedAt: now, imageBytes: 0 }).where(eq(captures.seq, v.seq)).run();
        });
        for (const v of victims) {
          for (const file of this.images.filesOf(v.record.image!.file)) rmSync(this.images.pathOf(file), { force: true });
          this.imagesBytes -= v.bytes;
          freed += v.bytes;
          purged++;
        }
      }
    }
    return { ok: over <= 0, purged, freed };
  }

  state(): DiskState | null {
    const disk = this.disk();
    if (!disk) return null;
    const budget = this.policy.budgetBytes;
    const percent = Math.min(
      100,
      Math.max(budget ? (this.imagesBytes / budget) * 100 : 0, disk.total_bytes ? (disk.used_bytes / disk.total_bytes) * 100 : 0),
    );
    return {
      ...disk,
      images_bytes: this.imagesBytes,
      budget_bytes: budget,
      percent: Math.round(percent * 10) / 10,
      warning: percent > WARN_PERCENT,
    };
  }
}
