import { canonicalJson, sha256 } from "../../shared/canonical";
import type { CaptureRecord, DesiredState, ObservedState, UploadBatch, UploadResult } from "../../shared/contracts/sync";
import { HttpError } from "../../shared/http";
import { planRange } from "../../shared/plan/windows";
import { cameraRevision } from "../config/revision";
import { type HubDb, isPostgres } from "../db/client";
import { databaseLocked, watchLock } from "../db/locks";
import { inGroupCommit } from "../db/group-commit";
import { isBusy } from "../../shared/sqlite";
import { captureColumns } from "../db/captures";
import { desiredStateFor } from "../plans/service";
import { type ContactEvent, type ContactState, onContact } from "./contact-history";
import { type CaptureAlias, aliasedSeqs, cameraOfTokenHash, capturesHolding, claimOutage, contactStateOf, insertAliases, insertCaptures, writeContacts } from "./data";
import { bindLog, changesOf } from "./log-binding";
import { advanceLog, readLog } from "./log-gaps";

export function hashToken(token: string): string {
  return sha256(token);
}

/** The camera an agent token belongs to, or null. Only hashes are stored. */
export function cameraForToken(db: HubDb, token: string): Promise<string | null> {
  return cameraOfTokenHash(db, hashToken(token));
}

interface CachedState {
  revision: number;
  validUntil: number;
  etag: string;
  desired: DesiredState;
}

/**
 * Desired states are cached per camera until a change reaches that camera (its
 * revision, config/revision) or its local day rolls over (the plan window moves),
 * so a conditional poll that ends in 304 costs one indexed read, and one camera's
 * change recomputes that camera's state only.
 */
export class DesiredStateCache {
  private entries = new Map<string, CachedState>();

  async get(db: HubDb, cameraId: string, now: number): Promise<CachedState | null> {
    // Read before the state is built: a change committed in between is built in, and seen again at the next poll.
    const revision = await cameraRevision(db, cameraId);
    if (revision === null) return null;
    const hit = this.entries.get(cameraId);
    if (hit && hit.revision === revision && now < hit.validUntil) return hit;
    const desired = await desiredStateFor(db, cameraId, now);
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
 * of one fsync per poll, together with the contact history each poll produces
 * (outages, catch-ups, clock samples). A poll costs in-memory work only, plus one
 * indexed read the first time this process hears from a camera. A crash loses at
 * most the last second of reports, which every agent repeats on its next poll.
 */
export class ContactLog {
  private pending = new Map<string, { observed: ObservedState; at: number }>();
  private events: ContactEvent[] = [];
  private states = new Map<string, ContactState>();
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Flushes run one after another: a flush awaited by a reader includes every report before it. */
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: HubDb,
    flushEveryMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref?.();
  }

  async record(cameraId: string, observed: ObservedState, now: number, pollIntervalSeconds: number): Promise<void> {
    const read = this.states.get(cameraId) ?? (await this.stateOf(cameraId));
    // Another poll of the camera recorded while the database was read is the newer state.
    let { state, events } = onContact(cameraId, this.states.get(cameraId) ?? read, observed, now, pollIntervalSeconds);
    if (isPostgres(this.db) && events.some((e) => e.kind === "outage")) ({ state, events } = await this.confirmOutage(cameraId, observed, now, pollIntervalSeconds));
    this.states.set(cameraId, state);
    if (events.length) this.events.push(...events);
    this.pending.set(cameraId, { observed, at: now });
  }

  /**
   * On PostgreSQL other replicas answer the camera's polls too, so this process's
   * last contact can be old while the camera never was away: an outage it
   * suspects is checked against the database's last contact and claimed there
   * with one conditional update, so one replica records it, once (seen with
   * three replicas: each recorded its own outage of one real absence).
   */
  private async confirmOutage(cameraId: string, observed: ObservedState, now: number, pollIntervalSeconds: number) {
    const local = this.states.get(cameraId);
    const shared = await contactStateOf(this.db, cameraId);
    const merged: ContactState = { ...shared, lastAt: Math.max(shared.lastAt ?? 0, local?.lastAt ?? 0) || null };
    const result = onContact(cameraId, merged, observed, now, pollIntervalSeconds);
    const outage = result.events.find((e) => e.kind === "outage");
    if (!outage || (await claimOutage(this.db, cameraId, outage.from, now))) return result;
    // Another replica recorded this return: no outage here; a catch-up update is conditional, so waiting for one is harmless.
    return {
      state: { ...result.state, awaitingCatchUp: observed.backlog !== 0 },
      events: result.events.filter((e) => e.kind !== "outage"),
    };
  }

  /** What the database says, read once per camera per process. */
  private async stateOf(cameraId: string): Promise<ContactState> {
    return contactStateOf(this.db, cameraId);
  }

  /** Writes what was reported so far; resolves once it (and every flush before it) has been written or set aside. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    if (!this.pending.size && !this.events.length) return;
    // While another process holds the database, wait for the probe rather than block on the busy timeout.
    if (databaseLocked(this.db)) return;
    const batch = this.pending;
    const events = this.events;
    this.pending = new Map();
    this.events = [];
    try {
      await writeContacts(this.db, batch, events);
    } catch (e) {
      // Keep them for the next flush (newer reports of the same camera win); a timer must never take the hub down.
      if (isBusy(e)) watchLock(this.db);
      else console.error(`hub: contact history not written yet: ${(e as Error).message}`);
      for (const [id, entry] of batch) if (!this.pending.has(id)) this.pending.set(id, entry);
      this.events.unshift(...events);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}

/**
 * A record's natural key within its camera: the tick it answers (planned time,
 * profile) and the test arm it belongs to. The same tick uploaded again under
 * another log or id (a record rebuilt from its image after the agent lost its
 * database) has the same key.
 */
export function tickKey(record: Pick<CaptureRecord, "planned_at" | "profile_id" | "test_id" | "test_role">): string {
  return tickKeyAt(Date.parse(record.planned_at), record);
}

/** tickKey, the planned time already parsed (ms). */
function tickKeyAt(plannedAt: number, record: Pick<CaptureRecord, "profile_id" | "test_id" | "test_role">): string {
  return JSON.stringify([plannedAt, record.profile_id, record.test_id, record.test_role]);
}

function conflict(record: CaptureRecord, why: string): HttpError {
  return new HttpError(409, "conflict", `record ${record.id} (seq ${record.seq}) conflicts with a record the hub already holds: ${why}`);
}

/**
 * Stores a batch exactly once. A record is identified three ways: by id, by
 * (log, seq) and by its natural key (tickKey). A replay (same log, seq and id) is
 * a duplicate; a record whose tick the hub already holds under another log or id
 * is a duplicate too, and its (log, seq) is remembered as an alias so the log
 * shows no gap there. A different record under a held (log, seq), or a held id
 * from another camera or tick, is a conflict and the whole batch is refused, as is
 * a batch of a log the camera's token no longer speaks for (log-binding). One
 * transaction (committed with concurrent uploads: inGroupCommit), so a refused batch changes nothing.
 */
export function ingestBatch(db: HubDb, cameraId: string, batch: UploadBatch, now: number): Promise<UploadResult> {
  return inGroupCommit(db, async (t) => {
    const logId = batch.log_id;
    const seqs = batch.records.map((r) => r.seq);
    // Independent reads, sent together (one round trip on PostgreSQL); the batch is refused before anything is written.
    const [aliased, log] = await Promise.all([aliasedSeqs(t, cameraId, logId, seqs), readLog(t, cameraId, logId, seqs)]);
    const binding = changesOf(cameraId, logId, log.bound);
    let duplicates = 0;

    // Seqs acknowledged earlier as duplicates: a replay is a duplicate again, anything else a conflict.
    const fresh: CaptureRecord[] = [];
    for (const record of batch.records) {
      const held = aliased.get(record.seq);
      if (held === undefined) fresh.push(record);
      else if (held === record.id) duplicates++;
      else throw conflict(record, `seq ${record.seq} of log ${logId} is another record`);
    }
    if (!fresh.length) return { accepted: 0, duplicates, ...(await advanceLog(t, cameraId, logId, seqs, now, log)) };

    // A seq of the batch is held afterwards whatever the insert makes of its record (stored, or a
    // duplicate); a conflict refuses the whole batch. So the log moves on together with the insert.
    const rows = fresh.map((record) => {
      const plannedAt = Date.parse(record.planned_at);
      return {
        id: record.id,
        cameraId,
        logId,
        seq: record.seq,
        plannedAt,
        schedule: record.schedule,
        profileId: record.profile_id,
        record,
        receivedAt: now,
        tickKey: tickKeyAt(plannedAt, record),
        ...captureColumns(record),
      };
    });
    const keys = new Map(rows.map((r) => [r.seq, r.tickKey]));
    const [stored, position] = await Promise.all([insertCaptures(t, rows), advanceLog(t, cameraId, logId, seqs, now, log)]);
    // Whatever the insert skipped (held id, held log+seq, held tick) is a duplicate or a conflict.
    const inserted = new Set(stored);
    const skipped = fresh.filter((r) => !inserted.has(r.seq));
    // Seqs new to this log: stored, or acknowledged as duplicates of records held under another log.
    let advanced = inserted.size;
    if (skipped.length) {
      const [atSeqRows, byIdRows, byTickRows] = await capturesHolding(t, cameraId, logId, {
        seqs: skipped.map((r) => r.seq),
        ids: skipped.map((r) => r.id),
        tickKeys: skipped.map((r) => keys.get(r.seq)!),
      });
      const atSeq = new Map(atSeqRows.map((h) => [h.seq, h]));
      const byId = new Map(byIdRows.map((h) => [h.id, h]));
      const byTick = new Map(byTickRows.map((h) => [h.tickKey, h]));
      const aliases: CaptureAlias[] = [];
      for (const record of skipped) {
        const key = keys.get(record.seq)!;
        const sameSeq = atSeq.get(record.seq);
        if (sameSeq) {
          if (sameSeq.id !== record.id) throw conflict(record, `seq ${record.seq} of log ${logId} is another record`);
          duplicates++;
          continue;
        }
        const sameId = byId.get(record.id);
        if (sameId && (sameId.cameraId !== cameraId || sameId.tickKey !== key)) throw conflict(record, "its id names another record");
        const held = sameId ?? byTick.get(key);
        if (!held) throw conflict(record, "it was refused by a uniqueness rule");
        aliases.push({ cameraId, logId, seq: record.seq, recordId: record.id, captureId: held.id, receivedAt: now });
        duplicates++;
      }
      if (aliases.length) await insertAliases(t, aliases);
      advanced += aliases.length;
    }
    if (advanced) await bindLog(t, cameraId, logId, binding, now);
    return { accepted: inserted.size, duplicates, ...position };
  });
}
