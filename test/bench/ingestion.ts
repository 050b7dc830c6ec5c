/**
 * Ingestion in process: `ingestBatch` storing batches of records, beside raw
 * inserts of the same rows into a bare table of the same engine (one transaction
 * per batch) — on SQLite, and on PostgreSQL (a throwaway cluster, test/harness/postgres.ts).
 * The two sides take turns batch by batch, so a load that comes and goes on a
 * shared machine weighs on both alike (run one after the other, the ratio swung
 * from 0.3 to 1.0 between runs at load 10).
 */
import { SQL } from "bun";
import { Database as SqliteDatabase } from "bun:sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../shared/clock";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { ingestBatch } from "../../hub/agents/service";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { type HubDb, openHubDb } from "../../hub/db/client";
import { openPgHubDb } from "../../hub/db/postgres";
import { freshDatabase } from "../harness/postgres";
import { benchConfig, makeRecords } from "./records";

const BATCH = 200;
const rawRow = (r: CaptureRecord) => [r.id, "bench_cam", "bench", r.seq, Date.parse(r.planned_at), r.schedule, r.profile_id, r.outcome, JSON.stringify(r), 0] as const;
const RAW_TABLE =
  "CREATE TABLE captures (id TEXT PRIMARY KEY, camera_id TEXT, log_id TEXT, seq INTEGER, planned_at BIGINT, schedule TEXT, profile_id TEXT, outcome TEXT, record TEXT, received_at BIGINT, UNIQUE(camera_id, log_id, seq))";
const RAW_INDEX = "CREATE INDEX captures_camera_planned ON captures(camera_id, planned_at)";

/** Records per second through ingestBatch and through `raw`, each given the same batches in turn. */
async function inTurns(db: HubDb, records: CaptureRecord[], raw: (batch: CaptureRecord[]) => unknown): Promise<{ ours: number; base: number }> {
  const clock = new ManualClock(Date.parse("2026-06-21T12:00:00Z"));
  await applyConfig(db, parseConfig(benchConfig), clock.now());
  let ours = 0;
  let base = 0;
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    let t = performance.now();
    await ingestBatch(db, "bench_cam", { log_id: "bench", records: batch }, clock.now());
    ours += performance.now() - t;
    t = performance.now();
    await raw(batch);
    base += performance.now() - t;
  }
  return { ours: records.length / (ours / 1000), base: records.length / (base / 1000) };
}

export async function sqliteIngestion(n: number) {
  const records = makeRecords(n);
  const dir = mkdtempSync(join(tmpdir(), "skylapse-bench-"));
  const raw = new SqliteDatabase(join(dir, "raw.sqlite"));
  raw.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  raw.exec(RAW_TABLE);
  raw.exec(RAW_INDEX);
  const insert = raw.prepare("INSERT INTO captures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const insertBatch = raw.transaction((rs: CaptureRecord[]) => {
    for (const r of rs) insert.run(...rawRow(r));
  });
  const { ours, base } = await inTurns(openHubDb(join(dir, "hub.sqlite")).db, records, insertBatch);
  raw.close();
  return { metric: `hub ingestion, records/s (batches of ${BATCH})`, value: ours, baseline: base, unit: "rec/s", baselineName: "raw bun:sqlite inserts, same rows" };
}

/** The same on PostgreSQL; the raw side is one multi-row INSERT per batch in a transaction, through Bun.sql. */
export async function postgresIngestion(n: number) {
  const records = makeRecords(n);
  const hub = await openPgHubDb(await freshDatabase(), { max: 2 });
  const raw = new SQL(await freshDatabase(), { max: 1 });
  try {
    await raw.unsafe(RAW_TABLE);
    await raw.unsafe(RAW_INDEX);
    const columns = ["id", "camera_id", "log_id", "seq", "planned_at", "schedule", "profile_id", "outcome", "record", "received_at"];
    const { ours, base } = await inTurns(hub.db, records, async (batch) => {
      const rows = batch.map((r) => Object.fromEntries(rawRow(r).map((v, k) => [columns[k]!, v])));
      await raw.begin((tx) => tx`INSERT INTO captures ${tx(rows)}`);
    });
    return { metric: `hub ingestion on PostgreSQL, records/s (batches of ${BATCH})`, value: ours, baseline: base, unit: "rec/s", baselineName: "raw PostgreSQL inserts, same rows" };
  } finally {
    await hub.close();
    await raw.close();
  }
}

if (import.meta.main) {
  const n = Number(process.argv[2] ?? 20_000);
  console.log(await sqliteIngestion(n));
  console.log(await postgresIngestion(n));
  process.exit(0);
}
