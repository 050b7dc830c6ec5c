import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { readMigrationFiles, type MigrationMeta } from "drizzle-orm/migrator";
import { join } from "node:path";

export const MIGRATIONS_ROOT = join(import.meta.dir, "..", "migrations");

type Part = "hub" | "edge";
const embedded = new Map<Part, MigrationMeta[]>();

/**
 * A single-file build (bun build --compile) has no migrations folder: its entry
 * registers the migrations' text, read the way drizzle reads the folder.
 */
export function registerEmbeddedMigrations(part: Part, journal: { entries: { tag: string; when: number; breakpoints: boolean }[] }, sql: Record<string, string>): void {
  embedded.set(
    part,
    journal.entries.map((entry) => {
      const query = sql[entry.tag];
      if (query === undefined) throw new Error(`embedded migration ${part}/${entry.tag} is missing`);
      return { sql: query.split("--> statement-breakpoint"), bps: entry.breakpoints, folderMillis: entry.when, hash: createHash("sha256").update(query).digest("hex") };
    }),
  );
}

/**
 * Opens a SQLite file in WAL mode with synchronous=FULL (committed transactions
 * survive power loss when the storage honours fsync) and applies the migrations.
 */
export function openDatabase<S extends Record<string, unknown>>(path: string, part: Part, schema: S) {
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = FULL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  const db = drizzle(sqlite, { schema });
  const migrations = embedded.get(part) ?? readMigrationFiles({ migrationsFolder: join(MIGRATIONS_ROOT, part) });
  (db as unknown as { dialect: { migrate: (m: MigrationMeta[], s: unknown, c: object) => void }; session: unknown }).dialect.migrate(migrations, (db as unknown as { session: unknown }).session, {});
  return { db, sqlite };
}
