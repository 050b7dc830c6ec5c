/**
 * The hub's own log for a live camera (hub/live/records.ts): a late frame replaces
 * the camera error stored for its tick, whichever reaches the hub first — the
 * frame's answer or the agent's own upload of it — and the tick keeps one record.
 */
import { describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { emptyCaptureRecord } from "../../shared/contracts/sync";
import { ingestBatch } from "../../hub/agents/service";
import { captureAliases, captures } from "../../hub/db/schema";
import { replaceWithLateFrame, storeLiveRecord } from "../../hub/live/records";
import { captureRecord, sunriseGridConfig } from "../harness/fixtures";
import { inProcessHub } from "../harness/in-process";

const NOW = Date.parse("2026-11-24T14:00:00Z");

async function setup() {
  const { hub } = await inProcessHub(sunriseGridConfig({ ridge: { mode: "live", host: "10.0.0.5" } }), "operator-token-live-records");
  const db = hub.ctx.db;
  const agentsRecord = captureRecord(1, { id: "agent-capture-1" }, 3);
  const failure = (await storeLiveRecord(
    db,
    "ridge",
    { ...emptyCaptureRecord({ id: "live-failure", planned_at: agentsRecord.planned_at, schedule: "sunrise", profile_id: "f", boot_id: "hub" }), outcome: "failed", reason_code: "camera_error", reason: "live: timed out" },
    NOW,
  ))!;
  const held = () => db.select().from(captures).where(eq(captures.cameraId, "ridge"));
  const { seq: _, ...frame } = agentsRecord;
  return { db, agentsRecord, failure, frame, held };
}

describe("a late frame in the hub's live log", () => {
  test("replaces the camera error; the agent's upload of it afterwards is a duplicate of the same record", async () => {
    const { db, agentsRecord, failure, frame, held } = await setup();
    expect(failure).toMatchObject({ seq: 1, outcome: "failed" });
    expect(await replaceWithLateFrame(db, "ridge", failure, frame)).toBe(true);
    expect((await held()).map((r) => [r.id, r.outcome, r.logId, r.seq])).toEqual([["agent-capture-1", "captured", "live-ridge", 1]]);
    expect(await ingestBatch(db, "ridge", { log_id: "agent-log", records: [agentsRecord] }, NOW)).toMatchObject({ accepted: 0, duplicates: 1, contiguous_through: 1 });
    expect(await held()).toHaveLength(1);
    // Only once: the failure is gone.
    expect(await replaceWithLateFrame(db, "ridge", failure, frame)).toBe(false);
  });

  test("after the agent's upload was taken as a duplicate of the error, the frame replaces it and the upload points at the frame", async () => {
    const { db, agentsRecord, failure, frame, held } = await setup();
    expect(await ingestBatch(db, "ridge", { log_id: "agent-log", records: [agentsRecord] }, NOW)).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await replaceWithLateFrame(db, "ridge", failure, frame)).toBe(true);
    expect((await held()).map((r) => [r.id, r.outcome])).toEqual([["agent-capture-1", "captured"]]);
    const [alias] = await db.select().from(captureAliases).where(and(eq(captureAliases.cameraId, "ridge"), eq(captureAliases.logId, "agent-log")));
    expect(alias).toMatchObject({ recordId: "agent-capture-1", captureId: "agent-capture-1" });
    // A replay of the upload stays a duplicate.
    expect(await ingestBatch(db, "ridge", { log_id: "agent-log", records: [agentsRecord] }, NOW)).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  test("when the agent's record reached the hub first, the hub's own record of the tick is not stored (its record stands)", async () => {
    const { hub } = await inProcessHub(sunriseGridConfig({ ridge: { mode: "live", host: "10.0.0.5" } }), "operator-token-live-records");
    const agentsRecord = captureRecord(1, { id: "agent-capture-1" }, 3);
    await ingestBatch(hub.ctx.db, "ridge", { log_id: "agent-log", records: [agentsRecord] }, NOW);
    const hubs = { ...emptyCaptureRecord({ id: "live-failure", planned_at: agentsRecord.planned_at, schedule: "sunrise", profile_id: "f", boot_id: "hub" }), outcome: "failed" as const };
    expect(await storeLiveRecord(hub.ctx.db, "ridge", hubs, NOW)).toBeNull();
    expect(await hub.ctx.db.select({ id: captures.id }).from(captures)).toEqual([{ id: "agent-capture-1" }]);
  });
});
