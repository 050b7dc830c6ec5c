import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CaptureRecord } from "../../shared/contracts/sync";

export interface AgentRow {
  record: CaptureRecord;
  uploaded: boolean;
  purged: boolean;
}

/** The agent's capture log, read straight from its SQLite file (the agent must be stopped). */
export function agentLog(dataDir: string): AgentRow[] {
  const db = new Database(join(dataDir, "agent.sqlite"));
  try {
    return (db.query("SELECT seq, record, uploaded_at, purged_at FROM captures ORDER BY seq").all() as { seq: number; record: string; uploaded_at: number | null; purged_at: number | null }[]).map(
      (r) => ({ record: { ...JSON.parse(r.record), seq: r.seq }, uploaded: r.uploaded_at !== null, purged: r.purged_at !== null }),
    );
  } finally {
    db.close();
  }
}

export const tickKey = (r: { planned_at: string; profile_id: string; test_id?: string | null; test_role?: string | null }) =>
  `${r.planned_at}|${r.profile_id}|${r.test_id ?? ""}|${r.test_role ?? ""}`;

/** Images referenced by captured records exist whole: the bytes hash to what the record says. */
export function brokenImages(dataDir: string, rows: AgentRow[]): string[] {
  const broken: string[] = [];
  for (const { record, purged } of rows) {
    if (record.outcome !== "captured" || !record.image || purged) continue;
    const path = join(dataDir, "images", record.image.file);
    if (!existsSync(path)) broken.push(`${record.image.file}: missing`);
    else if (createHash("sha256").update(readFileSync(path)).digest("hex") !== record.image.sha256) broken.push(`${record.image.file}: torn`);
  }
  return broken;
}

/** Files a crash left half-written (the agent removes them at start). */
export function tempFiles(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.startsWith(".tmp-")) out.push(join(dir, e.name));
    }
  };
  walk(join(dataDir, "images"));
  return out;
}

/** Duplicates in a list of keys (each listed once). */
export function duplicates(keys: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const k of keys) (seen.has(k) ? dup : seen).add(k);
  return [...dup];
}
