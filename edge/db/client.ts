import { existsSync, renameSync } from "node:fs";
import { openDatabase } from "../../shared/sqlite";
import * as schema from "./schema";

export function openEdgeDb(path: string) {
  const opened = openDatabase(path, "edge", schema);
  const check = opened.sqlite.query("PRAGMA quick_check").get() as { quick_check: string } | null;
  if (check?.quick_check !== "ok") {
    opened.sqlite.close();
    throw new Error(`integrity check failed: ${check?.quick_check ?? "no answer"}`);
  }
  return opened;
}

export type EdgeDb = ReturnType<typeof openEdgeDb>["db"];

/** SQLite's words for a file that is not a readable database (SQLITE_NOTADB, SQLITE_CORRUPT, a failed check). */
export function isCorruption(error: unknown): boolean {
  const text = `${(error as { code?: string }).code ?? ""} ${(error as Error).message ?? ""}`;
  return /NOTADB|CORRUPT|not a database|malformed|integrity check failed/i.test(text);
}

/**
 * Opens the agent's database; a file SQLite cannot read (truncated, garbage,
 * failing its integrity check) is moved aside with its WAL, and a fresh one is
 * started in its place, so a corrupted card never becomes a crash loop. Any
 * other failure (a migration, permissions) is not corruption: it stops the
 * agent with its reason and the file is left as it is.
 */
export function openEdgeDbOrReplace(path: string, now: number): ReturnType<typeof openEdgeDb> & { replaced: { movedTo: string; error: string } | null } {
  try {
    return { ...openEdgeDb(path), replaced: null };
  } catch (e) {
    if (!isCorruption(e)) throw e;
    const movedTo = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, "")}`;
    for (const suffix of ["", "-wal", "-shm"]) if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
    return { ...openEdgeDb(path), replaced: { movedTo, error: (e as Error).message } };
  }
}
