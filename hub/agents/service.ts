import { and, eq, gt, inArray, sql } from "drizzle-orm";
import { canonicalJson, sha256 } from "../../shared/canonical";
import type { DesiredState, ObservedState, UploadBatch, UploadResult } from "../../shared/contracts/sync";
import { HttpError } from "../../shared/http";
import { planRange } from "../../shared/plan/windows";
import { configRevision } from "../config/service";
import type { HubDb } from "../db/client";
import { agentLogs, cameras, captures } from "../db/schema";
import { desiredStateFor } from "../plans/service";

export function hashToken(token: string): string {
  return sha256(token);
}

/** The camera an agent token belongs to, or null. Only hashes are stored. */
export function cameraForToken(db: HubDb, token: string): string | null {
  return tokenLookup(db).get({ hash: hashToken(token) })?.id ?? null;
}

// Prepared once per database: every agent request runs this lookup.
const tokenLookups = new WeakMap<HubDb, ReturnType<typeof prepareTokenLookup>>();
function prepareTokenLookup(db: HubDb) {
  return db.select({ id: cameras.id }).from(cameras).where(eq(cameras.tokenHash, sql.placeholder("hash"))).prepare();
}
function tokenLookup(db: HubDb) {
  let q = tokenLookups.get(db);
  if (!q) tokenLookups.set(db, (q = prepareTokenLookup(db)));
  return q;
}

interface CachedState {
  revision: number;
  validUntil: number;
  etag: string;
  desired: DesiredState;
}

/**
 * Desired states are cached per camera until the config changes or the camera's
 * local day rolls over (the plan window moves), so a conditional poll that ends
 * in 304 costs one indexed read.
 */
export class DesiredStateCache {
  private entries = new Map<string, CachedState>();

  get(db: HubDb, cameraId: string, now: number): CachedState | null {
    const revision = configRevision(db);
    const hit = this.entries.get(cameraId);
    if (hit && hit.revision === revision && now < hit.validUntil) return hit;
    const desired = desiredStateFor(db, cameraId, now);
    if (!desired) return null;
    const entry: CachedState = {
      revision,
      validUntil: planRange(desired.camera.timezone, now, 1).to,
      etag: `"${sha256(canonicalJson(desired)).slice(0, 32)}"`,
      desired,
    };
    this.entries.set(cameraId, entry);
    return entry;
  }
}

/**
 * Last contact and observed state, written in one transaction per flush instead
 * of one fsync per poll. A crash loses at most the last second of reports, which
 * every agent repeats on its next poll.
 */
export class ContactLog {
  private pending = new Map<string, { observed: ObservedState; at: number }>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly db: HubDb,
    flushEveryMs = 1000,
  ) {
    this.timer = setInterval(() => this.flush(), flushEveryMs);
    this.timer.unref?.();
  }

  record(cameraId: string, observed: ObservedState, now: number): void {
    this.pending.set(cameraId, { observed, at: now });
  }

  flush(): void {
    if (!this.pending.size) return;
    const batch = this.pending;
    this.pending = new Map();
    this.db.transaction((tx) => {
      for (const [id, { observed, at }] of batch) tx.update(cameras).set({ observed, lastContactAt: at }).where(eq(cameras.id, id)).run();
    });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.flush();
  }
}

/**
 * Stores a batch exactly once: a record already held (same log and seq, same id)
 * is counted as a duplicate; a different record under a held seq is a conflict
 * and the whole batch is refused. One transaction, so a refused batch changes nothing.
 */
export function ingestBatch(db: HubDb, cameraId: string, batch: UploadBatch, now: number): UploadResult {
  return db.transaction((tx) => {
    const t = tx as unknown as HubDb;
    // One multi-row insert; whatever it skipped is either a duplicate or a conflict.
    const inserted = new Set(
      t
        .insert(captures)
        .values(
          batch.records.map((record) => ({
            id: record.id,
            cameraId,
            logId: batch.log_id,
            seq: record.seq,
            plannedAt: Date.parse(record.planned_at),
            schedule: record.schedule,
            profileId: record.profile_id,
            outcome: record.outcome,
            record,
            receivedAt: now,
          })),
        )
        .onConflictDoNothing()
        .returning({ id: captures.id })
        .all()
        .map((r) => r.id),
    );
    const skipped = batch.records.filter((r) => !inserted.has(r.id));
    if (skipped.length) {
      const held = new Map(
        t
          .select({ id: captures.id, cameraId: captures.cameraId, logId: captures.logId, seq: captures.seq })
          .from(captures)
          .where(inArray(captures.id, skipped.map((r) => r.id)))
          .all()
          .map((h) => [h.id, h]),
      );
      for (const record of skipped) {
        const h = held.get(record.id);
        if (!h || h.cameraId !== cameraId || h.logId !== batch.log_id || h.seq !== record.seq)
          throw new HttpError(409, "conflict", `record ${record.id} (seq ${record.seq}) conflicts with a record the hub already holds`);
      }
    }
    return { accepted: inserted.size, duplicates: skipped.length, ...advanceLog(t, cameraId, batch.log_id, now) };
  });
}

const MAX_GAPS_LISTED = 100;

function advanceLog(db: HubDb, cameraId: string, logId: string, now: number): Pick<UploadResult, "contiguous_through" | "gaps"> {
  db.insert(agentLogs).values({ cameraId, logId, firstSeenAt: now }).onConflictDoNothing().run();
  const log = db.select().from(agentLogs).where(and(eq(agentLogs.cameraId, cameraId), eq(agentLogs.logId, logId))).get()!;
  const above = db
    .select({ seq: captures.seq })
    .from(captures)
    .where(and(eq(captures.cameraId, cameraId), eq(captures.logId, logId), gt(captures.seq, log.contiguousThrough)))
    .orderBy(captures.seq)
    .all()
    .map((r) => r.seq);
  let through = log.contiguousThrough;
  const gaps: [number, number][] = [];
  for (const seq of above) {
    if (seq > through + 1 && gaps.length < MAX_GAPS_LISTED) gaps.push([through + 1, seq - 1]);
    through = seq;
  }
  const contiguous = gaps.length ? gaps[0]![0] - 1 : through;
  db.update(agentLogs)
    .set({ contiguousThrough: contiguous, maxSeq: sql`max(${agentLogs.maxSeq}, ${through})` })
    .where(and(eq(agentLogs.cameraId, cameraId), eq(agentLogs.logId, logId)))
    .run();
  return { contiguous_through: contiguous, gaps };
}
