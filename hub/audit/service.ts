import type { HubDb } from "../db/client";
import { auditEntries, insertAuditEntry } from "./data";

export interface AuditEntry {
  actor: string;
  /** What was done, e.g. "profile.publish", "camera.assign", "test.cancel". */
  action: string;
  /** What it was done to, e.g. "profile:f", "camera:valley". */
  target: string;
  before: unknown;
  after: unknown;
}

/** Operator changes are written in the same transaction as the change itself. */
export async function recordAudit(db: HubDb, entry: AuditEntry, now: number): Promise<void> {
  await insertAuditEntry(db, { at: now, actor: entry.actor, action: entry.action, target: entry.target, before: entry.before ?? null, after: entry.after ?? null });
}

/** Newest first; `before` continues from an entry id. */
export async function listAudit(db: HubDb, q: { limit: number; before?: number }) {
  const rows = await auditEntries(db, q.limit + 1, q.before);
  const page = rows.slice(0, q.limit);
  return {
    entries: page.map((r) => ({ id: r.id, at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, target: r.target, before: r.before, after: r.after })),
    next: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}

/** The only operator identity today is the operator token; named tokens would name the actor. */
export const OPERATOR = "operator";
