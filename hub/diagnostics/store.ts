/** The SQL of remote diagnostics: drizzle's async API only (it runs on SQLite and PostgreSQL alike). */
import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";
import type { DiagnosticsBundle } from "../../shared/contracts/diagnostics";
import type { HubDb } from "../db/client";
import { preparedOnce } from "../db/prepared";
import { cameras, diagnosticsRequests } from "../db/schema";

export type DiagnosticsRow = typeof diagnosticsRequests.$inferSelect;

export async function cameraOf(db: HubDb, cameraId: string): Promise<{ retiredAt: number | null; lastContactAt: number | null } | null> {
  const rows = await db.select({ retiredAt: cameras.retiredAt, lastContactAt: cameras.lastContactAt }).from(cameras).where(eq(cameras.id, cameraId)).limit(1);
  return rows[0] ?? null;
}

// Every poll runs it.
const openRequestLookup = preparedOnce((db) =>
  db
    .select({ id: diagnosticsRequests.id })
    .from(diagnosticsRequests)
    .where(and(eq(diagnosticsRequests.cameraId, sql.placeholder("camera")), isNull(diagnosticsRequests.receivedAt)))
    .orderBy(desc(diagnosticsRequests.requestedAt))
    .limit(1)
    .prepare(),
);

/** The camera's newest request its agent has not answered yet. */
export async function openRequest(db: HubDb, cameraId: string): Promise<{ id: string } | null> {
  return (await openRequestLookup(db).execute({ camera: cameraId }))[0] ?? null;
}

export async function insertRequest(db: HubDb, row: { id: string; cameraId: string; requestedAt: number }): Promise<void> {
  await db.insert(diagnosticsRequests).values(row);
}

export async function requestById(db: HubDb, id: string): Promise<DiagnosticsRow | null> {
  const rows = await db.select().from(diagnosticsRequests).where(eq(diagnosticsRequests.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function latestRequest(db: HubDb, cameraId: string): Promise<DiagnosticsRow | null> {
  const rows = await db.select().from(diagnosticsRequests).where(eq(diagnosticsRequests.cameraId, cameraId)).orderBy(desc(diagnosticsRequests.requestedAt)).limit(1);
  return rows[0] ?? null;
}

/** Stores the bundle unless one is stored already (one conditional statement); whether it was stored. */
export async function storeBundle(db: HubDb, id: string, cameraId: string, bundle: DiagnosticsBundle, bytes: number, now: number): Promise<boolean> {
  const stored = await db
    .update(diagnosticsRequests)
    .set({ bundle, bytes, receivedAt: now })
    .where(and(eq(diagnosticsRequests.id, id), eq(diagnosticsRequests.cameraId, cameraId), isNull(diagnosticsRequests.receivedAt)))
    .returning({ id: diagnosticsRequests.id });
  return stored.length > 0;
}

/** Removes the camera's requests older than its `keep` newest (bundles are up to 256 KiB each). */
export async function pruneRequests(db: HubDb, cameraId: string, keep: number): Promise<void> {
  const oldestKept = await db
    .select({ at: diagnosticsRequests.requestedAt })
    .from(diagnosticsRequests)
    .where(eq(diagnosticsRequests.cameraId, cameraId))
    .orderBy(desc(diagnosticsRequests.requestedAt))
    .limit(1)
    .offset(keep - 1);
  if (oldestKept[0]) await db.delete(diagnosticsRequests).where(and(eq(diagnosticsRequests.cameraId, cameraId), lt(diagnosticsRequests.requestedAt, oldestKept[0].at)));
}
