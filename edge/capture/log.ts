import { and, asc, count, desc, eq, gte, inArray, isNotNull, isNull, lt, max, min, not, sql } from "drizzle-orm";
import type { CaptureRecord } from "../../shared/contracts/sync";
import type { EdgeDb } from "../db/client";
import { captures, meta, outbox } from "../db/schema";

export type NewCaptureRecord = Omit<CaptureRecord, "seq">;

export interface CaptureFilter {
  from?: number;
  to?: number;
  schedule?: string;
  profile?: string;
  outcome?: string;
  uploaded?: boolean;
  before?: number;
  limit: number;
}

/** A tick's production capture: no test, or the baseline side of an A/B pair (the variant is extra). */
const PRODUCTION = sql`(${captures.testId} IS NULL OR json_extract(${captures.record}, '$.test_role') = 'baseline')`;

/** A record and its outbox entry, inside the caller's transaction. */
function append(db: EdgeDb, record: NewCaptureRecord, imageBytes: number, now: number): number {
  const row = db
    .insert(captures)
    .values({
      id: record.id,
      plannedAt: Date.parse(record.planned_at),
      schedule: record.schedule,
      profileId: record.profile_id,
      outcome: record.outcome,
      testId: record.test_id,
      bootId: record.boot_id,
      clockTrusted: record.clock_trusted,
      record,
      imageBytes,
    })
    .returning({ seq: captures.seq })
    .get();
  db.insert(outbox).values({ seq: row.seq, enqueuedAt: now }).run();
  return row.seq;
}

/** The append-only capture log. A record is committed with its outbox entry in one transaction. */
export class CaptureLog {
  constructor(private readonly db: EdgeDb) {}

  /** Commits one record and queues it for upload; returns its seq. `imageBytes` counts every file of the capture. */
  commit(record: NewCaptureRecord, now: number, imageBytes = record.image?.bytes ?? 0): number {
    return this.db.transaction((tx) => append(tx as unknown as EdgeDb, record, imageBytes, now));
  }

  /** Commits many records in one transaction (one fsync): recovery, or ticks missed while down. */
  commitMany(records: NewCaptureRecord[], now: number): void {
    this.db.transaction((tx) => {
      for (const record of records) append(tx as unknown as EdgeDb, record, record.image?.bytes ?? 0, now);
    });
  }

  /** True when this tick and profile already has a record (a restart must not capture it twice). */
  has(plannedAt: number, profileId: string): boolean {
    return !!this.db
      .select({ seq: captures.seq })
      .from(captures)
      .where(and(eq(captures.plannedAt, plannedAt), eq(captures.profileId, profileId), PRODUCTION))
      .get();
  }

  /** True when a record names `file` as its image (a scan, for the rare file already on disk). */
  holdsImage(file: string): boolean {
    return !!this.db.select({ seq: captures.seq }).from(captures).where(sql`json_extract(${captures.record}, '$.image.file') = ${file}`).get();
  }

  /** The latest planned tick with a record: where the scheduler resumes. */
  lastPlannedAt(): number | null {
    return this.db.select({ t: max(captures.plannedAt) }).from(captures).where(PRODUCTION).get()?.t ?? null;
  }

  lastCapture(): { seq: number; capturedAt: string | null } | null {
    const row = this.db
      .select({ seq: captures.seq, record: captures.record })
      .from(captures)
      .where(eq(captures.outcome, "captured"))
      .orderBy(sql`${captures.seq} DESC`)
      .limit(1)
      .get();
    return row ? { seq: row.seq, capturedAt: row.record.captured_at } : null;
  }

  lastSeq(): number {
    return this.db.select({ s: max(captures.seq) }).from(captures).get()?.s ?? 0;
  }

  /**
   * Once the clock is trusted, the times of this boot's captures made before are
   * rebuilt from their monotonic readings. `timeAt` maps a monotonic ms to clock time.
   */
  correctUntrusted(bootId: string, timeAt: (monotonicMs: number) => number): number {
    const rows = this.db
      .select({ seq: captures.seq, record: captures.record })
      .from(captures)
      .where(and(eq(captures.bootId, bootId), eq(captures.clockTrusted, false)))
      .all();
    this.db.transaction((tx) => {
      for (const { seq, record } of rows) {
        const delta = Math.round(timeAt(record.monotonic_ms) - Date.parse(record.captured_at ?? record.planned_at));
        const shift = (iso: string | null) => (iso === null ? null : new Date(Date.parse(iso) + delta).toISOString());
        const corrected = {
          ...record,
          planned_at: shift(record.planned_at)!,
          captured_at: shift(record.captured_at),
          time_corrected_ms: delta,
        };
        tx.update(captures)
          .set({ record: corrected, plannedAt: Date.parse(corrected.planned_at), clockTrusted: true })
          .where(eq(captures.seq, seq))
          .run();
      }
    });
    return rows.length;
  }

  byId(id: string): (CaptureRecord & { uploaded: boolean; purged: boolean }) | null {
    const row = this.db.select().from(captures).where(eq(captures.id, id)).get();
    return row ? { ...row.record, seq: row.seq, uploaded: row.uploadedAt !== null, purged: row.purgedAt !== null } : null;
  }

  /** Newest first, filtered; `before` continues a page from a seq. */
  list(q: CaptureFilter): (CaptureRecord & { uploaded: boolean; purged: boolean })[] {
    return this.db
      .select()
      .from(captures)
      .where(
        and(
          q.from === undefined ? undefined : gte(captures.plannedAt, q.from),
          q.to === undefined ? undefined : lt(captures.plannedAt, q.to),
          q.schedule === undefined ? undefined : eq(captures.schedule, q.schedule),
          q.profile === undefined ? undefined : eq(captures.profileId, q.profile),
          q.outcome === undefined ? undefined : eq(captures.outcome, q.outcome),
          q.uploaded === undefined ? undefined : q.uploaded ? isNotNull(captures.uploadedAt) : isNull(captures.uploadedAt),
          q.before === undefined ? undefined : lt(captures.seq, q.before),
        ),
      )
      .orderBy(desc(captures.seq))
      .limit(q.limit)
      .all()
      .map((row) => ({ ...row.record, seq: row.seq, uploaded: row.uploadedAt !== null, purged: row.purgedAt !== null }));
  }

  /** Pairs an A/B test has taken on this camera: its captured variants. */
  variantsCaptured(testId: string): number {
    return (
      this.db
        .select({ n: count() })
        .from(captures)
        .where(and(eq(captures.testId, testId), eq(captures.outcome, "captured"), sql`json_extract(${captures.record}, '$.test_role') = 'variant'`))
        .get()?.n ?? 0
    );
  }

  /** Captured images still on disk, of one profile or of all. */
  imageCount(profile?: string): number {
    const where = and(eq(captures.outcome, "captured"), isNull(captures.purgedAt), profile === undefined ? undefined : eq(captures.profileId, profile));
    return this.db.select({ n: count() }).from(captures).where(where).get()?.n ?? 0;
  }

  counts(): Record<string, number> {
    const rows = this.db.select({ outcome: captures.outcome, n: count() }).from(captures).groupBy(captures.outcome).all();
    return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
  }
}

/** Records waiting for the hub, oldest first. Delivery is at-least-once; the hub deduplicates. */
export class Outbox {
  constructor(private readonly db: EdgeDb) {}

  /** The oldest pending records; `holdBoot`'s records made on an untrusted clock wait until their times are corrected. */
  next(limit: number, holdBoot: string | null = null): CaptureRecord[] {
    return this.db
      .select({ seq: captures.seq, record: captures.record })
      .from(outbox)
      .innerJoin(captures, eq(captures.seq, outbox.seq))
      .where(holdBoot ? not(and(eq(captures.bootId, holdBoot), eq(captures.clockTrusted, false))!) : undefined)
      .orderBy(asc(outbox.seq))
      .limit(limit)
      .all()
      .map((r) => ({ ...r.record, seq: r.seq }));
  }

  /** The hub holds these: leave the outbox, mark uploaded, in one transaction. */
  ack(seqs: number[], now: number): void {
    if (!seqs.length) return;
    this.db.transaction((tx) => {
      tx.delete(outbox).where(inArray(outbox.seq, seqs)).run();
      tx.update(captures).set({ uploadedAt: now }).where(inArray(captures.seq, seqs)).run();
    });
  }

  /** Takes a record the hub refused for good out of the queue; the capture log keeps it. */
  setAside(seq: number): void {
    this.db.delete(outbox).where(eq(outbox.seq, seq)).run();
  }

  backlog(): { count: number; oldestPlannedAt: number | null } {
    const row = this.db
      .select({ n: count(), oldest: min(captures.plannedAt) })
      .from(outbox)
      .innerJoin(captures, eq(captures.seq, outbox.seq))
      .get();
    return { count: row?.n ?? 0, oldestPlannedAt: row?.oldest ?? null };
  }
}

/** Small persistent facts: the log id, the last trusted time. */
export class MetaStore {
  constructor(private readonly db: EdgeDb) {}
  get(key: string): string | null {
    return this.db.select().from(meta).where(eq(meta.key, key)).get()?.value ?? null;
  }
  delete(key: string): void {
    this.db.delete(meta).where(eq(meta.key, key)).run();
  }
  set(key: string, value: string): void {
    this.db.insert(meta).values({ key, value }).onConflictDoUpdate({ target: meta.key, set: { value } }).run();
  }
  /** The value under key, created once with make() when absent. */
  getOrCreate(key: string, make: () => string): string {
    const existing = this.get(key);
    if (existing !== null) return existing;
    const value = make();
    this.set(key, value);
    return value;
  }
}
