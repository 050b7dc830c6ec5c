import { randomBytes } from "node:crypto";
import { CameraConfig, keepHeldToken, redactCamera } from "../../shared/contracts/config";
import { HttpError, notFound } from "../../shared/http";
import { unbindAgentLogs } from "../agents/data";
import { hashToken } from "../agents/service";
import { recordAudit } from "../audit/service";
import { bumpRevision, desiredShape } from "../config/revision";
import type { HubDb } from "../db/client";
import { inTransaction } from "../db/transaction";
import { knownScheduleNames } from "../config/data";
import { deleteUnusedCodes } from "../enrollment/data";
import { profileExists } from "../profiles/data";
import { type CameraRow, cameraExists, cameraRow as findCamera, cameraRows, capturesPage, insertCamera, updateCameraRow } from "./data";
import type { RegisterCamera, UpdateCamera } from "./model";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A camera as the operator API shows it: its config, whether it holds a token, contact, reported state, retirement. */
export function cameraView(c: CameraRow) {
  return {
    id: c.id,
    ...redactCamera(c.config),
    has_token: c.tokenHash !== null,
    retired_at: iso(c.retiredAt),
    last_contact_at: iso(c.lastContactAt),
    observed: c.observed ?? null,
  };
}

export async function listCameras(db: HubDb) {
  return (await cameraRows(db)).map(cameraView);
}

async function cameraRow(db: HubDb, cameraId: string): Promise<CameraRow> {
  const row = await findCamera(db, cameraId);
  if (!row) throw notFound(`camera ${cameraId}`);
  return row;
}

export async function getCamera(db: HubDb, cameraId: string) {
  return cameraView(await cameraRow(db, cameraId));
}

/** Retired cameras keep their records and nothing else: no changes, no token, no enrollment. */
export function requireActive(row: CameraRow, what: string): void {
  if (row.retiredAt !== null) throw new HttpError(409, "retired", `camera ${row.id} was retired at ${iso(row.retiredAt)}; ${what}`);
}

/** What the audit log keeps of a camera: its config and state, never its token hash. */
function auditState(row: CameraRow) {
  return { config: redactCamera(row.config), has_token: row.tokenHash !== null, retired_at: iso(row.retiredAt) };
}

const invalid = (issues: string[]) => new HttpError(422, "invalid_request", issues.join("; "));

function held(id: string, config: CameraConfig, before: CameraConfig | undefined): CameraConfig {
  try {
    return keepHeldToken(id, config, before);
  } catch (e) {
    throw invalid([`body.technician_token: ${(e as Error).message}`]);
  }
}

/** Schedules and the profile must exist at the hub, as a config file's cameras must name its own. */
async function checkReferences(db: HubDb, config: Pick<CameraConfig, "schedules" | "deployed_profile">): Promise<void> {
  const issues: string[] = [];
  const known = await knownScheduleNames(db, config.schedules);
  config.schedules.forEach((name, i) => {
    if (!known.has(name)) issues.push(`body.schedules.${i}: unknown schedule '${name}'`);
  });
  if (config.deployed_profile && !(await profileExists(db, config.deployed_profile)))
    issues.push(`body.deployed_profile: unknown profile '${config.deployed_profile}'`);
  if (issues.length) throw invalid(issues);
}

/** Registers a new camera (409 if the id is taken, retired cameras included). No token yet: enroll it or issue one. */
export async function registerCamera(db: HubDb, body: RegisterCamera, now: number, actor: string) {
  const { id, ...given } = body;
  const config = held(id, given, undefined);
  if (await cameraExists(db, id))
    throw new HttpError(409, "conflict", `camera ${id} already exists (PATCH /api/cameras/${id} changes it)`);
  await checkReferences(db, config);
  return inTransaction(db, async (t) => {
    const row = await insertCamera(t, {
      id,
      config,
      createdAt: now,
      assignedProfile: config.deployed_profile ?? null,
      assignedVersion: config.deployed_profile ? "latest" : null,
    });
    await bumpRevision(t, [id]);
    await recordAudit(t, { actor, action: "camera.register", target: `camera:${id}`, before: null, after: auditState(row) }, now);
    return cameraView(row);
  });
}

/** Applies a partial change, validated as a whole config's camera would be. An unchanged result changes nothing. */
export async function updateCamera(db: HubDb, cameraId: string, patch: UpdateCamera, now: number, actor: string) {
  const row = await cameraRow(db, cameraId);
  requireActive(row, "it cannot be changed");
  const merged: Record<string, unknown> = { ...row.config };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  const parsed = CameraConfig.safeParse(merged);
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `body.${i.path.join(".") || "(root)"}: ${i.message}`));
  const config = held(cameraId, parsed.data, row.config);
  await checkReferences(db, { schedules: config.schedules, deployed_profile: undefined });
  if (JSON.stringify(config) === JSON.stringify(row.config)) return cameraView(row);
  return inTransaction(db, async (t) => {
    const updated = await updateCameraRow(t, cameraId, { config });
    if (desiredShape(config) !== desiredShape(row.config)) await bumpRevision(t, [cameraId]);
    await recordAudit(t, { actor, action: "camera.update", target: `camera:${cameraId}`, before: auditState(row), after: auditState(updated) }, now);
    return cameraView(updated);
  });
}

/**
 * Retires a camera: it keeps its records, loses its token (its agent gets 401 from
 * the next request) and any unused enrollment code, and gets no plan. Retiring a
 * retired camera is a 409 and changes nothing.
 */
export async function retireCamera(db: HubDb, cameraId: string, now: number, actor: string) {
  const row = await cameraRow(db, cameraId);
  requireActive(row, "it is already retired");
  return inTransaction(db, async (t) => {
    const updated = await updateCameraRow(t, cameraId, { retiredAt: now, tokenHash: null });
    await deleteUnusedCodes(t, cameraId);
    await bumpRevision(t, [cameraId]);
    await recordAudit(t, { actor, action: "camera.retire", target: `camera:${cameraId}`, before: auditState(row), after: auditState(updated) }, now);
    return cameraView(updated);
  });
}

export function newAgentToken(): string {
  return `slk_${randomBytes(32).toString("base64url")}`;
}

/**
 * Gives the camera a new agent token (replacing any previous one, which stops
 * working at once: agents are looked up by the token's hash on every request);
 * the first capture log presented with it is the one it speaks for.
 * Returned once; only the hash is kept. Call it inside a transaction.
 */
export async function setAgentToken(tx: HubDb, row: CameraRow, now: number, actor: string, action: string): Promise<{ camera_id: string; token: string }> {
  const token = newAgentToken();
  const updated = await updateCameraRow(tx, row.id, { tokenHash: hashToken(token) });
  await unbindAgentLogs(tx, row.id);
  await recordAudit(tx, { actor, action, target: `camera:${row.id}`, before: auditState(row), after: auditState(updated) }, now);
  return { camera_id: row.id, token };
}

/** Issues or rotates the camera's token (operator). */
export async function issueToken(db: HubDb, cameraId: string, now: number, actor: string): Promise<{ camera_id: string; token: string }> {
  const row = await cameraRow(db, cameraId);
  requireActive(row, "it gets no token");
  return inTransaction(db, (tx) => setAgentToken(tx, row, now, actor, "camera.token_issue"));
}

/**
 * Revokes the camera's token and any unused enrollment code: its agent's next
 * request is a 401. `revoked` says whether there was a token to revoke.
 * Nothing to revoke changes (and audits) nothing.
 */
export async function revokeToken(db: HubDb, cameraId: string, now: number, actor: string): Promise<{ camera_id: string; revoked: boolean; enrollment_codes_revoked: number }> {
  const row = await cameraRow(db, cameraId);
  return inTransaction(db, async (t) => {
    const codes = await deleteUnusedCodes(t, cameraId);
    if (row.tokenHash === null && !codes) return { camera_id: cameraId, revoked: false, enrollment_codes_revoked: 0 };
    const updated = await updateCameraRow(t, cameraId, { tokenHash: null });
    await recordAudit(
      t,
      {
        actor,
        action: "camera.token_revoke",
        target: `camera:${cameraId}`,
        before: { ...auditState(row), pending_enrollment_codes: codes },
        after: { ...auditState(updated), pending_enrollment_codes: 0 },
      },
      now,
    );
    return { camera_id: cameraId, revoked: row.tokenHash !== null, enrollment_codes_revoked: codes };
  });
}

async function requireCamera(db: HubDb, cameraId: string) {
  if (!(await cameraExists(db, cameraId))) throw notFound(`camera ${cameraId}`);
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
export async function listCaptures(db: HubDb, cameraId: string, q: CaptureQuery) {
  await requireCamera(db, cameraId);
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await capturesPage(db, cameraId, {
    from: q.from ? Date.parse(q.from) : undefined,
    to: q.to ? Date.parse(q.to) : undefined,
    after,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    captures: page.map((r) => ({ ...r.record, log_id: r.logId, received_at: new Date(r.receivedAt).toISOString() })),
    next: rows.length > q.limit && last ? encodeCursor(last.plannedAt, last.id) : null,
  };
}
