/**
 * A permanent seq gap costs later uploads nothing: the rows the hub reads to
 * answer a batch are the same with and without an old gap below it (counted at
 * the SQLite statement, not timed; the timing is in `bun run bench`).
 */
import { describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fillGaps } from "../../hub/agents/log-gaps";
import { ingestBatch } from "../../hub/agents/service";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { openHubDb } from "../../hub/db/client";
import { benchConfig, makeRecords } from "../bench/records";
import { testHubDb } from "../harness/in-process";

const NOW = Date.parse("2026-06-21T12:00:00Z");

/** Counts the rows every statement of `sqlite` hands back from now on. */
function countRows(sqlite: Database) {
  const counter = { rows: 0 };
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((...args: Parameters<typeof prepare>) => {
    const stmt = prepare(...args) as any;
    for (const method of ["all", "values"]) {
      const original = stmt[method].bind(stmt);
      stmt[method] = (...a: unknown[]) => {
        const rows = original(...a);
        counter.rows += rows.length;
        return rows;
      };
    }
    const get = stmt.get.bind(stmt);
    stmt.get = (...a: unknown[]) => {
      const row = get(...a);
      if (row) counter.rows++;
      return row;
    };
    return stmt;
  }) as typeof sqlite.prepare;
  return counter;
}

/** Uploads `batches` batches of 100, seqs from `firstSeq`; the rows read for the last one. */
async function rowsReadByLastBatch(firstSeq: number, batches: number) {
  const { db, sqlite } = openHubDb(join(mkdtempSync(join(tmpdir(), "skylapse-gaps-")), "hub.sqlite"));
  await applyConfig(db, parseConfig(benchConfig), NOW);
  const records = makeRecords(batches * 100, "gap", firstSeq);
  const counter = countRows(sqlite);
  let answer;
  for (let i = 0; i < records.length; i += 100) {
    counter.rows = 0;
    answer = await ingestBatch(db, "bench_cam", { log_id: "log", records: records.slice(i, i + 100) }, NOW);
  }
  sqlite.close();
  return { rows: counter.rows, answer: answer! };
}

describe("upload cost and seq gaps", () => {
  test("a batch above an old permanent gap reads no more rows than one without a gap", async () => {
    const plain = await rowsReadByLastBatch(1, 30);
    const gapped = await rowsReadByLastBatch(2, 30);
    expect(plain.answer).toEqual({ accepted: 100, duplicates: 0, contiguous_through: 3000, gaps: [] });
    expect(gapped.answer).toEqual({ accepted: 100, duplicates: 0, contiguous_through: 0, gaps: [[1, 1]] });
    // Today's gap tracking re-read every seq above the gap (3,000 here, growing with each batch).
    expect(gapped.rows).toBeLessThanOrEqual(plain.rows + 5);
  });

  test("more gaps than an answer lists: a batch filling one above the lowest hundred closes it, and the answer lists the lowest", async () => {
    const db = await testHubDb();
    await applyConfig(db, parseConfig(benchConfig), NOW);
    const records = makeRecords(400, "many");
    const upload = (seqs: number[]) => ingestBatch(db, "bench_cam", { log_id: "log", records: seqs.map((s) => records[s - 1]!) }, NOW);
    // Even seqs 2..300: 150 gaps of one seq each (1, 3, …, 299).
    const evens = Array.from({ length: 150 }, (_, i) => 2 * (i + 1));
    const first = await upload(evens);
    expect(first.gaps).toHaveLength(100);
    expect(first.gaps[99]).toEqual([199, 199]);
    // 251 lies past the listed hundred; 301 opens nothing (the next seq above 300).
    await upload([251, 301]);
    const again = await upload([1]);
    expect(again.contiguous_through).toBe(2);
    expect(again.gaps[0]).toEqual([3, 3]);
    expect(again.gaps).toHaveLength(100);
    const rest = await upload(Array.from({ length: 149 }, (_, i) => 2 * i + 3).filter((s) => s !== 251));
    expect(rest).toEqual({ accepted: 148, duplicates: 0, contiguous_through: 301, gaps: [] });
  });

  test("fillGaps splits the gaps the seqs fall in and opens the ones they skip above the highest", async () => {
    expect(fillGaps([], 0, [1, 2, 3])).toEqual({ removed: [], added: [], maxSeq: 3 });
    expect(fillGaps([], 2, [5, 9, 7])).toEqual({ removed: [], added: [[3, 4], [6, 6], [8, 8]], maxSeq: 9 });
    expect(fillGaps([[3, 8]], 9, [4, 6, 8])).toEqual({ removed: [[3, 8]], added: [[3, 3], [5, 5], [7, 7]], maxSeq: 9 });
    expect(fillGaps([[3, 3], [5, 5]], 9, [3, 5, 12])).toEqual({ removed: [[3, 3], [5, 5]], added: [[10, 11]], maxSeq: 12 });
    expect(fillGaps([[10, 20]], 30, [1, 2])).toEqual({ removed: [], added: [], maxSeq: 30 });
  });
});
