/** The SQL of A/B override tests (drizzle's async API only). */
import { desc, eq, inArray, isNull } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { cameras, captures, overrideTests, schedules } from "../db/schema";

export type TestRecord = typeof overrideTests.$inferSelect;

/** The records a test's captures left, each with its camera. */
export function testCaptures(db: HubDb, testId: string) {
  return db.select({ camera: captures.cameraId, record: captures.record }).from(captures).where(eq(captures.testId, testId));
}

export async function testRow(db: HubDb, id: string): Promise<TestRecord | null> {
  const [row] = await db.select().from(overrideTests).where(eq(overrideTests.id, id));
  return row ?? null;
}

/** The newest 500 tests. */
export function newestTests(db: HubDb): Promise<TestRecord[]> {
  return db.select().from(overrideTests).orderBy(desc(overrideTests.createdAt)).limit(500);
}

export function uncancelledTests(db: HubDb): Promise<TestRecord[]> {
  return db.select().from(overrideTests).where(isNull(overrideTests.cancelledAt));
}

export function camerasRetirement(db: HubDb, ids: string[]) {
  return db.select({ id: cameras.id, retiredAt: cameras.retiredAt }).from(cameras).where(inArray(cameras.id, ids));
}

export async function scheduleExists(db: HubDb, name: string): Promise<boolean> {
  return (await db.select().from(schedules).where(eq(schedules.name, name))).length > 0;
}

export async function insertTest(db: HubDb, row: typeof overrideTests.$inferInsert): Promise<void> {
  await db.insert(overrideTests).values(row);
}

export async function markTestCancelled(db: HubDb, id: string, now: number): Promise<void> {
  await db.update(overrideTests).set({ cancelledAt: now }).where(eq(overrideTests.id, id));
}
