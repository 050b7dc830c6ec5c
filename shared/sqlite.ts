import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { MigrationMeta } from "drizzle-orm/migrator";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const MIGRATIONS_ROOT = join(import.meta.dir, "..", "migrations");

type Part = "hub" | "hub-pg" | "edge";
const embedded = new Map<Part, MigrationMeta[]>();

type Journal = { entries: { tag: string; when: number; breakpoints: boolean }[] };

/**
 * The migrations as drizzle's readMigrationFiles makes them (same split and hash), without
 * its module: that one loads node:crypto, megabytes an agent would carry for nothing.
 */
function migrationsOf(part: Part, journal: Journal, sqlOf: (tag: string) => string | undefined): MigrationMeta[] {
  return journal.entries.map((entry) => {
    const query = sqlOf(entry.tag);
    if (query === undefined) throw new Error(`migration ${part}/${entry.tag} is missing`);
    return { sql: query.split("--> statement-breakpoint"), bps: entry.breakpoints, folderMillis: entry.when, hash: new Bun.CryptoHasher("sha256").update(query).digest("hex") };
  });
}

/**
 * A single-file build (bun build --compile) has no migrations folder: its entry
 * registers the migrations' text.
 */
export function registerEmbeddedMigrations(part: Part, journal: Journal, sql: Record<string, string>): void {
  embedded.set(part, migrationsOf(part, journal, (tag) => sql[tag]));
}

/** The migrations this build carries (embedded in a single-file build, else the folder's). */
export function bundledMigrations(part: Part): MigrationMeta[] {
  const cached = embedded.get(part);
  if (cached) return cached;
  const folder = join(MIGRATIONS_ROOT, part);
  const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as Journal;
  return migrationsOf(part, journal, (tag) => readFileSync(join(folder, `${tag}.sql`), "utf8"));
}

/** How long a statement waits for another process's lock before SQLITE_BUSY, unless the caller asks otherwise. */
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens a SQLite file in WAL mode with synchronous=FULL (committed transactions
 * survive power loss when the storage honours fsync) and applies the migrations.
 * Statements then wait at most `busyTimeoutMs` for another process's lock (the
 * migrations wait the default): the wait blocks the calling thread.
 */
export function openDatabase<S extends Record<string, unknown>>(path: string, part: Part, schema: S, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS) {
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.exec(`PRAGMA busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = FULL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  const db = drizzle(sqlite, { schema });
  const migrations = bundledMigrations(part);
  (db as unknown as { dialect: { migrate: (m: MigrationMeta[], s: unknown, c: object) => void }; session: unknown }).dialect.migrate(migrations, (db as unknown as { session: unknown }).session, {});
  sqlite.exec(`PRAGMA busy_timeout = ${Math.round(busyTimeoutMs)}`);
  return { db, sqlite };
}

/** Whether an error (drizzle wraps SQLite's in `cause`) is SQLite refusing because another connection holds a lock. */
export function isBusy(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))) return true;
  }
  return false;
}

/**
 * Takes an exclusive lock on the SQLite file at `path` and keeps it while the
 * returned handle stays open: the kernel drops it when the process ends, kill -9
 * included. Null when another process holds it.
 */
export function holdExclusiveLock(path: string): Database | null {
  const lock = new Database(path, { create: true });
  try {
    lock.exec("PRAGMA busy_timeout = 0");
    lock.exec("BEGIN EXCLUSIVE");
    return lock;
  } catch (e) {
    lock.close();
    if (isBusy(e)) return null;
    throw e;
  }
}
