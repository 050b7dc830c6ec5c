import { desc } from "drizzle-orm";
import { bigint, pgSchema } from "drizzle-orm/pg-core";
import { sqliteTable } from "drizzle-orm/sqlite-core";
import { bundledMigrations } from "../../shared/sqlite";
import { type HubDb, isPostgres } from "./client";
import { int } from "./columns";

/** drizzle's own record of the migrations it applied: in the database's main schema on SQLite, in a `drizzle` schema on PostgreSQL. */
const appliedSqlite = sqliteTable("__drizzle_migrations", { createdAt: int("created_at") });
const appliedPg = pgSchema("drizzle").table("__drizzle_migrations", { createdAt: bigint("created_at", { mode: "number" }) });

/** When the newest migration applied to `db` was written (ms), or null when none is. */
export async function newestAppliedMigration(db: HubDb): Promise<number | null> {
  const applied = (isPostgres(db) ? appliedPg : appliedSqlite) as unknown as typeof appliedSqlite;
  const [newest] = await db.select({ at: applied.createdAt }).from(applied).orderBy(desc(applied.createdAt)).limit(1);
  return newest?.at ?? null;
}

/** When the newest migration this build carries for `db`'s backend was written (ms), or null when it carries none. */
export function newestBundledMigration(db: HubDb): number | null {
  return Math.max(0, ...bundledMigrations(isPostgres(db) ? "hub-pg" : "hub").map((m) => m.folderMillis)) || null;
}
