/**
 * In-process hub tests of what the hub learns from polls and uploads: natural-key
 * dedupe of records rebuilt after an agent lost its database, outages and catch-up,
 * clock samples, the sync report and the fleet summary. Time is a ManualClock.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { ManualClock } from "../../shared/clock";
import type { CaptureRecord, ObservedState } from "../../shared/contracts/sync";
import { createHub } from "../../hub/app";
import { callHub, hubOn, testHubDb } from "../harness/in-process";
import { applyConfig, parseConfig } from "../../hub/config/service";
import type { HubDb } from "../../hub/db/client";
import { DENVER } from "../harness/scenario";
import { captureRecord, observedState } from "../harness/fixtures";

const OPERATOR = "operator-token-for-tests-0002";
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse("2026-11-24T12:00:00Z");
const DAY = "from=2026-11-24T07:00:00Z&to=2026-11-25T07:00:00Z";

const config = (pollSeconds = 60) => ({
  location: DENVER,
  schedules: { sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 15 } },
  cameras: Object.fromEntries(["ridge", "alpha", "bravo", "charlie"].map((id) => [id, { deployed_profile: "f", schedules: ["sunrise"] }])),
  profiles: { f: { base: { metering: "spot", ev: 0.7 } } },
  sync: { poll_interval_seconds: pollSeconds, plan_days: 7 },
});

const observed = (overrides: Partial<ObservedState> = {}) => observedState(overrides, { now: T0, offsetMs: 40 });

const record = captureRecord;

/** What an agent that lost its database uploads for an image it finds on disk. */
function rebuilt(seq: number, tick: number): CaptureRecord {
  return record(seq, { id: `recovered-${tick}`, recovered: true, profile_version: null, reason: "recovered from its image after the agent's database was lost" }, tick);
}

let db: HubDb;
let hub: Awaited<ReturnType<typeof createHub>>;
let clock: ManualClock;
const tokens = new Map<string, string>();

const call = (method: string, path: string, token: string | null, body?: unknown) => callHub(hub, method, path, token, body);

async function token(camera: string): Promise<string> {
  if (!tokens.has(camera)) tokens.set(camera, (await call("POST", `/api/cameras/${camera}/token`, OPERATOR)).body.token);
  return tokens.get(camera)!;
}

async function poll(camera: string, obs: Partial<ObservedState> = {}) {
  const res = await call("POST", "/agent/v1/state", await token(camera), observed(obs));
  expect(res.status).toBe(200);
}

async function upload(camera: string, logId: string, records: CaptureRecord[]) {
  return call("POST", "/agent/v1/captures", await token(camera), { log_id: logId, records });
}

const report = async (camera = "ridge", range = DAY) => (await call("GET", `/api/cameras/${camera}/report?${range}`, OPERATOR)).body;
const held = async (camera = "ridge") => (await call("GET", `/api/cameras/${camera}/captures`, OPERATOR)).body.captures as (CaptureRecord & { log_id: string })[];

async function start(pollSeconds = 60) {
  clock = new ManualClock(T0);
  db = await testHubDb();
  await applyConfig(db, parseConfig(config(pollSeconds)), clock.now());
  hub = await hubOn(db, clock, OPERATOR);
  tokens.clear();
}

beforeEach(() => start());

describe("natural-key dedupe", () => {
  test("records rebuilt under a new log are duplicates of the ticks the hub holds; new ones are accepted", async () => {
    expect((await upload("ridge", "log-1", [record(1), record(2), record(3)])).body).toEqual({ accepted: 3, duplicates: 0, contiguous_through: 3, gaps: [] });
    // The agent lost its database: a new log, records rebuilt from the images of ticks 1..4 (tick 4 never reached the hub).
    const recovery = [rebuilt(1, 1), rebuilt(2, 2), rebuilt(3, 3), rebuilt(4, 4)];
    const res = await upload("ridge", "log-2", recovery);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 1, duplicates: 3, contiguous_through: 4, gaps: [] });
    const captures = await held();
    expect(captures.map((c) => [c.id, c.log_id])).toEqual([
      ["rec-1", "log-1"],
      ["rec-2", "log-1"],
      ["rec-3", "log-1"],
      ["recovered-4", "log-2"],
    ]);
    // Replaying the recovery is all duplicates; the new log continues without a gap.
    expect((await upload("ridge", "log-2", recovery)).body).toEqual({ accepted: 0, duplicates: 4, contiguous_through: 4, gaps: [] });
    expect((await upload("ridge", "log-2", [record(5, { id: "new-5" }, 5)])).body).toEqual({ accepted: 1, duplicates: 0, contiguous_through: 5, gaps: [] });
    const r = await report();
    expect(r).toMatchObject({ captured: 5, uploaded: 5, recovered: 1 });
  });

  test("a different record under a seq acknowledged as a duplicate is a conflict, and the batch changes nothing", async () => {
    await upload("ridge", "log-1", [record(1)]);
    await upload("ridge", "log-2", [rebuilt(1, 1)]);
    const res = await upload("ridge", "log-2", [record(2, { id: "fresh-2" }, 2), record(1, { id: "someone-else" }, 9)]);
    expect(res.status).toBe(409);
    expect((await held()).map((c) => c.id)).toEqual(["rec-1"]);
  });

  test("the same tick twice in one batch is stored once", async () => {
    const res = await upload("ridge", "log-1", [record(1), record(2, { id: "again" }, 1)]);
    expect(res.body).toEqual({ accepted: 1, duplicates: 1, contiguous_through: 2, gaps: [] });
    expect((await held()).length).toBe(1);
  });

  test("test arms of one tick are different records", async () => {
    const res = await upload("ridge", "log-1", [
      record(1, { test_id: "t1", test_role: "baseline" }),
      record(2, { test_id: "t1", test_role: "variant" }, 1),
    ]);
    expect(res.body.accepted).toBe(2);
  });

  test("existing behaviours stay: replay is duplicates; a different id under a held log+seq is a 409 changing nothing", async () => {
    await upload("ridge", "log-1", [record(1), record(2)]);
    expect((await upload("ridge", "log-1", [record(1), record(2)])).body).toMatchObject({ accepted: 0, duplicates: 2 });
    const res = await upload("ridge", "log-1", [record(3), record(2, { id: "other-id" }, 7)]);
    expect(res.status).toBe(409);
    expect((await held()).map((c) => c.seq)).toEqual([1, 2]);
  });
});

describe("contact history", () => {
  test("a long gap is an outage with the backlog at return, caught up at the first poll with an empty backlog", async () => {
    await poll("ridge");
    clock.advance(MIN);
    await poll("ridge");
    clock.advance(4 * MIN); // under max(3 × 60 s, 5 min): not an outage
    await poll("ridge");
    const lastBefore = clock.now();
    clock.advance(2 * HOUR);
    await poll("ridge", { backlog: 480, oldest_pending_at: new Date(lastBefore + 15_000).toISOString() });
    const returned = clock.now();
    clock.advance(MIN);
    await poll("ridge", { backlog: 120, oldest_pending_at: new Date(lastBefore + HOUR).toISOString() });
    clock.advance(MIN);
    await poll("ridge");
    const caughtUp = clock.now();
    clock.advance(MIN);
    await poll("ridge");

    const r = await report();
    expect(r.outages).toEqual([
      {
        from: new Date(lastBefore).toISOString(),
        to: new Date(returned).toISOString(),
        duration_s: 7200,
        backlog_at_return: 480,
        oldest_pending_at: new Date(lastBefore + 15_000).toISOString(),
        caught_up_at: new Date(caughtUp).toISOString(),
        catch_up_s: 120,
        ongoing: false,
      },
    ]);
    expect(r.last_contact_at).toBe(new Date(clock.now()).toISOString());
    expect(r.backlog).toEqual({ count: 0, oldest_pending_at: null, age_s: null });
  });

  test("the threshold follows the poll interval (3 × 10 min = 30 min here)", async () => {
    await start(600);
    await poll("ridge");
    clock.advance(20 * MIN);
    await poll("ridge");
    expect((await report()).outages).toEqual([]);
    clock.advance(40 * MIN);
    await poll("ridge");
    expect((await report()).outages).toMatchObject([{ duration_s: 2400, catch_up_s: 0 }]);
  });

  test("the outage is seen across a hub restart; a camera silent now shows an ongoing outage", async () => {
    await poll("ridge", { backlog: 0 });
    await hub.ctx.contacts.close();
    hub = await hubOn(db, clock, OPERATOR);
    clock.advance(HOUR);
    await poll("ridge", { backlog: 12, oldest_pending_at: new Date(T0 + MIN).toISOString() });
    clock.advance(MIN);
    await hub.ctx.contacts.close();
    hub = await hubOn(db, clock, OPERATOR);
    await poll("ridge", { backlog: 0 });
    expect((await report()).outages).toMatchObject([{ from: "2026-11-24T12:00:00.000Z", to: "2026-11-24T13:00:00.000Z", backlog_at_return: 12, catch_up_s: 60 }]);

    clock.advance(3 * HOUR);
    const r = await report();
    expect(r.outages[1]).toMatchObject({ from: "2026-11-24T13:01:00.000Z", to: null, ongoing: true, duration_s: 3 * 3600 });
  });

  test("clock samples are taken at most every 10 minutes per camera, on 304s too", async () => {
    let etag: string | undefined;
    for (let m = 0; m <= 25; m++) {
      const offset = m < 20 ? 40 + m : -5_000;
      const res = await hub.app.handle(
        new Request("http://localhost/agent/v1/state", {
          method: "POST",
          headers: { authorization: `Bearer ${await token("ridge")}`, "content-type": "application/json", ...(etag ? { "if-none-match": etag } : {}) },
          body: JSON.stringify(observed({ clock: { now: new Date(clock.now()).toISOString(), trusted: m < 20, source: m < 20 ? "hub" : "untrusted", offset_ms: offset, correction_ms: 0 } })),
        }),
      );
      expect(res.status).toBe(etag ? 304 : 200);
      etag = res.headers.get("etag")!;
      await poll("alpha");
      clock.advance(MIN);
    }
    const r = await report();
    expect(r.clock.offset_samples).toEqual([
      { at: "2026-11-24T12:00:00.000Z", offset_ms: 40, trusted: true, source: "hub", correction_ms: 0 },
      { at: "2026-11-24T12:10:00.000Z", offset_ms: 50, trusted: true, source: "hub", correction_ms: 0 },
      { at: "2026-11-24T12:20:00.000Z", offset_ms: -5000, trusted: false, source: "untrusted", correction_ms: 0 },
    ]);
    expect(r.clock.current).toMatchObject({ trusted: false, offset_ms: -5000, reported_at: "2026-11-24T12:25:00.000Z" });
    expect((await report("alpha")).clock.offset_samples.length).toBe(3);
  });
});

describe("sync report", () => {
  test("planned = captured + missed, by reason, with unplanned and recovered records", async () => {
    await poll("ridge"); // its first contact, before the sunrise
    clock.set(Date.parse("2026-11-25T00:00:00Z")); // the day's sunrise is over
    await upload("ridge", "log-1", [
      record(1),
      record(2, { outcome: "failed", reason_code: "camera_error", reason: "timeout", image: null }),
      record(3, { outcome: "missed", reason_code: "agent_down", reason: "agent was down", image: null }),
      record(4, { outcome: "missed", reason_code: "clock_untrusted", reason: "clock untrusted", image: null }),
      // A safety capture taken on an untrusted clock, off the grid.
      record(5, { planned_at: "2026-11-24T13:31:07.000Z", clock_trusted: false }),
    ]);
    await upload("ridge", "log-2", [rebuilt(1, 6)]);
    const r = await report();
    expect(r).toMatchObject({ planned: 240, captured: 2, missed: 238, unplanned: 1, uploaded: 6, recovered: 1, upcoming: 0 });
    expect(r.missed_by_reason).toEqual({ camera_error: 1, disk_full: 0, clock_untrusted: 1, agent_down: 1, late: 0, no_snapshot: 0, not_reported: 235 });
  });

  test("range and camera are validated", async () => {
    const cases: [string, number, string][] = [
      ["ridge/report?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z", 422, "query.to: must be after query.from"],
      ["ridge/report?from=2026-11-24T00:00:00Z&to=2026-11-24T00:00:00Z", 422, "query.to: must be after query.from"],
      ["ridge/report?from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z", 422, "at most 366 days"],
      ["ridge/report?from=yesterday&to=2026-11-24T00:00:00Z", 422, "query.from"],
      ["ridge/report?from=2026-11-24T00:00:00Z", 422, "query.to"],
      ["ridge/report?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&extra=1", 422, "extra"],
      ["nope/report?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z", 404, "camera nope not found"],
    ];
    for (const [path, status, message] of cases) {
      const res = await call("GET", `/api/cameras/${path}`, OPERATOR);
      expect([path, res.status]).toEqual([path, status]);
      expect(res.body.message).toContain(message);
    }
    expect((await call("GET", "/api/cameras/ridge/report?from=2025-11-24T00:00:00Z&to=2026-11-25T00:00:00Z", OPERATOR)).status).toBe(200);
    expect((await call("GET", `/api/cameras/ridge/report?${DAY}`, null)).status).toBe(401);
    expect((await call("GET", `/api/cameras/ridge/report?${DAY}`, await token("ridge"))).status).toBe(401);
  });
});

describe("fleet", () => {
  test("cameras behind first, longest behind first, with behind_since; operator token only", async () => {
    // charlie: last heard at 12:00 with records pending since 11:00; then silent.
    await poll("charlie", { backlog: 240, oldest_pending_at: "2026-11-24T11:00:00.000Z" });
    clock.advance(HOUR);
    // bravo: online, but records pending for 45 minutes; its disk is nearly full.
    const disk = { used_bytes: 95, free_bytes: 5, total_bytes: 100, images_bytes: 90, budget_bytes: null, percent: 95, warning: true };
    await poll("bravo", { backlog: 180, oldest_pending_at: "2026-11-24T12:15:00.000Z", disk });
    // alpha and ridge: online with the usual small backlog.
    await poll("alpha", { backlog: 3, oldest_pending_at: "2026-11-24T12:59:30.000Z" });
    await poll("ridge", {
      incidents: [
        { kind: "db_recovered", at: "2026-11-24T12:30:00.000Z", detail: "database replaced; 4 records rebuilt" },
        { kind: "clock_corrected", at: "2026-11-22T12:30:00.000Z", detail: "old" },
      ],
    });
    expect((await call("GET", "/api/fleet", null)).status).toBe(401);
    expect((await call("GET", "/api/fleet", await token("alpha"))).status).toBe(401);
    const f = (await call("GET", "/api/fleet", OPERATOR)).body;
    expect(f.cameras.map((c: { id: string; attention: string[] }) => [c.id, c.attention])).toEqual([
      ["charlie", ["offline", "behind"]],
      ["bravo", ["behind", "disk"]],
      ["alpha", []],
      ["ridge", []],
    ]);
    const [charlie, bravo, alpha, ridge] = f.cameras;
    expect(charlie).toMatchObject({
      online: false,
      last_contact_at: "2026-11-24T12:00:00.000Z",
      offline_since: "2026-11-24T12:00:00.000Z",
      backlog: 240,
      behind_since: "2026-11-24T11:00:00.000Z",
    });
    expect(bravo).toMatchObject({ online: true, offline_since: null, behind_since: "2026-11-24T12:15:00.000Z", disk: { percent: 95, warning: true } });
    expect(alpha).toMatchObject({ online: true, backlog: 3, clock: { trusted: true, source: "hub", offset_ms: 40 } });
    expect(ridge.incidents.map((i: { kind: string }) => i.kind)).toEqual(["db_recovered"]);
    expect(f.totals).toEqual({ cameras: 4, online: 3, waiting_for_first_contact: 0, attention: 2 });
  });
});

describe("image-sync progress", () => {
  test("the agent's image backlog shows in the fleet and the report; pictures received are counted per range; an agent without it shows null", async () => {
    const images = {
      pending: 42,
      pending_bytes: 1_234_567,
      oldest_pending_at: "2026-11-24T11:30:00.000Z",
      thumbnails_pending: 3,
      last_uploaded_at: "2026-11-24T11:59:00.000Z",
    };
    await poll("ridge", { images });
    // alpha is an agent from before image-sync progress: its report has no such field and still validates.
    await poll("alpha");

    // Two records at the hub; one gets a thumbnail and its full image (verified), the other a thumbnail only.
    const bytes = new Uint8Array([0xff, 0xd8, 1, 2, 3, 4, 5, 6, 0xff, 0xd9]);
    const sha = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    const image = { file: "2026-11-24/sunrise/f/1.jpg", bytes: bytes.length, sha256: sha, width: 640, height: 360, frames: 1 };
    expect((await upload("ridge", "log-1", [record(1, { image }), record(2, { image: { ...image, file: "2026-11-24/sunrise/f/2.jpg" } })])).body.accepted).toBe(2);
    const put = async (path: string, body: Uint8Array, type: string) =>
      (
        await hub.app.handle(
          new Request(`http://localhost/agent/v1/captures/${path}`, { method: "PUT", body: body as unknown as BodyInit, headers: { authorization: `Bearer ${await token("ridge")}`, "content-type": type } }),
        )
      ).status;
    expect(await put("rec-1/thumbnail", bytes, "image/jpeg")).toBe(200);
    expect(await put("rec-2/thumbnail", bytes, "image/jpeg")).toBe(200);
    expect(await put("rec-1/image?offset=0", bytes, "application/octet-stream")).toBe(200);

    const f = (await call("GET", "/api/fleet", OPERATOR)).body;
    const byId = new Map(f.cameras.map((c: { id: string }) => [c.id, c]));
    expect((byId.get("ridge") as { images: unknown }).images).toEqual(images);
    expect((byId.get("alpha") as { images: unknown }).images).toBeNull();
    expect((byId.get("bravo") as { images: unknown }).images).toBeNull();

    const r = await report();
    expect(r.images).toEqual({ thumbnails: 2, full: 1, ...images, age_s: 1800 });
    // The counts follow the range; the agent's backlog is the camera's, whatever the range.
    expect((await report("ridge", "from=2026-11-25T07:00:00Z&to=2026-11-26T07:00:00Z")).images).toMatchObject({ thumbnails: 0, full: 0, pending: 42 });
    expect((await report("alpha")).images).toEqual({
      thumbnails: 0,
      full: 0,
      pending: null,
      pending_bytes: null,
      thumbnails_pending: null,
      oldest_pending_at: null,
      age_s: null,
      last_uploaded_at: null,
    });

    // A bad progress report is refused field by field like the rest of the observed state.
    const bad = await call("POST", "/agent/v1/state", await token("ridge"), observed({ images: { ...images, pending: -1 } }));
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain("images.pending");
  });
});
