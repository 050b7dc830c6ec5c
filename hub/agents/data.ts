/** What the agent protocol reads and writes: token lookups, contact history, capture rows. */
import { and, between, eq, isNull, lte, or, sql } from "drizzle-orm";
import type { ObservedState } from "../../shared/contracts/sync";
import { insertNew } from "../db/bulk-insert";
import { type HubDb } from "../db/client";
import { cameras, captureAliases, captures, clockSamples, outages } from "../db/schema";
import { preparedOnce } from "../db/prepared";
import { inTransaction } from "../db/transaction";
import type { ContactEvent, ContactState } from "./contact-history";

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

/** Last contacts and the contact history they produced, in one transaction. */
export function writeContacts(db: HubDb, latest: Map<string, { observed: ObservedState; at: number }>, events: ContactEvent[]): Promise<void> {
  return inTransaction(db, async (tx) => {
    // Never back: another replica may have written a later contact of the camera meanwhile.
    for (const [id, { observed, at }] of latest)
      await tx
        .update(cameras)
        .set({ observed, lastContactAt: at })
        .where(and(eq(cameras.id, id), or(isNull(cameras.lastContactAt), lte(cameras.lastContactAt, at))));
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
  });
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
    .where(and(eq(cameras.id, cameraId), or(isNull(cameras.lastContactAt), lte(cameras.lastContactAt, from))))
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
