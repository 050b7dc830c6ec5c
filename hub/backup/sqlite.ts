/**
 * The backup's SQL, SQLite-specific by nature: this is the SQLite deployment's
 * backup (PostgreSQL's is pg_dump).
 */
import { Database } from "bun:sqlite";

/** A consistent snapshot of the database at `from` into the new file `to` (VACUUM INTO: one read transaction, writers go on). */
export function snapshotDatabase(from: string, to: string): void {
  const source = new Database(from);
  try {
    source.exec("PRAGMA busy_timeout = 5000");
    source.prepare("VACUUM INTO ?").run(to);
  } finally {
    source.close();
  }
}

/** SQLite's integrity check of a database file: "ok", or what is wrong. */
export function integrityCheck(path: string): string {
  const check = new Database(path);
  try {
    return check.query("PRAGMA integrity_check").values().flat().join("; ");
  } finally {
    check.close();
  }
}
