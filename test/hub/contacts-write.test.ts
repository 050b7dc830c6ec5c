/**
 * A contact flush (hub/agents/data.ts writeContacts): each camera gets its own last
 * contact and observed state, never one older than what the database holds (another
 * replica may have written a later one); the contact history is stored with it. On
 * PostgreSQL the last contacts are one statement for the whole flush.
 */
import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { writeContacts } from "../../hub/agents/data";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { cameras, clockSamples } from "../../hub/db/schema";
import { observedState, sunriseGridConfig } from "../harness/fixtures";
import { testHubDb } from "../harness/in-process";

const T = Date.parse("2026-11-24T14:30:00Z");

test("a flush writes each camera's own contact, never back in time, and its history", async () => {
  const db = await testHubDb();
  await applyConfig(db, parseConfig(sunriseGridConfig({ ridge: {}, valley: {}, pass: {} })), T);
  const seen = (seq: number) => observedState({ last_seq: seq });
  await writeContacts(db, new Map([["ridge", { observed: seen(1), at: T }], ["valley", { observed: seen(2), at: T }]]), []);
  // valley's report is older than the one held (another replica's later poll): it stays as it was.
  await writeContacts(
    db,
    new Map([["ridge", { observed: seen(3), at: T + 1_000 }], ["valley", { observed: seen(4), at: T - 1_000 }], ["pass", { observed: seen(5), at: T + 2_000 }]]),
    [{ kind: "clock", cameraId: "pass", at: T + 2_000, offsetMs: 12, trusted: true, source: "hub", correctionMs: 0 }],
  );
  const rows = await db.select({ id: cameras.id, at: cameras.lastContactAt, observed: cameras.observed }).from(cameras);
  expect(Object.fromEntries(rows.map((r) => [r.id, [r.at, r.observed?.last_seq]]))).toEqual({ ridge: [T + 1_000, 3], valley: [T, 2], pass: [T + 2_000, 5] });
  expect(await db.select({ at: clockSamples.at, offset: clockSamples.offsetMs }).from(clockSamples).where(eq(clockSamples.cameraId, "pass"))).toEqual([{ at: T + 2_000, offset: 12 }]);
});
