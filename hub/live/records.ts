import type { CaptureRecord } from "../../shared/contracts/sync";
import { ingestBatch } from "../agents/service";
import type { HubDb } from "../db/client";
import { inTransaction } from "../db/transaction";
import { lastSeq, recordOutcome, replaceRecord } from "./data";

/** The hub's own capture log for a live camera. */
const logOf = (cameraId: string) => `live-${cameraId}`;

/**
 * Stores a live capture's record like an autonomous one, in the hub's log for the
 * camera; returns it as stored, or null when the hub already holds the tick (the
 * agent uploaded its own record of it first: that one stands).
 */
export function storeLiveRecord(db: HubDb, cameraId: string, record: Omit<CaptureRecord, "seq">, now: number): Promise<CaptureRecord | null> {
  const logId = logOf(cameraId);
  // The next seq and the record in one transaction: two captures stored at once never take the same seq.
  return inTransaction(db, async (tx) => {
    const stored = { ...record, seq: ((await lastSeq(tx, cameraId, logId)) ?? 0) + 1 };
    return (await ingestBatch(tx, cameraId, { log_id: logId, records: [stored] }, now)).accepted ? stored : null;
  });
}

/**
 * A frame that arrived after the hub gave up on it replaces the failure the hub
 * recorded for its tick: same log, seq and tick, the captured record's id (so the
 * agent's own upload of it is a duplicate of this one, and its picture attaches to
 * it). An upload the hub already took as a duplicate of the failure now points at it.
 * False when the failure is no longer there to replace.
 */
export function replaceWithLateFrame(db: HubDb, cameraId: string, failed: CaptureRecord, frame: Omit<CaptureRecord, "seq">): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    if ((await recordOutcome(tx, cameraId, logOf(cameraId), failed.id)) !== "failed") return false;
    await replaceRecord(tx, cameraId, failed.id, { ...frame, seq: failed.seq });
    return true;
  });
}
