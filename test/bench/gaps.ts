/**
 * Upload cost with a permanent seq gap: two logs of the same records uploaded in
 * alternation, one of them missing its seq 1 for good. The cost per batch over the
 * second half of the upload (when the gap is old) is compared with the log without
 * a gap, measured in the same run.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../shared/clock";
import { ingestBatch } from "../../hub/agents/service";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { openHubDb } from "../../hub/db/client";
import { benchConfig, makeRecords } from "./records";

export async function gapCost(records: number, batch = 200) {
  const clock = new ManualClock(Date.parse("2026-06-21T12:00:00Z"));
  const log = async (firstSeq: number) => {
    const { db } = openHubDb(join(mkdtempSync(join(tmpdir(), "skylapse-bench-gap-")), "hub.sqlite"));
    await applyConfig(db, parseConfig(benchConfig), clock.now());
    return { db, records: makeRecords(records, "gap", firstSeq), ms: 0, batches: 0 };
  };
  const plain = await log(1);
  const gapped = await log(2);
  for (let i = 0; i < records; i += batch) {
    for (const l of i % (2 * batch) ? [plain, gapped] : [gapped, plain]) {
      const t = performance.now();
      await ingestBatch(l.db, "bench_cam", { log_id: "bench", records: l.records.slice(i, i + batch) }, clock.now());
      if (i >= records / 2) {
        l.ms += performance.now() - t;
        l.batches++;
      }
    }
  }
  return {
    metric: `hub upload of a ${batch}-record batch with a permanent seq gap (${records} records), ms`,
    value: gapped.ms / gapped.batches,
    baseline: plain.ms / plain.batches,
    unit: "ms",
    baselineName: "the same batches without a gap",
  };
}

if (import.meta.main) console.log(await gapCost(Number(process.argv[2] ?? 20_000)));
