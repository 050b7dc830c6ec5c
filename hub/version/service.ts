import type { HubDb } from "../db/client";
import { appliedMigrations, bundledMigrationTimes } from "../db/migrations";
import { type CheckResult, migrationsCurrent } from "../readiness/compute";
import { HUB_VERSION } from ".";
import { newestVersion, versionCompatibility } from "./compute";
import { recordStart, startedVersions } from "./data";

/** The newest hub version that started on `db`, or null when none is recorded. */
export async function databaseVersion(db: HubDb): Promise<string | null> {
  return newestVersion(await startedVersions(db));
}

/** Whether a hub of `version` can run on `db` as it stands: every migration of the build applied, and no version ahead beyond the rule. */
export async function schemaSuits(db: HubDb, version = HUB_VERSION): Promise<CheckResult> {
  const migrations = migrationsCurrent(await appliedMigrations(db), bundledMigrationTimes(db));
  if (!migrations.ok) return migrations;
  return versionCompatibility(version, await databaseVersion(db));
}

export class DatabaseVersionError extends Error {}

/**
 * At start, once the migrations ran: refuses a database this build cannot run
 * on (a newer major version, more than one minor version ahead, or missing one of
 * the build's migrations it cannot apply), else records that this version started.
 */
export async function adoptDatabase(db: HubDb, now: number, version = HUB_VERSION): Promise<void> {
  const suits = await schemaSuits(db, version);
  if (!suits.ok) throw new DatabaseVersionError(`hub ${version} cannot start on this database: ${suits.reason}`);
  await recordStart(db, version, now);
}
