import { randomBytes } from "node:crypto";
import type { OverrideTest } from "../../shared/contracts/tests";
import { HttpError, notFound } from "../../shared/http";
import { OPERATOR, recordAudit } from "../audit/service";
import { bumpRevision } from "../config/revision";
import type { HubDb } from "../db/client";
import { inTransaction } from "../db/transaction";
import { pairUp, summarisePairs, type TestRow, testStatus } from "./compute";
import { camerasRetirement, insertTest, markTestCancelled, newestTests, scheduleExists, type TestRecord, testCaptures, testRow, uncancelledTests } from "./data";
import type { CreateTest } from "./model";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function view(row: TestRecord, status: string, pairsByCamera: Map<string, number>) {
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
async function sidesOf(db: HubDb, testId: string) {
  return (await testCaptures(db, testId)).map((r) => ({
    ...r.record,
    camera_id: r.camera,
  }));
}
type Sides = Awaited<ReturnType<typeof sidesOf>>;

/** Captured variants per camera: the pairs a test has. */
function countPairs(sides: Sides): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of sides) if (r.test_role === "variant" && r.outcome === "captured") out.set(r.camera_id, (out.get(r.camera_id) ?? 0) + 1);
  return out;
}

const pairsByCamera = async (db: HubDb, testId: string) => countPairs(await sidesOf(db, testId));

const pairsOf = (sides: Sides) =>
  pairUp(
    sides.filter((r) => r.test_role === "variant"),
    sides.filter((r) => r.test_role === "baseline"),
  );

async function requireRow(db: HubDb, id: string) {
  const row = await testRow(db, id);
  if (!row) throw notFound(`test ${id}`);
  return row;
}

export async function createTest(db: HubDb, req: CreateTest, now: number) {
  const ids = req.camera_ids ?? [req.camera_id!];
  const known = await camerasRetirement(db, ids);
  for (const id of ids) {
    const camera = known.find((c) => c.id === id);
    if (!camera) throw new HttpError(422, "invalid_request", `body.camera_ids: unknown camera '${id}'`);
    if (camera.retiredAt !== null) throw new HttpError(422, "invalid_request", `body.camera_ids: camera '${id}' is retired`);
  }
  if (req.schedule && !(await scheduleExists(db, req.schedule)))
    throw new HttpError(422, "invalid_request", `body.schedule: unknown schedule '${req.schedule}'`);
  const from = req.from ? Date.parse(req.from) : now;
  const until = req.until ? Date.parse(req.until) : null;
  if (until !== null && until <= from) throw new HttpError(422, "invalid_request", "body.until: must be after the test's start");
  const id = req.id ?? `t-${randomBytes(5).toString("hex")}`;
  if (await testRow(db, id)) throw new HttpError(409, "conflict", `test ${id} already exists`);
  const row = { id, cameraIds: ids, schedule: req.schedule ?? null, override: req.override, pairs: req.pairs ?? null, untilAt: until, fromAt: from, createdAt: now, cancelledAt: null };
  await inTransaction(db, async (t) => {
    await insertTest(t, row);
    await bumpRevision(t, ids);
    await recordAudit(t, { actor: OPERATOR, action: "test.create", target: `test:${id}`, before: null, after: row }, now);
  });
  return view(row, testStatus(row, new Map(), now), new Map());
}

export async function cancelTest(db: HubDb, id: string, now: number) {
  const row = await requireRow(db, id);
  const counts = await pairsByCamera(db, id);
  const status = testStatus(row, counts, now);
  if (status === "cancelled" || status === "done") throw new HttpError(409, "conflict", `test ${id} is already ${status}`);
  await inTransaction(db, async (t) => {
    await markTestCancelled(t, id, now);
    await bumpRevision(t, row.cameraIds);
    await recordAudit(t, { actor: OPERATOR, action: "test.cancel", target: `test:${id}`, before: { status }, after: { status: "cancelled" } }, now);
  });
  return view({ ...row, cancelledAt: now }, "cancelled", counts);
}

export async function listTests(db: HubDb, now: number) {
  const tests = [];
  for (const row of await newestTests(db)) {
    const sides = await sidesOf(db, row.id);
    const counts = countPairs(sides);
    tests.push({ ...view(row, testStatus(row, counts, now), counts), summary: summarisePairs(pairsOf(sides)) });
  }
  return { tests };
}

/** The test with its pairs (baseline: the tick's production capture; variant: the override) and the summary. */
export async function getTest(db: HubDb, id: string, now: number) {
  const row = await requireRow(db, id);
  const sides = await sidesOf(db, id);
  const pairs = pairsOf(sides);
  const counts = countPairs(sides);
  return { ...view(row, testStatus(row, counts, now), counts), pairs, summary: summarisePairs(pairs) };
}

/** The tests a camera's agent is to run now: not cancelled, not done. */
export async function activeTestsFor(db: HubDb, cameraId: string, now: number): Promise<OverrideTest[]> {
  const active: TestRecord[] = [];
  for (const row of await uncancelledTests(db))
    if (row.cameraIds.includes(cameraId) && testStatus(row as TestRow, await pairsByCamera(db, row.id), now) !== "done") active.push(row);
  return active.map((row) => ({ id: row.id, override: row.override, schedule: row.schedule, from: iso(row.fromAt)!, until: iso(row.untilAt), pairs: row.pairs }));
}
