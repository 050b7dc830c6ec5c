import { and, asc, eq, gte, inArray, isNotNull, lte, or, sql } from "drizzle-orm";
import type { UploadResult } from "../../shared/contracts/sync";
import type { HubDb } from "../db/client";
import { preparedOnce } from "../db/prepared";
import type { BoundLog } from "./log-binding";
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

/** The log's position, the gaps `seqs` touch and the camera's bound logs. Reads only the gaps the batch touches and the lowest listed ones, never the records. */
export async function readLog(db: HubDb, cameraId: string, logId: string, seqs: number[]): Promise<LogPosition> {
  const key = { camera: cameraId, log: logId };
  const [lowest, highest] = [Math.min(...seqs), Math.max(...seqs)];
  const [logs, listedRows] = await Promise.all([cameraLogs(db).execute(key), listedGaps(db).execute(key)]);
  const row = logs.find((l) => l.logId === logId);
  const listed = ranges(listedRows);
  // Fewer gaps than are listed: that is all of them, and the touched ones are among them.
  const touched =
    listed.length < MAX_GAPS_LISTED
      ? listed.filter(([from, to]) => to >= lowest && from <= highest)
      : ranges(await touchedGaps(db).execute({ ...key, lowest, highest }));
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
  const key = { camera: cameraId, log: logId };
  let gaps = log.listed;
  if (change.removed.length || change.added.length) {
    const inLog = and(eq(logGaps.cameraId, cameraId), eq(logGaps.logId, logId));
    if (change.removed.length) await db.delete(logGaps).where(and(inLog, inArray(logGaps.toSeq, change.removed.map(([, to]) => to))));
    if (change.added.length) await db.insert(logGaps).values(change.added.map(([fromSeq, toSeq]) => ({ cameraId, logId, fromSeq, toSeq })));
    gaps = ranges(await listedGaps(db).execute(key));
  }
  const contiguous = gaps.length ? gaps[0]![0] - 1 : change.maxSeq;
  if (!log.known) await saveLog(db).execute({ ...key, now, contiguous, maxSeq: change.maxSeq });
  else if (contiguous !== log.contiguous || change.maxSeq !== log.maxSeq) await moveLog(db).execute({ ...key, contiguous, maxSeq: change.maxSeq });
  return { contiguous_through: contiguous, gaps };
}
