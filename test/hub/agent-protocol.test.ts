import { beforeEach, describe, expect, test } from "bun:test";
import { ManualClock } from "../../shared/clock";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { createHub } from "../../hub/app";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { DENVER } from "../harness/scenario";
import { captureRecord, observedState } from "../harness/fixtures";
import { inProcessHub, callHub } from "../harness/in-process";

const OPERATOR = "operator-token-for-tests-0001";
const config = {
  location: DENVER,
  schedules: { sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 15 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["sunrise"] }, other: { deployed_profile: "f", schedules: ["sunrise"] } },
  profiles: { f: { base: { metering: "spot", ev: 0.7 } } },
  sync: { poll_interval_seconds: 60, plan_days: 7 },
};

const observed = observedState({}, { offsetMs: null });

const record = captureRecord;

let hub: Awaited<ReturnType<typeof createHub>>;
let clock: ManualClock;

const call = (method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) => callHub(hub, method, path, token, body, headers);

async function agentToken(camera = "ridge"): Promise<string> {
  return (await call("POST", `/api/cameras/${camera}/token`, OPERATOR)).body.token;
}

async function heldSeqs(camera = "ridge"): Promise<number[]> {
  const { body } = await call("GET", `/api/cameras/${camera}/captures`, OPERATOR);
  return body.captures.map((c: CaptureRecord) => c.seq);
}

beforeEach(async () => {
  ({ hub, clock } = await inProcessHub(config, OPERATOR));
});

describe("health and operator auth", () => {
  test("/health needs no token and tells the hub's (simulated) time", async () => {
    const res = await call("GET", "/health", null);
    expect(res.body).toEqual({ status: "ok", time: "2026-11-24T12:00:00.000Z" });
  });

  test("operator routes refuse a missing or wrong token", async () => {
    expect((await call("GET", "/api/cameras", null)).status).toBe(401);
    expect((await call("GET", "/api/cameras", "wrong-token")).status).toBe(401);
    const ok = await call("GET", "/api/cameras", OPERATOR);
    expect(ok.body.cameras.map((c: { id: string }) => c.id)).toEqual(["other", "ridge"]);
  });

  test("an agent token is not an operator token", async () => {
    const token = await agentToken();
    expect((await call("GET", "/api/cameras", token)).status).toBe(401);
  });

  test("unknown camera: 404, no token issued", async () => {
    const res = await call("POST", "/api/cameras/nope/token", OPERATOR);
    expect(res.status).toBe(404);
    expect(res.body.message).toContain("nope");
  });
});

describe("conditional poll", () => {
  test("200 with the desired state, then 304 for the same ETag, with the server time on both", async () => {
    const token = await agentToken();
    const first = await call("POST", "/agent/v1/state", token, observed);
    expect(first.status).toBe(200);
    expect(first.body.desired.camera.id).toBe("ridge");
    expect(first.body.desired.assignment).toEqual({ profile_id: "f", version: "1.0.0" });
    expect(first.body.desired.plan.windows.length).toBe(7);
    expect(first.body.server_time).toBe("2026-11-24T12:00:00.000Z");
    clock.advance(60_000);
    const second = await call("POST", "/agent/v1/state", token, observed, { "if-none-match": first.body.etag });
    expect(second.status).toBe(304);
    expect(second.headers.get("x-skylapse-server-time")).toBe("2026-11-24T12:01:00.000Z");
    const cameras = (await call("GET", "/api/cameras", OPERATOR)).body.cameras;
    expect(cameras.find((c: { id: string }) => c.id === "ridge").last_contact_at).toBe("2026-11-24T12:01:00.000Z");
  });

  test("a new config or a new local day changes the ETag", async () => {
    const token = await agentToken();
    const first = await call("POST", "/agent/v1/state", token, observed);
    await applyConfig(hub.ctx.db, parseConfig({ ...config, profiles: { f: { base: { metering: "matrix" } } } }), clock.now());
    const changed = await call("POST", "/agent/v1/state", token, observed, { "if-none-match": first.body.etag });
    expect(changed.status).toBe(200);
    expect(changed.body.desired.assignment.version).toBe("1.1.0");
    clock.advance(24 * 3_600_000);
    const nextDay = await call("POST", "/agent/v1/state", token, observed, { "if-none-match": changed.body.etag });
    expect(nextDay.status).toBe(200);
    expect(nextDay.body.desired.plan.from).toBe("2026-11-25T07:00:00.000Z");
  });

  test("observed state is validated field by field; a bad report changes nothing", async () => {
    const token = await agentToken();
    const res = await call("POST", "/agent/v1/state", token, { ...observed, backlog: -1 });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain("body.backlog");
    const garbage = await call("POST", "/agent/v1/state", token, "{not json");
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toBe("bad_json");
    const cameras = (await call("GET", "/api/cameras", OPERATOR)).body.cameras;
    expect(cameras.find((c: { id: string }) => c.id === "ridge").last_contact_at).toBeNull();
  });

  test("a rotated token replaces the old one at once", async () => {
    const old = await agentToken();
    const fresh = await agentToken();
    expect((await call("POST", "/agent/v1/state", old, observed)).status).toBe(401);
    expect((await call("POST", "/agent/v1/state", fresh, observed)).status).toBe(200);
  });
});

describe("capture upload", () => {
  test("replaying a batch changes nothing: duplicates are counted, not stored twice", async () => {
    const token = await agentToken();
    const batch = { log_id: "log-1", records: [record(1), record(2), record(3)] };
    expect((await call("POST", "/agent/v1/captures", token, batch)).body).toEqual({ accepted: 3, duplicates: 0, contiguous_through: 3, gaps: [] });
    expect((await call("POST", "/agent/v1/captures", token, batch)).body).toEqual({ accepted: 0, duplicates: 3, contiguous_through: 3, gaps: [] });
    expect(await heldSeqs()).toEqual([1, 2, 3]);
  });

  test("the hub tells a gap from a duplicate, and the gap closes when the missing seqs arrive", async () => {
    const token = await agentToken();
    await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records: [record(1), record(2)] });
    const gapped = await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records: [record(5), record(7)] });
    expect(gapped.body).toEqual({ accepted: 2, duplicates: 0, contiguous_through: 2, gaps: [[3, 4], [6, 6]] });
    const filled = await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records: [record(6), record(4), record(3)] });
    expect(filled.body).toEqual({ accepted: 3, duplicates: 0, contiguous_through: 7, gaps: [] });
  });

  test("a different record under a held seq is a conflict, and the whole batch is refused", async () => {
    const token = await agentToken();
    await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records: [record(1)] });
    const res = await call("POST", "/agent/v1/captures", token, {
      log_id: "log-1",
      records: [record(2), record(1, { id: "someone-else" })],
    });
    expect(res.status).toBe(409);
    expect(await heldSeqs()).toEqual([1]);
  });

  test("a new log (fresh agent database) numbers from 1 again without clashing", async () => {
    const token = await agentToken();
    await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records: [record(1)] });
    // A tick the hub does not hold yet (the same tick again would be a duplicate by its natural key).
    const res = await call("POST", "/agent/v1/captures", token, { log_id: "log-2", records: [record(1, { id: "rec-new-1", planned_at: record(2).planned_at })] });
    expect(res.body.accepted).toBe(1);
    expect((await heldSeqs()).length).toBe(2);
  });

  test("records land under the token's camera; the same record id from another camera is refused", async () => {
    const ridge = await agentToken("ridge");
    const other = await agentToken("other");
    await call("POST", "/agent/v1/captures", ridge, { log_id: "log-1", records: [record(1)] });
    const res = await call("POST", "/agent/v1/captures", other, { log_id: "log-1", records: [record(1)] });
    expect(res.status).toBe(409);
    expect(await heldSeqs("other")).toEqual([]);
  });

  test("invalid batches are refused whole with the field named", async () => {
    const token = await agentToken();
    const cases: [unknown, string][] = [
      [{ log_id: "log-1", records: [] }, "body.records"],
      [{ log_id: "log-1", records: [record(1), record(1, { id: "x" })] }, "seq 1 appears twice"],
      [{ log_id: "log-1", records: [record(1), record(0)] }, "body.records.1.seq"],
      [{ log_id: "log-1", records: [record(1, { outcome: "exploded" as never })] }, "body.records.0.outcome"],
      [{ log_id: "log-1", records: [record(1, { image: { ...record(1).image!, file: "../../etc/passwd" } })] }, "body.records.0.image.file"],
      [{ log_id: "log-1", records: Array.from({ length: 501 }, (_, i) => record(i + 1)) }, "body.records"],
    ];
    for (const [body, message] of cases) {
      const res = await call("POST", "/agent/v1/captures", token, body);
      expect(res.status).toBe(422);
      expect(res.body.message).toContain(message);
    }
    expect(await heldSeqs()).toEqual([]);
  });
});

describe("operator reads", () => {
  test("captures page through a cursor; limits are bounded", async () => {
    const token = await agentToken();
    await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records: Array.from({ length: 25 }, (_, i) => record(i + 1)) });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/cameras/ridge/captures?limit=10${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await call("GET", q, OPERATOR)).body;
      seen.push(...page.captures.map((c: CaptureRecord) => c.seq));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect((await call("GET", "/api/cameras/ridge/captures?limit=10001", OPERATOR)).status).toBe(422);
    expect((await call("GET", "/api/cameras/ridge/captures?cursor=garbage", OPERATOR)).status).toBe(422);
    expect((await call("GET", "/api/cameras/ridge/captures?from=yesterday", OPERATOR)).status).toBe(422);
  });

  test("the report counts planned ticks from the plan and records by outcome", async () => {
    const token = await agentToken();
    // Its first poll (12:00, before the sunrise) starts its life at the hub; the report is read after the sunrise.
    expect((await call("POST", "/agent/v1/state", token, observedState())).status).toBe(200);
    clock.set(Date.parse("2026-11-25T00:00:00Z"));
    await call("POST", "/agent/v1/captures", token, {
      log_id: "log-1",
      records: [record(1), record(2), record(3, { outcome: "missed", reason_code: "late", reason: "late: 9000 ms after its tick", image: null })],
    });
    const r = (await call("GET", "/api/cameras/ridge/report?from=2026-11-24T07:00:00Z&to=2026-11-25T07:00:00Z", OPERATOR)).body;
    // missed counts every planned tick without a captured record: 1 reported late, 237 not reported.
    expect(r).toMatchObject({ planned: 240, captured: 2, missed: 238, uploaded: 3 });
    expect(r.missed_by_reason).toMatchObject({ late: 1, not_reported: 237 });
    expect((await call("GET", "/api/cameras/ridge/report?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z", OPERATOR)).status).toBe(422);
  });
});

describe("config", () => {
  test("a refused config changes nothing", async () => {
    const before = (await call("GET", "/api/cameras", OPERATOR)).body;
    expect(() => parseConfig({ ...config, cameras: { ridge: { deployed_profile: "missing", schedules: ["sunrise"] } } })).toThrow(
      "cameras.ridge.deployed_profile: unknown profile 'missing'",
    );
    expect((await call("GET", "/api/cameras", OPERATOR)).body).toEqual(before);
  });
});
