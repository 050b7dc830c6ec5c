import type { HubDb } from "../db/client";
import { hubVersions } from "../db/schema";

/** Every hub version that ever started on `db`. */
export async function startedVersions(db: HubDb): Promise<string[]> {
  return (await db.select({ version: hubVersions.version }).from(hubVersions)).map((r) => r.version);
}

/** Records that `version` started at `now` (its first start kept). */
export async function recordStart(db: HubDb, version: string, now: number): Promise<void> {
  await db
    .insert(hubVersions)
    .values({ version, firstStartedAt: now, lastStartedAt: now })
    .onConflictDoUpdate({ target: hubVersions.version, set: { lastStartedAt: now } });
}
