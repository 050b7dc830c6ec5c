import { SQL } from "bun";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sql";
import { migrate } from "drizzle-orm/bun-sql/migrator";
import { MIGRATIONS_ROOT } from "../../shared/sqlite";
import type { HubDb } from "./client";

/** The advisory lock key every hub process takes to migrate: concurrent replicas migrate one after another, the later ones find nothing to do. */
const MIGRATION_LOCK = 7_215_734_012;


/**
 * Set on each of the hub's connections. JIT compilation off: the hub's statements are
 * short index walks, but a large table whose statistics lag (after a bulk load, before
 * autovacuum analyses it) makes the planner's estimates cross jit_above_cost, and then
 * each run of a fleet slice's window read compiled for 100–180 ms instead of running
 * in 5 (measured at 12,000 cameras: the database server's CPU 1.1 cores with JIT,
 * 0.6 without, at the same load).
 */
const SESSION_SETTINGS = { jit: "off" };

/** Connections a hub process keeps to PostgreSQL: at most `max`, an idle one closed after `idleSeconds` (0: kept). */
export interface PgPool {
  max?: number;
  idleSeconds?: number;
}

/**
 * The hub's database on PostgreSQL (SKYLAPSE_DATABASE_URL): migrations applied
 * first, once, under an advisory lock held on one reserved connection.
 * Returned with the same type as the SQLite database: the data layer issues the
 * same drizzle calls on both (hub/db/schema-pg.ts says why that holds).
 */
export async function openPgHubDb(url: string, pool: PgPool = {}): Promise<{ db: HubDb; close: () => Promise<void> }> {
  const client = new SQL(url, { max: pool.max ?? 10, idleTimeout: pool.idleSeconds ?? 0, connection: SESSION_SETTINGS });
  const conn = await client.reserve();
  try {
    await conn`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle({ client: conn as unknown as SQL }), { migrationsFolder: join(MIGRATIONS_ROOT, "hub-pg") });
    } finally {
      await conn`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    conn.release();
  }
  const db = drizzle({ client });
  return { db: db as unknown as HubDb, close: () => client.close() };
}
