import type { UploadResult } from "../../shared/contracts/sync";
import type { HubDb } from "../db/client";
import { MAX_GAPS_LISTED, gapsBetween, insertLogPosition, listedGapsOf, logAndBoundRows, moveLogPosition, replaceGaps } from "./data";
import type { BoundLog } from "./log-binding";

export type SeqRange = [from: number, to: number];

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

/** What an upload needs to know of its log before it writes: read at the start of the batch, with the other reads. */
export interface LogPosition {
  /** Whether the log has its row yet. */
  known: boolean;
  maxSeq: number;
  contiguous: number;
  /** The gaps the batch's seqs fall in (touched) and the lowest ones (listed), sorted. */
  touched: SeqRange[];
  listed: SeqRange[];
  /** The camera's logs bound to its token, read with the log (log-binding's input). */
  bound: BoundLog[];
}

/** The log's position, the gaps `seqs` touch and the camera's bound logs. Reads only the gaps the batch touches and the lowest listed ones, never the records. */
export async function readLog(db: HubDb, cameraId: string, logId: string, seqs: number[]): Promise<LogPosition> {
  const [lowest, highest] = [Math.min(...seqs), Math.max(...seqs)];
  const [logs, listed] = await Promise.all([logAndBoundRows(db, cameraId, logId), listedGapsOf(db, cameraId, logId)]);
  const row = logs.find((l) => l.logId === logId);
  // Fewer gaps than are listed: that is all of them, and the touched ones are among them.
  const touched =
    listed.length < MAX_GAPS_LISTED ? listed.filter(([from, to]) => to >= lowest && from <= highest) : await gapsBetween(db, cameraId, logId, lowest, highest);
  const bound = logs.filter((l) => l.state !== null).map((l): BoundLog => ({ logId: l.logId, state: l.state! }));
  return { known: Boolean(row), maxSeq: row?.maxSeq ?? 0, contiguous: row?.contiguous ?? 0, touched, listed, bound };
}

/**
 * Records that `seqs` of the log are held (a batch just stored or acknowledged),
 * given what `readLog` read of it in the same transaction, and answers how far
 * the log is contiguous and where its lowest gaps are.
 */
export async function advanceLog(
  db: HubDb,
  cameraId: string,
  logId: string,
  seqs: number[],
  now: number,
  log: LogPosition,
): Promise<Pick<UploadResult, "contiguous_through" | "gaps">> {
  const change = fillGaps(log.touched, log.maxSeq, seqs);
  let gaps = log.listed;
  if (change.removed.length || change.added.length) {
    await replaceGaps(db, cameraId, logId, change.removed, change.added);
    gaps = await listedGapsOf(db, cameraId, logId);
  }
  const contiguous = gaps.length ? gaps[0]![0] - 1 : change.maxSeq;
  if (!log.known) await insertLogPosition(db, cameraId, logId, { now, contiguous, maxSeq: change.maxSeq });
  else if (contiguous !== log.contiguous || change.maxSeq !== log.maxSeq) await moveLogPosition(db, cameraId, logId, { contiguous, maxSeq: change.maxSeq });
  return { contiguous_through: contiguous, gaps };
}
