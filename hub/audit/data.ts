/** The SQL of the audit log (drizzle's async API only). */
import { desc, lt } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { auditLog } from "../db/schema";

export async function insertAuditEntry(db: HubDb, row: typeof auditLog.$inferInsert): Promise<void> {
  await db.insert(auditLog).values(row);
}

/** Up to `limit` entries, newest first, older than entry `before` when given. */
export function auditEntries(db: HubDb, limit: number, before?: number) {
  return db
    .select()
    .from(auditLog)
    .where(before === undefined ? undefined : lt(auditLog.id, before))
    .orderBy(desc(auditLog.id))
    .limit(limit);
}
