import { and, asc, count, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, max, min, not, sql } from "drizzle-orm";
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
/** A record on the plan: its time is established (a trusted clock, or re-timed since). */
const DATED = eq(captures.clockTrusted, true);

/** How a record's times move when its clock was wrong: to `plannedAt` (its true tick, or its true time off the plan). */
export interface Retimed {
  plannedAt: number;
  capturedAt: number | null;
  shiftMs: number;
  schedule?: string;
}

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

  /** True when this tick and profile already has a record (a restart must not capture it twice); `dated` false: a safety capture's. */
  has(plannedAt: number, profileId: string, dated = true): boolean {
    return !!this.db
      .select({ seq: captures.seq })
      .from(captures)
      .where(and(eq(captures.plannedAt, plannedAt), eq(captures.profileId, profileId), eq(captures.clockTrusted, dated), PRODUCTION))
      .get();
  }

  /** True when a record names `file` as its image (a scan, for the rare file already on disk). */
  holdsImage(file: string): boolean {
    return !!this.db.select({ seq: captures.seq }).from(captures).where(sql`json_extract(${captures.record}, '$.image.file') = ${file}`).get();
  }

  /** The latest planned tick up to `until` with a dated record: the plan is accounted for up to there. */
  lastPlannedAt(until: number): number | null {
    return this.db.select({ t: max(captures.plannedAt) }).from(captures).where(and(PRODUCTION, DATED, lte(captures.plannedAt, until))).get()?.t ?? null;
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

  /** Whether records that could not be dated (an untrusted run) were logged after the last dated record up to `until`. */
  undatedAfter(until: number): boolean {
    const last = this.db.select({ s: max(captures.seq) }).from(captures).where(and(DATED, lte(captures.plannedAt, until))).get()?.s ?? 0;
    return !!this.db.select({ seq: captures.seq }).from(captures).where(and(eq(captures.clockTrusted, false), gt(captures.seq, last))).limit(1).get();
  }

  lastSeq(): number {
    return this.db.select({ s: max(captures.seq) }).from(captures).get()?.s ?? 0;
  }

  /**
   * This boot's records not yet sent that were made on a clock since found wrong: untrusted ones held for a trusted
   * time (in the outbox; not those set aside), or dated ones after boot-monotonic `sinceMono`.
   */
  misdated(bootId: string, q: { untrusted: true } | { sinceMono: number | null; untilMono: number }): (NewCaptureRecord & { seq: number })[] {
    const range =
      "untrusted" in q
        ? and(eq(captures.clockTrusted, false), sql`${captures.seq} IN (SELECT ${outbox.seq} FROM ${outbox})`)
        : and(DATED, isNull(captures.uploadedAt), q.sinceMono === null ? undefined : sql`json_extract(${captures.record}, '$.monotonic_ms') > ${q.sinceMono}`, sql`json_extract(${captures.record}, '$.monotonic_ms') <= ${q.untilMono}`);
    return this.db
      .select({ seq: captures.seq, record: captures.record })
      .from(captures)
      .where(and(eq(captures.bootId, bootId), range))
      .orderBy(asc(captures.seq))
      .all()
      .map((r) => ({ ...r.record, seq: r.seq }));
  }

  /**
   * Moves records to their true times, in one transaction: each gets `time_corrected_ms` and becomes dated. A
   * record whose true time is taken by another one of its profile moves on by a millisecond (it answers no tick then).
   * `drop` lists records whose statement proved false (a tick missed that had not come yet): they leave the plan
   * and the outbox, and stay in the log.
   */
  retime(moves: Map<number, Retimed>, drop: number[] = []): void {
    this.db.transaction((tx) => {
      if (drop.length) {
        tx.update(captures).set({ clockTrusted: false, record: sql`json_set(${captures.record}, '$.clock_trusted', json('false'))` }).where(inArray(captures.seq, drop)).run();
        tx.delete(outbox).where(inArray(outbox.seq, drop)).run();
      }
      // Off the plan first, so the records can change places among themselves.
      if (moves.size) tx.update(captures).set({ clockTrusted: false }).where(inArray(captures.seq, [...moves.keys()])).run();
      for (const [seq, move] of moves) {
        const row = tx.select({ record: captures.record }).from(captures).where(eq(captures.seq, seq)).get();
        if (!row) continue;
        let plannedAt = move.plannedAt;
        const taken = (at: number) =>
          row.record.test_id === null &&
          !!tx.select({ seq: captures.seq }).from(captures).where(and(eq(captures.plannedAt, at), eq(captures.profileId, row.record.profile_id), DATED, isNull(captures.testId))).get();
        while (taken(plannedAt)) plannedAt++;
        const record = {
          ...row.record,
          planned_at: new Date(plannedAt).toISOString(),
          captured_at: move.capturedAt === null ? null : new Date(move.capturedAt).toISOString(),
          schedule: move.schedule ?? row.record.schedule,
          time_corrected_ms: (row.record.time_corrected_ms ?? 0) + move.shiftMs,
        };
        tx.update(captures).set({ record, plannedAt, schedule: record.schedule, clockTrusted: true }).where(eq(captures.seq, seq)).run();
      }
    });
  }

  /**
   * Records of earlier boots that cannot be dated: made on an untrusted clock that boot never corrected, or dated
   * after `now` (a clock that ran ahead). They leave the plan and the outbox — never sent as if their times were
   * true — and stay in the log with their images. Returns how many were set aside.
   */
  setAsideUndatable(bootId: string, now: number | null): number {
    return this.db.transaction((tx) => {
      const earlier = sql`${captures.bootId} <> ${bootId}`;
      const future = now === null ? sql`0` : and(DATED, gt(captures.plannedAt, now));
      const rows = tx
        .select({ seq: captures.seq })
        .from(captures)
        .leftJoin(outbox, eq(outbox.seq, captures.seq))
        .where(and(earlier, sql`(${future} OR (${captures.clockTrusted} = 0 AND ${outbox.seq} IS NOT NULL))`))
        .all();
      const seqs = rows.map((r) => r.seq);
      if (!seqs.length) return 0;
      tx.update(captures).set({ clockTrusted: false, record: sql`json_set(${captures.record}, '$.clock_trusted', json('false'))` }).where(inArray(captures.seq, seqs)).run();
      tx.delete(outbox).where(inArray(outbox.seq, seqs)).run();
      return seqs.length;
    });
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
