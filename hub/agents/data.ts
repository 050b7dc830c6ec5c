/** What the agent protocol reads and writes: token lookups, contact history, capture rows, capture logs and their gaps. */
import { and, asc, between, eq, gte, inArray, isNotNull, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import type { ObservedState } from "../../shared/contracts/sync";
import { insertNew } from "../db/bulk-insert";
import { type HubDb, isPostgres } from "../db/client";
import { pgArray } from "../db/pg-arrays";
import { agentLogs, cameras, captureAliases, captures, clockSamples, logGaps, outages } from "../db/schema";
import { preparedOnce } from "../db/prepared";
import { inTransaction } from "../db/transaction";
import type { ContactEvent, ContactState } from "./contact-history";
import type { BoundLog, LogState } from "./log-binding";
import type { SeqRange } from "./log-gaps";

const tokenLookup = preparedOnce((db) => db.select({ id: cameras.id }).from(cameras).where(eq(cameras.tokenHash, sql.placeholder("hash"))).prepare());

export async function cameraOfTokenHash(db: HubDb, hash: string): Promise<string | null> {
  return (await tokenLookup(db).execute({ hash }))[0]?.id ?? null;
}

const contactStateLookup = preparedOnce((db) =>
  db
    .select({
      lastAt: cameras.lastContactAt,
      open: sql<boolean>`exists (select 1 from ${outages} where ${outages.cameraId} = ${cameras.id} and ${outages.caughtUpAt} is null)`,
      lastSampleAt: sql<number | null>`(select max(${clockSamples.at}) from ${clockSamples} where ${clockSamples.cameraId} = ${cameras.id})`.mapWith(Number),
    })
    .from(cameras)
    .where(eq(cameras.id, sql.placeholder("id")))
    .prepare(),
);

/** A camera's contact history as the database holds it. */
export async function contactStateOf(db: HubDb, cameraId: string): Promise<ContactState> {
  const [row] = await contactStateLookup(db).execute({ id: cameraId });
  return { lastAt: row?.lastAt ?? null, awaitingCatchUp: Boolean(row?.open), lastSampleAt: row?.lastSampleAt ?? null };
}

/**
 * Last contacts and the contact history they produced. On SQLite, one transaction (one
 * WAL fsync). On PostgreSQL the history first, in a transaction, then every last
 * contact in one statement outside the hub-wide write lock: each is conditional
 * (never back: another replica may have written a later contact of the camera
 * meanwhile), so it is safe alone, and a statement per camera under the lock held it
 * 0.3–1 s a flush at 10,000 cameras while every upload waited. A crash in between
 * leaves the old last contact: the next poll finds the same outage, claimed once.
 */
export async function writeContacts(db: HubDb, latest: Map<string, { observed: ObservedState; at: number }>, events: ContactEvent[]): Promise<void> {
  if (!isPostgres(db))
    return inTransaction(db, async (tx) => {
      for (const [id, { observed, at }] of latest) await tx.update(cameras).set({ observed, lastContactAt: at }).where(and(eq(cameras.id, id), notAfter(at)));
      await writeContactEvents(tx, events);
    });
  if (events.length) await inTransaction(db, (tx) => writeContactEvents(tx, events));
  const entries = [...latest];
  for (let i = 0; i < entries.length; i += CONTACTS_PER_STATEMENT) {
    const part = entries.slice(i, i + CONTACTS_PER_STATEMENT);
    const contact = sql`unnest(${pgArray(part.map(([id]) => id), "text")}, ${pgArray(part.map(([, c]) => JSON.stringify(c.observed)), "text")}, ${pgArray(part.map(([, c]) => c.at), "bigint")}) AS contact(id, observed, at)`;
    await db
      .update(cameras)
      .set({ observed: sql`contact.observed`, lastContactAt: sql`contact.at` })
      .from(contact)
      .where(and(eq(cameras.id, sql`contact.id`), notAfter(sql`contact.at`)));
  }
}

/** Three parameters each: far below PostgreSQL's 65,535 per statement. */
const CONTACTS_PER_STATEMENT = 5_000;

/** The camera's last contact is not after `at` (or there is none). */
const notAfter = (at: number | SQL) => or(isNull(cameras.lastContactAt), lte(cameras.lastContactAt, at));

async function writeContactEvents(tx: HubDb, events: ContactEvent[]): Promise<void> {
  for (const e of events) {
    if (e.kind === "outage")
      await tx
        .insert(outages)
        .values({ cameraId: e.cameraId, fromAt: e.from, toAt: e.to, backlogAtReturn: e.backlogAtReturn, oldestPendingAt: e.oldestPendingAt, caughtUpAt: e.caughtUpAt })
        .onConflictDoNothing();
    else if (e.kind === "caught_up")
      await tx
        .update(outages)
        .set({ caughtUpAt: e.at })
        .where(and(eq(outages.cameraId, e.cameraId), isNull(outages.caughtUpAt), lte(outages.toAt, e.at)));
    else
      await tx
        .insert(clockSamples)
        .values({ cameraId: e.cameraId, at: e.at, offsetMs: e.offsetMs, trusted: e.trusted, source: e.source, correctionMs: e.correctionMs })
        .onConflictDoNothing();
  }
}

/**
 * Takes the outage a poll ends for this process: the camera's last contact moves
 * from `from` (or earlier) to `now` in one conditional statement, so of replicas
 * that each suspect the same outage exactly one gets it.
 */
export async function claimOutage(db: HubDb, cameraId: string, from: number, now: number): Promise<boolean> {
  const claimed = await db
    .update(cameras)
    .set({ lastContactAt: now })
    .where(and(eq(cameras.id, cameraId), notAfter(from)))
    .returning({ id: cameras.id });
  return claimed.length > 0;
}

type CaptureRow = typeof captures.$inferInsert;

/** Inserts capture rows, skipping any a unique key already holds; the seqs inserted. Call it inside a transaction. */
export function insertCaptures(tx: HubDb, rows: CaptureRow[]): Promise<number[]> {
  return insertNew(tx, captures, rows, "seq");
}

const aliasLookup = preparedOnce((db) =>
  db
    .select({ seq: captureAliases.seq, recordId: captureAliases.recordId })
    .from(captureAliases)
    .where(and(eq(captureAliases.cameraId, sql.placeholder("camera")), eq(captureAliases.logId, sql.placeholder("log")), between(captureAliases.seq, sql.placeholder("lowest"), sql.placeholder("highest"))))
    .prepare(),
);

/** The seqs of the log acknowledged as duplicates, from `seqs`' lowest to highest, and the id of the record each acknowledged. */
export async function aliasedSeqs(db: HubDb, cameraId: string, logId: string, seqs: number[]): Promise<Map<number, string>> {
  const rows = await aliasLookup(db).execute({ camera: cameraId, log: logId, lowest: Math.min(...seqs), highest: Math.max(...seqs) });
  return new Map(rows.map((a) => [a.seq, a.recordId]));
}

/** How a capture the hub holds is known: the three ways a record is identified (ingestBatch). */
export interface HeldCapture {
  id: string;
  cameraId: string;
  logId: string;
  seq: number;
  tickKey: string | null;
}

/** The captures holding the camera log's `seqs`, the `ids` (of any camera) and the camera's `tickKeys`: three reads sent together. */
export function capturesHolding(
  db: HubDb,
  cameraId: string,
  logId: string,
  { seqs, ids, tickKeys }: { seqs: number[]; ids: string[]; tickKeys: string[] },
): Promise<[atSeq: HeldCapture[], byId: HeldCapture[], byTick: HeldCapture[]]> {
  const cols = { id: captures.id, cameraId: captures.cameraId, logId: captures.logId, seq: captures.seq, tickKey: captures.tickKey };
  return Promise.all([
    db
      .select(cols)
      .from(captures)
      .where(and(eq(captures.cameraId, cameraId), eq(captures.logId, logId), inArray(captures.seq, seqs))),
    db.select(cols).from(captures).where(inArray(captures.id, ids)),
    db.select(cols).from(captures).where(and(eq(captures.cameraId, cameraId), inArray(captures.tickKey, tickKeys))),
  ]);
}

export type CaptureAlias = typeof captureAliases.$inferInsert;

/** Remembers (log, seq)s acknowledged as duplicates of records held under another log or id. */
export function insertAliases(tx: HubDb, aliases: CaptureAlias[]): Promise<unknown> {
  return tx.insert(captureAliases).values(aliases);
}

// Every poll and upload runs this lookup.
const boundLookup = preparedOnce((db) =>
  db
    .select({ logId: agentLogs.logId, state: agentLogs.state })
    .from(agentLogs)
    .where(and(eq(agentLogs.cameraId, sql.placeholder("camera")), isNotNull(agentLogs.state)))
    .prepare(),
);

/** The camera's logs bound to its token. */
export function boundLogs(db: HubDb, cameraId: string): Promise<BoundLog[]> {
  return boundLookup(db).execute({ camera: cameraId }) as Promise<BoundLog[]>;
}

/** Writes a camera's binding changes, one log after another. */
export async function saveBindings(tx: HubDb, cameraId: string, changes: BoundLog[], now: number): Promise<void> {
  for (const change of changes)
    await tx
      .insert(agentLogs)
      .values({ cameraId, logId: change.logId, firstSeenAt: now, state: change.state, stateAt: now })
      .onConflictDoUpdate({ target: [agentLogs.cameraId, agentLogs.logId], set: { state: change.state, stateAt: now } });
}

/** A new token for the camera: no log is bound to it yet. `db` may be a transaction. */
export async function unbindAgentLogs(db: HubDb, cameraId: string): Promise<void> {
  await db.update(agentLogs).set({ state: null, stateAt: null }).where(and(eq(agentLogs.cameraId, cameraId), isNotNull(agentLogs.state)));
}

/** Every current and refused log of every camera, with when it became so. */
export function tokenBindings(db: HubDb): Promise<{ cameraId: string; logId: string; state: LogState | null; at: number | null }[]> {
  return db
    .select({ cameraId: agentLogs.cameraId, logId: agentLogs.logId, state: agentLogs.state, at: agentLogs.stateAt })
    .from(agentLogs)
    .where(inArray(agentLogs.state, ["current", "refused"]));
}

/** At most this many gaps are listed in an upload's answer (the lowest first). */
export const MAX_GAPS_LISTED = 100;

const ph = { camera: sql.placeholder("camera"), log: sql.placeholder("log") };
const ofLog = and(eq(logGaps.cameraId, ph.camera), eq(logGaps.logId, ph.log));
const gapFields = { from: logGaps.fromSeq, to: logGaps.toSeq };
// The log's row, and the camera's logs bound to its token (log-binding), in one statement.
const cameraLogs = preparedOnce((db) =>
  db
    .select({ logId: agentLogs.logId, state: agentLogs.state, maxSeq: agentLogs.maxSeq, contiguous: agentLogs.contiguousThrough })
    .from(agentLogs)
    .where(and(eq(agentLogs.cameraId, ph.camera), or(eq(agentLogs.logId, ph.log), isNotNull(agentLogs.state))))
    .prepare(),
);
const touchedGaps = preparedOnce((db) =>
  db
    .select(gapFields)
    .from(logGaps)
    .where(and(ofLog, gte(logGaps.toSeq, sql.placeholder("lowest")), lte(logGaps.fromSeq, sql.placeholder("highest"))))
    .orderBy(asc(logGaps.toSeq))
    .prepare(),
);
const listedGaps = preparedOnce((db) => db.select(gapFields).from(logGaps).where(ofLog).orderBy(asc(logGaps.toSeq)).limit(MAX_GAPS_LISTED).prepare());
const saveLog = preparedOnce((db) =>
  db
    .insert(agentLogs)
    .values({ cameraId: ph.camera, logId: ph.log, firstSeenAt: sql.placeholder("now"), contiguousThrough: sql.placeholder("contiguous"), maxSeq: sql.placeholder("maxSeq") } as never)
    .onConflictDoUpdate({ target: [agentLogs.cameraId, agentLogs.logId], set: { contiguousThrough: sql`excluded.contiguous_through`, maxSeq: sql`excluded.max_seq` } })
    .prepare(),
);
// The usual case, the log's row already there: a plain update (an upsert costs PostgreSQL a speculative insertion).
const moveLog = preparedOnce((db) =>
  db
    .update(agentLogs)
    .set({ contiguousThrough: sql.placeholder("contiguous") as never, maxSeq: sql.placeholder("maxSeq") as never })
    .where(and(eq(agentLogs.cameraId, ph.camera), eq(agentLogs.logId, ph.log)))
    .prepare(),
);
const ranges = (rows: { from: number; to: number }[]) => rows.map((g): SeqRange => [g.from, g.to]);

/** The log's row (if any) and the camera's logs bound to its token, in one statement. */
export function logAndBoundRows(
  db: HubDb,
  cameraId: string,
  logId: string,
): Promise<{ logId: string; state: LogState | null; maxSeq: number; contiguous: number }[]> {
  return cameraLogs(db).execute({ camera: cameraId, log: logId });
}

/** The log's lowest gaps, at most MAX_GAPS_LISTED. */
export async function listedGapsOf(db: HubDb, cameraId: string, logId: string): Promise<SeqRange[]> {
  return ranges(await listedGaps(db).execute({ camera: cameraId, log: logId }));
}

/** The log's gaps that overlap lowest..highest, sorted. */
export async function gapsBetween(db: HubDb, cameraId: string, logId: string, lowest: number, highest: number): Promise<SeqRange[]> {
  return ranges(await touchedGaps(db).execute({ camera: cameraId, log: logId, lowest, highest }));
}

/** Replaces the log's `removed` gaps (named by their upper end) with the `added` ones. */
export async function replaceGaps(db: HubDb, cameraId: string, logId: string, removed: SeqRange[], added: SeqRange[]): Promise<void> {
  const inLog = and(eq(logGaps.cameraId, cameraId), eq(logGaps.logId, logId));
  if (removed.length) await db.delete(logGaps).where(and(inLog, inArray(logGaps.toSeq, removed.map(([, to]) => to))));
  if (added.length) await db.insert(logGaps).values(added.map(([fromSeq, toSeq]) => ({ cameraId, logId, fromSeq, toSeq })));
}

/** The log's first row, with where it stands. */
export function insertLogPosition(db: HubDb, cameraId: string, logId: string, at: { now: number; contiguous: number; maxSeq: number }): Promise<unknown> {
  return saveLog(db).execute({ camera: cameraId, log: logId, ...at });
}

/** Moves the log's row to where it now stands. */
export function moveLogPosition(db: HubDb, cameraId: string, logId: string, at: { contiguous: number; maxSeq: number }): Promise<unknown> {
  return moveLog(db).execute({ camera: cameraId, log: logId, ...at });
}
