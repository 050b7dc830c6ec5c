import { desc, eq, inArray, isNull } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import type { OverrideTest } from "../../shared/contracts/tests";
import { HttpError, notFound } from "../../shared/http";
import { OPERATOR, recordAudit } from "../audit/service";
import { bumpRevision } from "../config/revision";
import type { HubDb } from "../db/client";
import { cameras, captures, overrideTests, schedules } from "../db/schema";
import { pairUp, summarisePairs, type TestRow, testStatus } from "./compute";
import type { CreateTest } from "./model";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function view(row: typeof overrideTests.$inferSelect, status: string, pairsByCamera: Map<string, number>) {
  return {
    id: row.id,
    status,
    camera_ids: row.cameraIds,
    schedule: row.schedule,
    override: row.override,
    pairs_target: row.pairs,
    from: iso(row.fromAt),
    until: iso(row.untilAt),
    created_at: iso(row.createdAt),
    cancelled_at: iso(row.cancelledAt),
    pairs_done: Object.fromEntries(row.cameraIds.map((c) => [c, pairsByCamera.get(c) ?? 0])),
  };
}

/** The records a test's captures left: its baselines and variants, each with its camera. */
function sidesOf(db: HubDb, testId: string) {
  return db
    .select({ camera: captures.cameraId, record: captures.record })
    .from(captures)
    .where(eq(captures.testId, testId))
    .all()
    .map((r) => ({ ...r.record, camera_id: r.camera }));
}

/** Captured variants per camera: the pairs a test has. */
function countPairs(sides: ReturnType<typeof sidesOf>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of sides) if (r.test_role === "variant" && r.outcome === "captured") out.set(r.camera_id, (out.get(r.camera_id) ?? 0) + 1);
  return out;
}

const pairsByCamera = (db: HubDb, testId: string) => countPairs(sidesOf(db, testId));

const pairsOf = (sides: ReturnType<typeof sidesOf>) =>
  pairUp(
    sides.filter((r) => r.test_role === "variant"),
    sides.filter((r) => r.test_role === "baseline"),
  );

function requireRow(db: HubDb, id: string) {
  const row = db.select().from(overrideTests).where(eq(overrideTests.id, id)).get();
  if (!row) throw notFound(`test ${id}`);
  return row;
}

export function createTest(db: HubDb, req: CreateTest, now: number) {
  const ids = req.camera_ids ?? [req.camera_id!];
  const known = db.select({ id: cameras.id, retiredAt: cameras.retiredAt }).from(cameras).where(inArray(cameras.id, ids)).all();
  for (const id of ids) {
    const camera = known.find((c) => c.id === id);
    if (!camera) throw new HttpError(422, "invalid_request", `body.camera_ids: unknown camera '${id}'`);
    if (camera.retiredAt !== null) throw new HttpError(422, "invalid_request", `body.camera_ids: camera '${id}' is retired`);
  }
  if (req.schedule && !db.select().from(schedules).where(eq(schedules.name, req.schedule)).get())
    throw new HttpError(422, "invalid_request", `body.schedule: unknown schedule '${req.schedule}'`);
  const from = req.from ? Date.parse(req.from) : now;
  const until = req.until ? Date.parse(req.until) : null;
  if (until !== null && until <= from) throw new HttpError(422, "invalid_request", "body.until: must be after the test's start");
  const id = req.id ?? `t-${randomBytes(5).toString("hex")}`;
  if (db.select().from(overrideTests).where(eq(overrideTests.id, id)).get()) throw new HttpError(409, "conflict", `test ${id} already exists`);
  const row = { id, cameraIds: ids, schedule: req.schedule ?? null, override: req.override, pairs: req.pairs ?? null, untilAt: until, fromAt: from, createdAt: now, cancelledAt: null };
  db.transaction((tx) => {
    const t = tx as unknown as HubDb;
    t.insert(overrideTests).values(row).run();
    bumpRevision(t, ids);
    recordAudit(t, { actor: OPERATOR, action: "test.create", target: `test:${id}`, before: null, after: row }, now);
  });
  return view(row, testStatus(row, new Map(), now), new Map());
}

export function cancelTest(db: HubDb, id: string, now: number) {
  const row = requireRow(db, id);
  const counts = pairsByCamera(db, id);
  const status = testStatus(row, counts, now);
  if (status === "cancelled" || status === "done") throw new HttpError(409, "conflict", `test ${id} is already ${status}`);
  db.transaction((tx) => {
    const t = tx as unknown as HubDb;
    t.update(overrideTests).set({ cancelledAt: now }).where(eq(overrideTests.id, id)).run();
    bumpRevision(t, row.cameraIds);
    recordAudit(t, { actor: OPERATOR, action: "test.cancel", target: `test:${id}`, before: { status }, after: { status: "cancelled" } }, now);
  });
  return view({ ...row, cancelledAt: now }, "cancelled", counts);
}

export function listTests(db: HubDb, now: number) {
  return {
    tests: db
      .select()
      .from(overrideTests)
      .orderBy(desc(overrideTests.createdAt))
      .limit(500)
      .all()
      .map((row) => {
        const sides = sidesOf(db, row.id);
        const counts = countPairs(sides);
        return { ...view(row, testStatus(row, counts, now), counts), summary: summarisePairs(pairsOf(sides)) };
      }),
  };
}

/** The test with its pairs (baseline: the tick's production capture; variant: the override) and the summary. */
export function getTest(db: HubDb, id: string, now: number) {
  const row = requireRow(db, id);
  const sides = sidesOf(db, id);
  const pairs = pairsOf(sides);
  const counts = countPairs(sides);
  return { ...view(row, testStatus(row, counts, now), counts), pairs, summary: summarisePairs(pairs) };
}

/** The tests a camera's agent is to run now: not cancelled, not done. */
export function activeTestsFor(db: HubDb, cameraId: string, now: number): OverrideTest[] {
  return db
    .select()
    .from(overrideTests)
    .where(isNull(overrideTests.cancelledAt))
    .all()
    .filter((row) => row.cameraIds.includes(cameraId))
    .filter((row: TestRow) => testStatus(row, pairsByCamera(db, row.id), now) !== "done")
    .map((row) => ({ id: row.id, override: row.override, schedule: row.schedule, from: iso(row.fromAt)!, until: iso(row.untilAt), pairs: row.pairs }));
}
