import { bigint, pgSchema } from "drizzle-orm/pg-core";
import { sqliteTable } from "drizzle-orm/sqlite-core";
import { bundledMigrations } from "../../shared/sqlite";
import { type HubDb, isPostgres } from "./client";
import { int } from "./columns";

/** drizzle's own record of the migrations it applied: in the database's main schema on SQLite, in a `drizzle` schema on PostgreSQL. */
const appliedSqlite = sqliteTable("__drizzle_migrations", { createdAt: int("created_at") });
const appliedPg = pgSchema("drizzle").table("__drizzle_migrations", { createdAt: bigint("created_at", { mode: "number" }) });

/** When each migration applied to `db` was written (ms): drizzle records a migration by its journal time. */
export async function appliedMigrations(db: HubDb): Promise<number[]> {
  const applied = (isPostgres(db) ? appliedPg : appliedSqlite) as unknown as typeof appliedSqlite;
  const rows = await db.select({ at: applied.createdAt }).from(applied);
  return rows.map((r) => Number(r.at));
}

const bundled = new Map<"hub" | "hub-pg", number[]>();

/** When each migration this build carries for `db`'s backend was written (ms); read once (GET /ready asks at every probe). */
export function bundledMigrationTimes(db: HubDb): number[] {
  const part = isPostgres(db) ? "hub-pg" : "hub";
  let times = bundled.get(part);
  if (!times) bundled.set(part, (times = bundledMigrations(part).map((m) => m.folderMillis)));
  return times;
}
