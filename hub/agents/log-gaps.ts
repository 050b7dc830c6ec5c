import { and, asc, eq, gte, inArray, lte } from "drizzle-orm";
import type { UploadResult } from "../../shared/contracts/sync";
import type { HubDb } from "../db/client";
import { agentLogs, logGaps } from "../db/schema";

export type SeqRange = [from: number, to: number];

/** At most this many gaps are listed in an upload's answer (the lowest first). */
const MAX_GAPS_LISTED = 100;

/**
 * What `held` seqs arriving do to a log's gaps: each gap they fall in is split
 * around them, and the seqs they skip above the highest held so far open new
 * gaps. `touched` are the gaps that overlap the seqs' range, sorted. Pure.
 */
export function fillGaps(touched: SeqRange[], maxSeq: number, held: number[]): { removed: SeqRange[]; added: SeqRange[]; maxSeq: number } {
  const seqs = [...new Set(held)].sort((a, b) => a - b);
  const removed: SeqRange[] = [];
  const added: SeqRange[] = [];
  let i = 0;
  for (const [from, to] of touched) {
    while (i < seqs.length && seqs[i]! < from) i++;
    if (i >= seqs.length || seqs[i]! > to) continue;
    removed.push([from, to]);
    let next = from;
    for (; i < seqs.length && seqs[i]! <= to; i++) {
      if (seqs[i]! > next) added.push([next, seqs[i]! - 1]);
      next = seqs[i]! + 1;
    }
    if (next <= to) added.push([next, to]);
  }
  let next = maxSeq + 1;
  for (const seq of seqs) {
    if (seq < next) continue;
    if (seq > next) added.push([next, seq - 1]);
    next = seq + 1;
  }
  return { removed, added, maxSeq: Math.max(maxSeq, next - 1) };
}

/**
 * Records that `seqs` of the log are held (a batch just stored or acknowledged)
 * and answers how far the log is contiguous and where its lowest gaps are. Reads
 * only the gaps the batch touches and the lowest listed ones, never the records.
 */
export async function advanceLog(db: HubDb, cameraId: string, logId: string, seqs: number[], now: number): Promise<Pick<UploadResult, "contiguous_through" | "gaps">> {
  const ofLog = and(eq(logGaps.cameraId, cameraId), eq(logGaps.logId, logId));
  await db.insert(agentLogs).values({ cameraId, logId, firstSeenAt: now }).onConflictDoNothing();
  const [log] = await db.select({ maxSeq: agentLogs.maxSeq }).from(agentLogs).where(and(eq(agentLogs.cameraId, cameraId), eq(agentLogs.logId, logId)));
  const touched = (
    await db
    .select({ from: logGaps.fromSeq, to: logGaps.toSeq })
    .from(logGaps)
    .where(and(ofLog, gte(logGaps.toSeq, Math.min(...seqs)), lte(logGaps.fromSeq, Math.max(...seqs))))
    .orderBy(asc(logGaps.toSeq))
  ).map((g): SeqRange => [g.from, g.to]);
  const change = fillGaps(touched, log!.maxSeq, seqs);
  if (change.removed.length) await db.delete(logGaps).where(and(ofLog, inArray(logGaps.toSeq, change.removed.map(([, to]) => to))));
  if (change.added.length) await db.insert(logGaps).values(change.added.map(([fromSeq, toSeq]) => ({ cameraId, logId, fromSeq, toSeq })));
  const gaps = (await db.select({ from: logGaps.fromSeq, to: logGaps.toSeq }).from(logGaps).where(ofLog).orderBy(asc(logGaps.toSeq)).limit(MAX_GAPS_LISTED)).map(
    (g): SeqRange => [g.from, g.to],
  );
  const contiguous = gaps.length ? gaps[0]![0] - 1 : change.maxSeq;
  await db
    .update(agentLogs)
    .set({ contiguousThrough: contiguous, maxSeq: change.maxSeq })
    .where(and(eq(agentLogs.cameraId, cameraId), eq(agentLogs.logId, logId)));
  return { contiguous_through: contiguous, gaps };
}
