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

/**
 * Opens the agent's database; a file SQLite cannot read (truncated, garbage,
 * failing its integrity check) is moved aside with its WAL, and a fresh one is
 * started in its place, so a corrupted card never becomes a crash loop.
 */
export function openEdgeDbOrReplace(path: string, now: number): ReturnType<typeof openEdgeDb> & { replaced: { movedTo: string; error: string } | null } {
  try {
    return { ...openEdgeDb(path), replaced: null };
  } catch (e) {
    const movedTo = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, "")}`;
    for (const suffix of ["", "-wal", "-shm"]) if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
    return { ...openEdgeDb(path), replaced: { movedTo, error: (e as Error).message } };
  }
}
