import { and, asc, eq, gt, gte, lt, or } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import { HttpError, notFound } from "../../shared/http";
import { hashToken } from "../agents/service";
import type { HubDb } from "../db/client";
import { cameras, captures } from "../db/schema";

export function listCameras(db: HubDb) {
  return db
    .select()
    .from(cameras)
    .orderBy(cameras.id)
    .all()
    .map((c) => ({
      id: c.id,
      ...c.config,
      has_token: c.tokenHash !== null,
      last_contact_at: c.lastContactAt === null ? null : new Date(c.lastContactAt).toISOString(),
      observed: c.observed ?? null,
    }));
}

/** Issues a new agent token (replacing any previous one, which stops working at once). Returned once. */
export function issueToken(db: HubDb, cameraId: string): { camera_id: string; token: string } {
  const token = `slk_${randomBytes(32).toString("base64url")}`;
  const updated = db.update(cameras).set({ tokenHash: hashToken(token) }).where(eq(cameras.id, cameraId)).returning({ id: cameras.id }).get();
  if (!updated) throw notFound(`camera ${cameraId}`);
  return { camera_id: cameraId, token };
}

function requireCamera(db: HubDb, cameraId: string) {
  if (!db.select({ id: cameras.id }).from(cameras).where(eq(cameras.id, cameraId)).get()) throw notFound(`camera ${cameraId}`);
}

function encodeCursor(plannedAt: number, id: string): string {
  return Buffer.from(JSON.stringify([plannedAt, id])).toString("base64url");
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string") return value as [number, string];
  } catch {}
  throw new HttpError(422, "invalid_request", "query.cursor: not a cursor this hub issued");
}

export interface CaptureQuery {
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** Capture records by planned time, paged with an opaque cursor. */
export function listCaptures(db: HubDb, cameraId: string, q: CaptureQuery) {
  requireCamera(db, cameraId);
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = db
    .select()
    .from(captures)
    .where(
      and(
        eq(captures.cameraId, cameraId),
        q.from ? gte(captures.plannedAt, Date.parse(q.from)) : undefined,
        q.to ? lt(captures.plannedAt, Date.parse(q.to)) : undefined,
        after
          ? or(gt(captures.plannedAt, after[0]), and(eq(captures.plannedAt, after[0]), gt(captures.id, after[1])))
          : undefined,
      ),
    )
    .orderBy(asc(captures.plannedAt), asc(captures.id))
    .limit(q.limit + 1)
    .all();
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    captures: page.map((r) => ({ ...r.record, log_id: r.logId, received_at: new Date(r.receivedAt).toISOString() })),
    next: rows.length > q.limit && last ? encodeCursor(last.plannedAt, last.id) : null,
  };
}
