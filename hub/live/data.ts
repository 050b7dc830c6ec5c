/** The SQL of the hub's own capture log for live cameras (drizzle's async API only). */
import { and, eq, max } from "drizzle-orm";
import type { CaptureRecord } from "../../shared/contracts/sync";
import type { HubDb } from "../db/client";
import { captureColumns } from "../db/captures";
import { captureAliases, captures } from "../db/schema";

/** The highest seq of a camera's log, or null when it holds no record. */
export async function lastSeq(db: HubDb, cameraId: string, logId: string): Promise<number | null> {
  const [last] = await db.select({ seq: max(captures.seq) }).from(captures).where(and(eq(captures.cameraId, cameraId), eq(captures.logId, logId)));
  return last?.seq ?? null;
}

/** The outcome of a record of a camera's log, or null when it is not there. */
export async function recordOutcome(db: HubDb, cameraId: string, logId: string, captureId: string): Promise<string | null> {
  const [row] = await db
    .select({ outcome: captures.outcome })
    .from(captures)
    .where(and(eq(captures.id, captureId), eq(captures.cameraId, cameraId), eq(captures.logId, logId)));
  return row?.outcome ?? null;
}

/** Puts `record` (under its own id) in the place of record `replacedId`; uploads taken as duplicates of it now point at the new one. */
export async function replaceRecord(db: HubDb, cameraId: string, replacedId: string, record: CaptureRecord): Promise<void> {
  await db.update(captures).set({ id: record.id, record, ...captureColumns(record) }).where(eq(captures.id, replacedId));
  await db.update(captureAliases).set({ captureId: record.id }).where(and(eq(captureAliases.cameraId, cameraId), eq(captureAliases.captureId, replacedId)));
}
