/** The SQL of the audit log (drizzle's async API only). */
import { and, desc, eq, inArray, lt, max } from "drizzle-orm";
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

/** The latest audit entry of `action` per target (of the targets named, when named). */
export function latestAuditPerTarget(db: HubDb, action: string, targets?: string[]) {
  return db
    .select({ target: auditLog.target, at: max(auditLog.at) })
    .from(auditLog)
    .where(and(eq(auditLog.action, action), targets ? inArray(auditLog.target, targets) : undefined))
    .groupBy(auditLog.target);
}

/** When each audit entry of `action` was written, and what it changed to. */
export function auditEntriesOf(db: HubDb, action: string) {
  return db.select({ at: auditLog.at, after: auditLog.after }).from(auditLog).where(eq(auditLog.action, action));
}
