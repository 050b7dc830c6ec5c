import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { join } from "node:path";

export const MIGRATIONS_ROOT = join(import.meta.dir, "..", "migrations");

/**
 * Opens a SQLite file in WAL mode with synchronous=FULL (committed transactions
 * survive power loss when the storage honours fsync) and applies the migrations.
 */
export function openDatabase<S extends Record<string, unknown>>(path: string, part: "hub" | "edge", schema: S) {
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = FULL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: join(MIGRATIONS_ROOT, part) });
  return { db, sqlite };
}
