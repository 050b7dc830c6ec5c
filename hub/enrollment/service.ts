import { randomBytes } from "node:crypto";
import { sha256 } from "../../shared/canonical";
import { HttpError } from "../../shared/http";
import { recordAudit } from "../audit/service";
import { requireActive, setAgentToken } from "../cameras/service";
import type { HubDb } from "../db/client";
import { cameraRow } from "../cameras/data";
import { codeWithHash, deleteUnusedCodes, insertCode, markCodeUsed } from "./data";
import { inTransaction } from "../db/transaction";
import type { EnrollmentExchange } from "./model";

/** How long an enrollment code can be exchanged. */
export const ENROLLMENT_TTL_MS = 24 * 3_600_000;

// Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper survives.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** 100 random bits as five groups of four: `7K2M-QX9D-…`. */
export function newEnrollmentCode(): string {
  const bytes = randomBytes(20);
  let out = "";
  for (let i = 0; i < 20; i++) {
    if (i && i % 4 === 0) out += "-";
    out += ALPHABET[bytes[i]! & 31];
  }
  return out;
}

/** The form a code is hashed in: case, spaces and dashes do not matter; O, I and L read as 0, 1, 1. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
}

export const hashCode = (code: string) => sha256(`enroll:${normalizeCode(code)}`);

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A one-time code a new agent exchanges for its own token, valid for 24 h. Only
 * its hash is stored; issuing one invalidates the camera's older unused codes.
 */
export async function issueEnrollmentCode(db: HubDb, cameraId: string, now: number, actor: string) {
  const row = await cameraRow(db, cameraId);
  if (!row) throw new HttpError(404, "not_found", `camera ${cameraId} not found`);
  requireActive(row, "it cannot be enrolled");
  const code = newEnrollmentCode();
  const expiresAt = now + ENROLLMENT_TTL_MS;
  await inTransaction(db, async (t) => {
    const replaced = await deleteUnusedCodes(t, cameraId);
    await insertCode(t, { codeHash: hashCode(code), cameraId, createdAt: now, expiresAt });
    await recordAudit(
      t,
      {
        actor,
        action: "camera.enrollment_code",
        target: `camera:${cameraId}`,
        before: { pending_enrollment_codes: replaced },
        after: { pending_enrollment_codes: 1, expires_at: iso(expiresAt) },
      },
      now,
    );
  });
  return { camera_id: cameraId, code, expires_at: iso(expiresAt) };
}

const refused = (status: 401 | 403, message: string) => new HttpError(status, status === 401 ? "unauthorized" : "forbidden", message);

/**
 * Exchanges a one-time code for the camera's token. A wrong, replaced, used or
 * expired code is a 401; another camera's code or a retired camera a 403. A
 * refusal changes nothing; a success marks the code used and sets the token in
 * one transaction.
 */
export function exchangeEnrollmentCode(db: HubDb, body: EnrollmentExchange, now: number): Promise<{ camera_id: string; token: string }> {
  const hash = hashCode(body.code);
  return inTransaction(db, async (t) => {
    const code = await codeWithHash(t, hash);
    if (!code) throw refused(401, "enrollment code not valid: wrong, or replaced by a newer one (ask the operator for a new code)");
    if (code.cameraId !== body.camera_id) throw refused(403, `this enrollment code is for another camera, not ${body.camera_id} (check SKYLAPSE_CAMERA_ID)`);
    if (code.usedAt !== null) throw refused(401, `enrollment code already used at ${iso(code.usedAt)}; ask the operator for a new one`);
    if (now >= code.expiresAt) throw refused(401, `enrollment code expired at ${iso(code.expiresAt)}; ask the operator for a new one`);
    const row = await cameraRow(t, body.camera_id);
    if (!row) throw refused(403, `camera ${body.camera_id} is no longer registered at the hub`);
    if (row.retiredAt !== null) throw refused(403, `camera ${body.camera_id} was retired at ${iso(row.retiredAt)}`);
    await markCodeUsed(t, hash, now);
    return setAgentToken(t, row, now, `agent:${row.id}`, "camera.enroll");
  });
}
