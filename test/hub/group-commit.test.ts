import { describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import { ManualClock } from "../../shared/clock";
import { ingestBatch } from "../../hub/agents/service";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { captures, settings } from "../../hub/db/schema";
import { inGroupCommit } from "../../hub/db/group-commit";
import { testHubDb } from "../harness/in-process";
import { testBackend } from "../harness/postgres";
import { benchConfig, makeRecords } from "../bench/records";

describe("inGroupCommit", () => {
  test("concurrent writes commit together; one that throws rolls back alone, the others are kept", async () => {
    const db = await testHubDb();
    const write = (key: string, fail: boolean) =>
      inGroupCommit(db, async (tx) => {
        await tx.insert(settings).values({ key, value: key });
        if (fail) throw new Error(`refused ${key}`);
        return key;
      });
    const outcomes = await Promise.allSettled(["a", "b", "c", "d", "e"].map((k) => write(k, k === "c")));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const keys = (await db.select({ key: settings.key }).from(settings)).map((r) => r.key).filter((k) => k.length === 1);
    expect(keys.sort()).toEqual(["a", "b", "d", "e"]);
  });

  test("uploads of several cameras at once: each answered as alone, a refused batch changes nothing", async () => {
    const db = await testHubDb();
    const clock = new ManualClock(Date.parse("2026-06-21T12:00:00Z"));
    const ids = ["c1", "c2", "c3"];
    await applyConfig(db, parseConfig({ ...benchConfig, cameras: Object.fromEntries(ids.map((id) => [id, { deployed_profile: "p", schedules: ["bench"] }])) }), clock.now());
    await ingestBatch(db, "c2", { log_id: "l2", records: makeRecords(2, "c2") }, clock.now());
    // c2's second batch reuses seq 1 for another record: a conflict, refused whole (its seq 3 is not stored either).
    const clash = makeRecords(3, "c2-other").map((r, i) => ({ ...r, seq: i === 0 ? 1 : r.seq + 10 }));
    const [one, two, three] = await Promise.allSettled([
      ingestBatch(db, "c1", { log_id: "l1", records: makeRecords(5, "c1") }, clock.now()),
      ingestBatch(db, "c2", { log_id: "l2", records: clash }, clock.now()),
      ingestBatch(db, "c3", { log_id: "l3", records: makeRecords(4, "c3") }, clock.now()),
    ]);
    expect(one).toMatchObject({ status: "fulfilled", value: { accepted: 5, contiguous_through: 5 } });
    expect(two.status).toBe("rejected");
    expect(three).toMatchObject({ status: "fulfilled", value: { accepted: 4, contiguous_through: 4 } });
    const count = async (id: string) => (await db.select({ id: captures.id }).from(captures).where(eq(captures.cameraId, id))).length;
    expect([await count("c1"), await count("c2"), await count("c3")]).toEqual([5, 2, 4]);
  });

  test.skipIf(testBackend() !== "postgres")("on PostgreSQL the writes of a turn share one transaction, those asked for during its commit the next", async () => {
    const db = await testHubDb();
    const txid = () =>
      inGroupCommit(db, async (tx) => {
        const rows = await (tx as unknown as PgDatabase<never>).execute(sql`SELECT txid_current() AS id`);
        return String((rows as unknown as { id: unknown }[])[0]!.id);
      });
    const first = await Promise.all([txid(), txid(), txid()]);
    expect(new Set(first).size).toBe(1);
    // Asked for while the first group commits: one later group, not one transaction each.
    const during: Promise<string>[] = [];
    const started = txid();
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 4; i++) during.push(txid());
    const later = await Promise.all(during);
    expect(new Set(later).size).toBe(1);
    expect(later[0]).not.toBe(await started);
  });
});
