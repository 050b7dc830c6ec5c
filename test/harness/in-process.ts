import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, ManualClock } from "../../shared/clock";
import { createHub } from "../../hub/app";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { cameraRevision } from "../../hub/config/revision";
import type { HubContext } from "../../hub/context";
import { type HubDb, openHubDb } from "../../hub/db/client";
import { openPgHubDb } from "../../hub/db/postgres";
import { testHubStorage } from "./hub-storage";
import { freshDatabase, testBackend } from "./postgres";

/**
 * A fresh hub database for a test: SQLite in `dir`, or a new database on the
 * run's PostgreSQL cluster when SKYLAPSE_TEST_BACKEND=postgres+s3 (or postgres).
 */
export async function testHubDb(dir = mkdtempSync(join(tmpdir(), "skylapse-hubtest-"))): Promise<HubDb> {
  let open: () => Promise<HubDb>;
  if (testBackend() === "postgres") {
    const url = await freshDatabase();
    // Few connections, closed when idle: a test run opens hundreds of hubs on one cluster.
    open = async () => (await openPgHubDb(url, { max: 2, idleSeconds: 2 })).db;
  } else open = async () => openHubDb(join(dir, "hub.sqlite")).db;
  const db = await open();
  reopeners.set(db, open);
  return db;
}

const reopeners = new WeakMap<HubDb, () => Promise<HubDb>>();

/** The same database opened again, as a second hub process would. */
export function reopenTestHubDb(db: HubDb): Promise<HubDb> {
  return reopeners.get(db)!();
}

/** A hub in this process on a fresh database with `config` applied, on a manual clock at 2026-11-24 12:00Z. */
export async function inProcessHub(config: unknown, operatorToken: string) {
  const clock = new ManualClock(Date.parse("2026-11-24T12:00:00Z"));
  const dir = mkdtempSync(join(tmpdir(), "skylapse-hubtest-"));
  const db = await testHubDb(dir);
  await applyConfig(db, parseConfig(config), clock.now());
  return { hub: await hubOn(db, clock, operatorToken, dir), clock };
}

/**
 * A hub in this process on `db`, its pictures in a directory of the test's (never the
 * repo's .data/) or, under postgres+s3, a bucket of its own; its renders' work in that
 * directory; sessions not rendered by themselves. `hub.storage` is that store.
 */
export async function hubOn(db: HubDb, clock: Clock, operatorToken: string, dir = mkdtempSync(join(tmpdir(), "skylapse-hubtest-"))) {
  const storage = await testHubStorage(dir);
  const timelapses = { storage, workDir: join(dir, "render"), ffmpeg: Bun.which("ffmpeg") ?? "ffmpeg", concurrency: 1, queueLookMs: 5_000, auto: null };
  const images = { storage, retention: { keepFullDays: null, keepThumbnailsDays: null }, retentionEveryMs: 3_600_000 };
  // The hub and the store its pictures are in (a test puts pictures there as uploads would).
  return Object.assign(await createHub({ db, clock, operatorToken, timelapses, images }), { storage });
}

/**
 * One request to an in-process hub with a bearer token (operator or agent): a body as
 * JSON, a string as it is, bytes as application/octet-stream. The answer's status,
 * headers, and body (JSON when it parses, else its text; null when empty).
 */
export async function callHub(hub: { app: { handle(req: Request): Promise<Response> } }, method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const raw = body instanceof Uint8Array;
  const res = await hub.app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": raw ? "application/octet-stream" : "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : raw ? (body as Uint8Array<ArrayBuffer>) : typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/**
 * What the camera's first poll does to its history, without the poll: its life at
 * the hub starts at `at`, under the plan it is served (tests that upload records directly).
 */
export async function firstContact(ctx: HubContext, cameraId: string, at = ctx.clock.now()): Promise<void> {
  await ctx.planHistory.served(cameraId, await cameraRevision(ctx.db, cameraId), at);
}
