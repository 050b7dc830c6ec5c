/**
 * The rolling-upgrade rule on a shared database (both backends): a hub starts,
 * is ready and serves on a database a hub one minor version newer migrated
 * (expand-only: a table and columns this build does not know); it refuses to
 * start, with the reason, on one a newer major version or two minor versions
 * ahead migrated, and on one lacking a migration of its own it can no longer
 * apply; a running hub turns not ready when that happens under it.
 */
import { describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { ManualClock } from "../../shared/clock";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { type HubDb, isPostgres, sqliteHandle } from "../../hub/db/client";
import { appliedMigrations, bundledMigrationTimes } from "../../hub/db/migrations";
import { HUB_VERSION, VERSION_HEADER } from "../../hub/version";
import { parseVersion } from "../../hub/version/compute";
import { adoptDatabase, DatabaseVersionError } from "../../hub/version/service";
import { captureRecord, observedState, sunriseGridConfig } from "../harness/fixtures";
import { callHub, hubOn, reopenTestHubDb, testHubDb } from "../harness/in-process";

const OPERATOR = "operator-token-for-schema-version-01";
const ours = parseVersion(HUB_VERSION)!;
const version = (major: number, minor: number) => `${major}.${minor}.0`;

/** SQL run from outside the hub, as another hub version's migrations would. */
async function outside(db: HubDb, statements: string[]): Promise<void> {
  for (const statement of statements) {
    if (isPostgres(db)) await (db as unknown as { execute(q: unknown): Promise<unknown> }).execute(sql.raw(statement));
    else sqliteHandle(db)!.sqlite.exec(statement);
  }
}
const migrationsTable = (db: HubDb) => (isPostgres(db) ? "drizzle.__drizzle_migrations" : "__drizzle_migrations");

/** A database this build migrated and started on once, with a camera configured. */
async function startedDatabase(clock: ManualClock): Promise<HubDb> {
  const db = await testHubDb();
  await adoptDatabase(db, clock.now());
  await applyConfig(db, parseConfig(sunriseGridConfig()), clock.now());
  return db;
}

/** A newer hub's start on `db`: an expand-only migration this build does not carry, and its version recorded. */
async function migratedBy(db: HubDb, newer: string): Promise<void> {
  const at = Math.max(...bundledMigrationTimes(db)) + 86_400_000;
  await outside(db, [
    "CREATE TABLE future_things (id text PRIMARY KEY, note text)",
    "ALTER TABLE captures ADD COLUMN future_note text",
    "ALTER TABLE cameras ADD COLUMN future_flag integer DEFAULT 0 NOT NULL",
    `INSERT INTO ${migrationsTable(db)} (hash, created_at) VALUES ('a-newer-hub', ${at})`,
    `INSERT INTO hub_versions (version, first_started_at, last_started_at) VALUES ('${newer}', 0, 0)`,
  ]);
}

describe("a hub on a database another hub version migrated", () => {
  test("one minor version newer: this build starts again on it, is ready and serves agents and operators", async () => {
    const clock = new ManualClock(Date.parse("2026-11-24T12:00:00Z"));
    const db = await startedDatabase(clock);
    const running = await hubOn(db, clock, OPERATOR);
    await migratedBy(db, version(ours.major, ours.minor + 1));
    // The replica that was running stays ready while the newer one's schema is in place...
    const stillReady = await callHub(running, "GET", "/ready", null);
    expect(stillReady.status).toBe(200);
    // ...and one of this build starting now (a restart, a rollback) starts on it.
    const again = await reopenTestHubDb(db);
    await adoptDatabase(again, clock.now());
    const hub = await hubOn(again, clock, OPERATOR);
    const ready = await callHub(hub, "GET", "/ready", null);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", version: HUB_VERSION });
    expect(ready.headers.get(VERSION_HEADER)).toBe(HUB_VERSION);
    const token = (await callHub(hub, "POST", "/api/cameras/ridge/token", OPERATOR)).body.token;
    expect((await callHub(hub, "POST", "/agent/v1/state", token, observedState({}, { offsetMs: null }))).status).toBe(200);
    const records = [captureRecord(1), captureRecord(2)];
    expect((await callHub(hub, "POST", "/agent/v1/captures", token, { log_id: "log-1", records })).body).toMatchObject({ accepted: 2, contiguous_through: 2 });
    expect((await callHub(hub, "GET", "/api/cameras/ridge/captures", OPERATOR)).body.captures.map((c: { seq: number }) => c.seq)).toEqual([1, 2]);
    expect((await callHub(hub, "GET", "/version", null)).body).toEqual({ version: HUB_VERSION });
  });

  for (const [what, newer] of [
    ["a newer major version", version(ours.major + 1, 0)],
    ["two minor versions newer", version(ours.major, ours.minor + 2)],
  ] as const)
    test(`${what}: this build refuses to start, saying why; a running one turns not ready`, async () => {
      const clock = new ManualClock(Date.parse("2026-11-24T12:00:00Z"));
      const db = await startedDatabase(clock);
      const running = await hubOn(db, clock, OPERATOR);
      await migratedBy(db, newer);
      const refused = await adoptDatabase(await reopenTestHubDb(db), clock.now()).catch((e) => e);
      expect(refused).toBeInstanceOf(DatabaseVersionError);
      expect(refused.message).toContain(`hub ${HUB_VERSION} cannot start on this database: the database was migrated by hub ${newer}`);
      const ready = await callHub(running, "GET", "/ready", null);
      expect(ready.status).toBe(503);
      expect(ready.body.reasons).toEqual([expect.stringContaining(`migrations: the database was migrated by hub ${newer}`)]);
    });

  test("lacking one of this build's migrations while holding newer ones (another line's database): refused, not silently skipped", async () => {
    const clock = new ManualClock(Date.parse("2026-11-24T12:00:00Z"));
    const db = await startedDatabase(clock);
    await migratedBy(db, `${ours.major}.${ours.minor}.${ours.patch + 1}`);
    const applied = (await appliedMigrations(db)).sort((a, b) => a - b);
    const middle = applied[Math.floor(applied.length / 2)]!;
    await outside(db, [`DELETE FROM ${migrationsTable(db)} WHERE created_at = ${middle}`]);
    // drizzle applies only what is newer than the newest applied: a start would not bring it back.
    const reopened = await reopenTestHubDb(db);
    expect(await appliedMigrations(reopened)).not.toContain(middle);
    const refused = await adoptDatabase(reopened, clock.now()).catch((e) => e);
    expect(refused).toBeInstanceOf(DatabaseVersionError);
    expect(refused.message).toContain("lacks 1 of this build's migrations");
    expect(refused.message).toContain(new Date(middle).toISOString());
  });
});
