import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import type { HubDb } from "../../hub/db/client";
import { timelapses } from "../../hub/db/schema";
import { claimJob, renewLease } from "../../hub/timelapses/queue";
import { reopenTestHubDb, testHubDb } from "../harness/in-process";

const NOW = Date.parse("2026-11-24T14:00:00Z");

async function queue(db: HubDb, n: number) {
  for (let i = 0; i < n; i++)
    await db.insert(timelapses).values({
      id: `tl_${i}`,
      specKey: `spec-${i}`,
      origin: "request",
      cameraIds: ["ridge"],
      fromAt: NOW - 3_600_000,
      toAt: NOW,
      fps: 24,
      crf: 20,
      deflicker: "none",
      source: "full",
      status: "queued",
      createdAt: NOW + i,
    });
}

describe("the render queue in the database", () => {
  test("workers of two hub processes claiming at once take each job once, oldest first", async () => {
    const db = await testHubDb();
    const other = await reopenTestHubDb(db);
    await queue(db, 6);
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => claimJob(i % 2 ? other : db, NOW, NOW + 60_000, [])));
    const ids = claims.filter((c) => c !== null).map((c) => c!.id);
    expect(ids.sort()).toEqual(["tl_0", "tl_1", "tl_2", "tl_3", "tl_4", "tl_5"]);
    expect(claims.filter((c) => c === null)).toHaveLength(4);
    expect(claims.every((c) => c === null || (c.status === "running" && c.attempt === 1 && c.leaseUntil === NOW + 60_000))).toBe(true);
  });

  test("a job whose lease ran out (its worker died) is taken over as a new attempt; the old attempt can no longer renew it", async () => {
    const db = await testHubDb();
    await queue(db, 1);
    const first = (await claimJob(db, NOW, NOW + 60_000, []))!;
    expect(await claimJob(db, NOW + 30_000, NOW + 90_000, [])).toBeNull();
    expect(await renewLease(db, first, NOW + 120_000)).toBe(true);
    expect(await claimJob(db, NOW + 100_000, NOW + 160_000, [])).toBeNull();
    const second = (await claimJob(db, NOW + 121_000, NOW + 181_000, []))!;
    expect(second).toMatchObject({ id: "tl_0", attempt: 2 });
    expect(await renewLease(db, first, NOW + 200_000)).toBe(false);
    expect(await renewLease(db, second, NOW + 200_000)).toBe(true);
  });

  test("a cancelled job is neither claimed nor renewed; a worker skips the jobs it runs", async () => {
    const db = await testHubDb();
    await queue(db, 2);
    const job = (await claimJob(db, NOW, NOW + 60_000, []))!;
    await db.update(timelapses).set({ status: "cancelled" }).where(eq(timelapses.id, job.id));
    expect(await renewLease(db, job, NOW + 60_000)).toBe(false);
    expect(await claimJob(db, NOW, NOW + 60_000, ["tl_1"])).toBeNull();
    expect((await claimJob(db, NOW, NOW + 60_000, []))?.id).toBe("tl_1");
  });
});
