import { HttpError } from "../../shared/http";
import type { HubDb } from "../db/client";
import { boundLogs, saveBindings, tokenBindings } from "./data";


/**
 * One token, one agent. A token speaks for one capture log at a time: its
 * current log. An agent that lost its database starts a new log once and never
 * returns to the old one, so a new log replaces the current one; a replaced log
 * presented again means two agents hold the token. The earlier log is kept, the
 * other is refused, until the operator gives the camera a new token (which
 * unbinds every log: the first one presented with it becomes current). A log is
 * presented by a poll, and by an upload that brings it new seqs: replaying
 * records the hub holds moves nothing.
 */
export type LogState = "current" | "replaced" | "refused";

export interface BoundLog {
  logId: string;
  state: LogState;
}

export type Presentation = { accepted: true; changes: BoundLog[] } | { accepted: false; kept: string | null };

/** What presenting `logId` does, given the camera's bound logs. Pure. */
export function presentLog(bound: BoundLog[], logId: string): Presentation {
  const current = bound.find((l) => l.state === "current");
  const presented = bound.find((l) => l.logId === logId);
  if (presented?.state === "current") return { accepted: true, changes: [] };
  if (bound.some((l) => l.state === "refused")) return { accepted: false, kept: current?.logId ?? null };
  const previous: BoundLog[] = current ? [{ logId: current.logId, state: presented ? "refused" : "replaced" }] : [];
  return { accepted: true, changes: [{ logId, state: "current" }, ...previous] };
}

/** How the fleet shows a token two agents present. */
export interface TokenShared {
  /** When the hub saw it (hub clock, ms). */
  at: number;
  kept_log: string | null;
  refused_logs: string[];
}

export function tokenSharedRefusal(cameraId: string, logId: string, kept: string | null): HttpError {
  return new HttpError(
    409,
    "token_shared",
    `two agents present camera ${cameraId}'s token (capture logs ${kept ?? "?"} and ${logId}): the hub keeps log ${kept ?? "?"} and refuses this one's records. ` +
      `Each device needs its own token: the operator gives the device that is ${cameraId} a new token (skylapse cameras-enroll ${cameraId}, or POST /api/cameras/${cameraId}/token); the old token then stops working, and any other device needs a camera of its own.`,
  );
}

/** What presenting `logId` would change of what the camera's token is bound to; a 409 while the token is shared. Reads only. */
export async function bindingChanges(db: HubDb, cameraId: string, logId: string): Promise<BoundLog[]> {
  return changesOf(cameraId, logId, await boundLogs(db, cameraId));
}

/** bindingChanges, given the camera's bound logs as read already. */
export function changesOf(cameraId: string, logId: string, bound: BoundLog[]): BoundLog[] {
  const outcome = presentLog(bound, logId);
  if (!outcome.accepted) throw tokenSharedRefusal(cameraId, logId, outcome.kept);
  return outcome.changes;
}

/** Whether presenting `logId` would change what the camera's token is bound to; a 409 while the token is shared. Reads only. */
export async function checkAgentLog(db: HubDb, cameraId: string, logId: string): Promise<boolean> {
  return (await bindingChanges(db, cameraId, logId)).length > 0;
}

/**
 * Records that a poll or upload of `cameraId` presented `logId`, or refuses it
 * with a 409 while the camera's token is shared. Call it inside a transaction
 * (inTransaction): a camera never has two current logs.
 */
export async function presentAgentLog(tx: HubDb, cameraId: string, logId: string, now: number): Promise<void> {
  await bindLog(tx, cameraId, logId, await bindingChanges(tx, cameraId, logId), now);
}

/** Writes `changes` (what bindingChanges answered, read in the same transaction). */
export async function bindLog(tx: HubDb, cameraId: string, logId: string, changes: BoundLog[], now: number): Promise<void> {
  await saveBindings(tx, cameraId, changes, now);
  for (const change of changes)
    if (change.state === "refused") console.warn(`hub: camera ${cameraId}: two agents present its token; keeping log ${logId}, refusing log ${change.logId} (409) until it gets a new token`);
}

/** Every camera whose token two agents present, by camera id. */
export async function sharedTokens(db: HubDb): Promise<Map<string, TokenShared>> {
  const rows = await tokenBindings(db);
  const shared = new Map<string, TokenShared>();
  for (const r of rows.filter((r) => r.state === "refused")) {
    const entry = shared.get(r.cameraId) ?? { at: r.at!, kept_log: null, refused_logs: [] };
    entry.at = Math.min(entry.at, r.at!);
    entry.refused_logs.push(r.logId);
    shared.set(r.cameraId, entry);
  }
  for (const r of rows) if (r.state === "current" && shared.has(r.cameraId)) shared.get(r.cameraId)!.kept_log = r.logId;
  return shared;
}
