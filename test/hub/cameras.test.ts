/**
 * Cameras through the operator API in-process: register, update, retire (with
 * validation, audit entries and the config revision), enrollment codes (one-time,
 * 24 h on a manual clock, the right camera only), token revocation, and the
 * OpenAPI document generated from the same schemas.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ManualClock } from "../../shared/clock";
import { createHub } from "../../hub/app";
import { configRevision } from "../../hub/config/revision";
import { enrollmentCodes } from "../../hub/db/schema";
import { DENVER } from "../harness/scenario";
import { captureRecord, observedState } from "../harness/fixtures";
import { inProcessHub, callHub } from "../harness/in-process";
import { operatorCli } from "../harness/operator-cli";

const OPERATOR = "operator-token-for-camera-tests";
const config = {
  location: DENVER,
  schedules: {
    sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 15 },
    daytime: { start_time: "10:00", end_time: "14:00", interval_seconds: 300 },
  },
  cameras: { ridge: { deployed_profile: "f", schedules: ["sunrise"] } },
  profiles: { f: { base: { metering: "spot" } } },
  sync: { poll_interval_seconds: 60, plan_days: 2 },
};
const observed = observedState({}, { offsetMs: null });

let hub: Awaited<ReturnType<typeof createHub>>;
let clock: ManualClock;

const call = (method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) => callHub(hub, method, path, token, body, headers);

const op = (method: string, path: string, body?: unknown) => call(method, path, OPERATOR, body);
const camera = async (id: string) => (await op("GET", "/api/cameras")).body.cameras.find((c: { id: string }) => c.id === id);
const audit = async () => (await op("GET", "/api/audit")).body.entries as { action: string; target: string; actor: string; before: any; after: any }[];
const poll = (token: string, etag?: string) => call("POST", "/agent/v1/state", token, observed, etag ? { "if-none-match": etag } : {});

beforeEach(async () => {
  ({ hub, clock } = await inProcessHub(config, OPERATOR));
});

describe("register", () => {
  test("a new camera with its own coordinates, audited, the revision bumped; a token then gets its plan", async () => {
    const revision = await configRevision(hub.ctx.db);
    const res = await op("POST", "/api/cameras", {
      id: "north",
      name: "North ridge",
      latitude: 39.7,
      longitude: -105.4,
      timezone: "America/Denver",
      schedules: ["sunrise", "daytime"],
      deployed_profile: "f",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: "north", name: "North ridge", latitude: 39.7, mode: "autonomous", has_token: false, retired_at: null });
    expect(await configRevision(hub.ctx.db)).toBe(revision + 1);
    const [entry] = await audit();
    expect(entry).toMatchObject({ actor: "operator", action: "camera.register", target: "camera:north", before: null });
    expect(entry!.after.config.schedules).toEqual(["sunrise", "daytime"]);

    const token = (await op("POST", "/api/cameras/north/token")).body.token;
    const state = await poll(token);
    expect(state.status).toBe(200);
    expect(state.body.desired.camera).toEqual({ id: "north", latitude: 39.7, longitude: -105.4, timezone: "America/Denver" });
    expect(Object.keys(state.body.desired.schedules).sort()).toEqual(["daytime", "sunrise"]);
    expect(state.body.desired.assignment).toEqual({ profile_id: "f", version: "1.0.0" });
  });

  test("an existing id is a 409; bad input is a 422 naming the field; nothing is created or audited", async () => {
    const before = await audit();
    const dup = await op("POST", "/api/cameras", { id: "ridge", schedules: [] });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe("conflict");

    const unknown = await op("POST", "/api/cameras", { id: "north", schedules: ["sunrise", "sunset"] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe("body.schedules.1: unknown schedule 'sunset'");
    const profile = await op("POST", "/api/cameras", { id: "north", deployed_profile: "zz" });
    expect(profile.body.message).toBe("body.deployed_profile: unknown profile 'zz'");
    const half = await op("POST", "/api/cameras", { id: "north", latitude: 40 });
    expect(half.status).toBe(422);
    expect(half.body.message).toContain("body.longitude");
    const extra = await op("POST", "/api/cameras", { id: "north", colour: "red" });
    expect(extra.status).toBe(422);
    const badId = await op("POST", "/api/cameras", { id: "North Ridge" });
    expect(badId.status).toBe(422);
    expect(badId.body.message).toContain("body.id");
    expect((await call("POST", "/api/cameras", null, { id: "north" })).status).toBe(401);

    expect(await camera("north")).toBeUndefined();
    expect(await audit()).toEqual(before);
  });
});

describe("update", () => {
  test("own coordinates and schedules: the agent's next conditional poll gets the new state; audited before/after", async () => {
    const token = (await op("POST", "/api/cameras/ridge/token")).body.token;
    const first = await poll(token);
    const res = await op("PATCH", "/api/cameras/ridge", { latitude: 39.8, longitude: -105.5, timezone: "America/Denver", schedules: ["sunrise", "daytime"] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: "ridge", latitude: 39.8, longitude: -105.5, schedules: ["sunrise", "daytime"], deployed_profile: "f" });
    const next = await poll(token, first.body.etag);
    expect(next.status).toBe(200);
    expect(next.body.desired.camera.latitude).toBe(39.8);
    expect(Object.keys(next.body.desired.schedules).sort()).toEqual(["daytime", "sunrise"]);
    const [entry] = await audit();
    expect(entry).toMatchObject({ action: "camera.update", target: "camera:ridge" });
    expect(entry!.before.config).toEqual({ mode: "autonomous", schedules: ["sunrise"], deployed_profile: "f" });
    expect(entry!.after.config.latitude).toBe(39.8);

    // null gives the site's coordinates back.
    const reset = await op("PATCH", "/api/cameras/ridge", { latitude: null, longitude: null });
    expect(reset.body.latitude).toBeUndefined();
    expect((await poll(token, next.body.etag)).body.desired.camera.latitude).toBe(DENVER.latitude);
  });

  test("mode live: the camera's plan empties", async () => {
    const token = (await op("POST", "/api/cameras/ridge/token")).body.token;
    expect((await poll(token)).body.desired.plan.windows.length).toBeGreaterThan(0);
    expect((await op("PATCH", "/api/cameras/ridge", { mode: "live", host: "10.0.0.7", port: 8080 })).status).toBe(200);
    expect((await poll(token)).body.desired.plan.windows).toEqual([]);
  });

  test("image_sync: a change reaches the agent's next conditional poll (no 304); null goes back to the default; the same value again changes nothing", async () => {
    const token = (await op("POST", "/api/cameras/ridge/token")).body.token;
    const first = await poll(token);
    expect(first.body.desired.image_sync).toBeUndefined();
    const revision = await configRevision(hub.ctx.db);

    const thumbs = await op("PATCH", "/api/cameras/ridge", { image_sync: "thumbnails" });
    expect(thumbs.status).toBe(200);
    expect(thumbs.body.image_sync).toBe("thumbnails");
    expect(await configRevision(hub.ctx.db)).toBe(revision + 1);
    const second = await poll(token, first.body.etag);
    expect(second.status).toBe(200);
    expect(second.body.etag).not.toBe(first.body.etag);
    expect(second.body.desired.image_sync).toBe("thumbnails");
    expect((await poll(token, second.body.etag)).status).toBe(304);

    // By schedule, then the same policy again: nothing changes, nothing is audited, the agent keeps its 304.
    const third = await poll(token, (await op("PATCH", "/api/cameras/ridge", { image_sync: { schedules: ["sunrise"] } }), second.body.etag));
    expect(third.status).toBe(200);
    expect(third.body.desired.image_sync).toEqual({ schedules: ["sunrise"] });
    const entries = (await audit()).length;
    expect((await op("PATCH", "/api/cameras/ridge", { image_sync: { schedules: ["sunrise"] } })).status).toBe(200);
    expect((await audit()).length).toBe(entries);
    expect((await poll(token, third.body.etag)).status).toBe(304);

    // null: the field goes, and the desired state is the one the agent had before any policy.
    const reset = await op("PATCH", "/api/cameras/ridge", { image_sync: null });
    expect(reset.body.image_sync).toBeUndefined();
    const fourth = await poll(token, third.body.etag);
    expect(fourth.status).toBe(200);
    expect(fourth.body.desired.image_sync).toBeUndefined();
    expect(fourth.body.etag).toBe(first.body.etag);
    const [entry] = await audit();
    expect(entry).toMatchObject({ action: "camera.update", before: { config: { image_sync: { schedules: ["sunrise"] } } } });

    const bad = await op("PATCH", "/api/cameras/ridge", { image_sync: "some" });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain("image_sync");
  });

  test("a label change is audited but leaves the desired state (and revision) alone", async () => {
    const token = (await op("POST", "/api/cameras/ridge/token")).body.token;
    const first = await poll(token);
    const revision = await configRevision(hub.ctx.db);
    expect((await op("PATCH", "/api/cameras/ridge", { name: "Ridge", location: "north_ridge" })).body.name).toBe("Ridge");
    expect(await configRevision(hub.ctx.db)).toBe(revision);
    expect((await poll(token, first.body.etag)).status).toBe(304);
    expect((await audit())[0]!.action).toBe("camera.update");
  });

  test("bad changes are refused whole: unknown schedule, half a position, the profile, unknown fields, empty", async () => {
    const before = await camera("ridge");
    const entries = await audit();
    const revision = await configRevision(hub.ctx.db);
    const unknown = await op("PATCH", "/api/cameras/ridge", { name: "x", schedules: ["nope"] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe("body.schedules.0: unknown schedule 'nope'");
    const half = await op("PATCH", "/api/cameras/ridge", { latitude: 40 });
    expect(half.status).toBe(422);
    expect(half.body.message).toContain("latitude and longitude go together");
    const zone = await op("PATCH", "/api/cameras/ridge", { timezone: "Mars/Olympus" });
    expect(zone.body.message).toContain("body.timezone");
    const profile = await op("PATCH", "/api/cameras/ridge", { deployed_profile: "f" });
    expect(profile.status).toBe(422);
    const empty = await op("PATCH", "/api/cameras/ridge", {});
    expect(empty.status).toBe(422);
    expect(empty.body.message).toContain("nothing to change");
    expect((await op("PATCH", "/api/cameras/nope", { name: "x" })).status).toBe(404);
    expect(await camera("ridge")).toEqual(before);
    expect(await audit()).toEqual(entries);
    expect(await configRevision(hub.ctx.db)).toBe(revision);
  });
});

describe("retire", () => {
  test("keeps the records, revokes the token at once, shows retired_at, refuses further changes", async () => {
    const token = (await op("POST", "/api/cameras/ridge/token")).body.token;
    expect((await poll(token)).status).toBe(200);
    const up = await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records: [captureRecord(1), captureRecord(2)] });
    expect(up.body.accepted).toBe(2);
    const code = (await op("POST", "/api/cameras/ridge/enrollment")).body.code;
    const revision = await configRevision(hub.ctx.db);

    const res = await op("DELETE", "/api/cameras/ridge");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: "ridge", retired_at: "2026-11-24T12:00:00.000Z", has_token: false });
    expect(await configRevision(hub.ctx.db)).toBe(revision + 1);
    expect((await camera("ridge")).retired_at).toBe("2026-11-24T12:00:00.000Z");

    const refused = await poll(token);
    expect(refused.status).toBe(401);
    expect((await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records: [captureRecord(3)] })).status).toBe(401);
    expect((await op("GET", "/api/cameras/ridge/captures")).body.captures.length).toBe(2);
    // Its pending enrollment code went with it.
    expect((await call("POST", "/agent/v1/enroll", null, { camera_id: "ridge", code })).status).toBe(401);

    for (const [method, path, body] of [
      ["DELETE", "/api/cameras/ridge", undefined],
      ["PATCH", "/api/cameras/ridge", { name: "x" }],
      ["POST", "/api/cameras/ridge/token", undefined],
      ["POST", "/api/cameras/ridge/enrollment", undefined],
    ] as const) {
      const r = await op(method, path, body);
      expect(r.status).toBe(409);
      expect(r.body.message).toContain("retired");
    }
    expect((await op("POST", "/api/cameras", { id: "ridge" })).status).toBe(409);
    const [entry] = await audit();
    expect(entry).toMatchObject({ action: "camera.retire", target: "camera:ridge" });
    expect(entry!.before).toMatchObject({ has_token: true, retired_at: null });
    expect(entry!.after).toMatchObject({ has_token: false, retired_at: "2026-11-24T12:00:00.000Z" });
  });
});

describe("enrollment", () => {
  test("a one-time code: exchanged once for a working token; only its hash is stored; audited", async () => {
    const issued = await op("POST", "/api/cameras/ridge/enrollment");
    expect(issued.status).toBe(201);
    expect(issued.body.camera_id).toBe("ridge");
    expect(issued.body.code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
    expect(issued.body.expires_at).toBe("2026-11-25T12:00:00.000Z");
    const rows = await hub.ctx.db.select().from(enrollmentCodes);
    expect(rows.length).toBe(1);
    expect(JSON.stringify(rows)).not.toContain(issued.body.code);

    const res = await call("POST", "/agent/v1/enroll", null, { camera_id: "ridge", code: issued.body.code });
    expect(res.status).toBe(200);
    expect(res.body.camera_id).toBe("ridge");
    expect(res.body.token).toMatch(/^slk_/);
    expect((await poll(res.body.token)).status).toBe(200);
    expect((await camera("ridge")).has_token).toBe(true);

    const again = await call("POST", "/agent/v1/enroll", null, { camera_id: "ridge", code: issued.body.code });
    expect(again.status).toBe(401);
    expect(again.body.message).toContain("already used");
    expect((await poll(res.body.token)).status).toBe(200);

    const actions = (await audit()).map((e) => `${e.actor} ${e.action}`);
    expect(actions.slice(0, 2)).toEqual(["agent:ridge camera.enroll", "operator camera.enrollment_code"]);
    expect(JSON.stringify(await audit())).not.toContain(issued.body.code);
  });

  test("a code expires after 24 h (manual clock); the refusal changes nothing", async () => {
    const { code } = (await op("POST", "/api/cameras/ridge/enrollment")).body;
    clock.advance(24 * 3_600_000 - 1);
    clock.advance(1);
    const res = await call("POST", "/agent/v1/enroll", null, { camera_id: "ridge", code });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe("enrollment code expired at 2026-11-25T12:00:00.000Z; ask the operator for a new one");
    expect((await camera("ridge")).has_token).toBe(false);
    expect((await hub.ctx.db.select().from(enrollmentCodes))[0]!.usedAt).toBeNull();
  });

  test("just inside 24 h it still works, typed in lower case without dashes", async () => {
    const { code } = (await op("POST", "/api/cameras/ridge/enrollment")).body;
    clock.advance(24 * 3_600_000 - 1000);
    const res = await call("POST", "/agent/v1/enroll", null, { camera_id: "ridge", code: code.toLowerCase().replaceAll("-", "") });
    expect(res.status).toBe(200);
  });

  test("another camera's code is a 403 and leaves the code usable by its camera; a wrong code a 401", async () => {
    await op("POST", "/api/cameras", { id: "north", schedules: ["sunrise"] });
    const { code } = (await op("POST", "/api/cameras/north/enrollment")).body;
    const entries = (await audit()).length;
    const wrongCamera = await call("POST", "/agent/v1/enroll", null, { camera_id: "ridge", code });
    expect(wrongCamera.status).toBe(403);
    expect(wrongCamera.body.message).toContain("another camera");
    expect((await camera("ridge")).has_token).toBe(false);
    const wrong = await call("POST", "/agent/v1/enroll", null, { camera_id: "north", code: "AAAA-BBBB-CCCC-DDDD-EEEE" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toContain("not valid");
    const bad = await call("POST", "/agent/v1/enroll", null, { camera_id: "north" });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain("body.code");
    expect((await audit()).length).toBe(entries);
    expect((await call("POST", "/agent/v1/enroll", null, { camera_id: "north", code })).status).toBe(200);
  });

  test("a new code invalidates the older unused one", async () => {
    const older = (await op("POST", "/api/cameras/ridge/enrollment")).body.code;
    clock.advance(60_000);
    const newer = (await op("POST", "/api/cameras/ridge/enrollment")).body.code;
    expect(newer).not.toBe(older);
    const res = await call("POST", "/agent/v1/enroll", null, { camera_id: "ridge", code: older });
    expect(res.status).toBe(401);
    expect(res.body.message).toContain("replaced by a newer one");
    expect((await call("POST", "/agent/v1/enroll", null, { camera_id: "ridge", code: newer })).status).toBe(200);
  });

  test("an unknown camera: 404", async () => {
    expect((await op("POST", "/api/cameras/nope/enrollment")).status).toBe(404);
    expect((await call("POST", "/api/cameras/ridge/enrollment", null)).status).toBe(401);
  });
});

describe("revocation and rotation", () => {
  test("a revoked token stops at once, even between two polls of the same camera", async () => {
    const token = (await op("POST", "/api/cameras/ridge/token")).body.token;
    const first = await poll(token);
    expect((await poll(token, first.body.etag)).status).toBe(304);
    const res = await op("DELETE", "/api/cameras/ridge/token");
    expect(res.body).toEqual({ camera_id: "ridge", revoked: true, enrollment_codes_revoked: 0 });
    const after = await poll(token, first.body.etag);
    expect(after.status).toBe(401);
    expect(after.body.message).toContain("not valid");
    expect((await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records: [captureRecord(1)] })).status).toBe(401);
    expect((await camera("ridge")).has_token).toBe(false);
    const [entry] = await audit();
    expect(entry).toMatchObject({ action: "camera.token_revoke", before: { has_token: true }, after: { has_token: false } });
    // Nothing to revoke the second time: not audited again.
    expect((await op("DELETE", "/api/cameras/ridge/token")).body.revoked).toBe(false);
    expect((await audit())[0]!.action).toBe("camera.token_revoke");
    expect((await audit())[1]!.action).toBe("camera.token_issue");
  });

  test("rotation: the new token works, the old one stops; an enrollment code is revoked with the token", async () => {
    const old = (await op("POST", "/api/cameras/ridge/token")).body.token;
    const fresh = (await op("POST", "/api/cameras/ridge/token")).body.token;
    expect((await poll(old)).status).toBe(401);
    expect((await poll(fresh)).status).toBe(200);
    const { code } = (await op("POST", "/api/cameras/ridge/enrollment")).body;
    await op("DELETE", "/api/cameras/ridge/token");
    expect((await call("POST", "/agent/v1/enroll", null, { camera_id: "ridge", code })).status).toBe(401);
    expect((await op("DELETE", "/api/cameras/nope/token")).status).toBe(404);
  });
});

describe("OpenAPI", () => {
  test("GET /openapi/json needs no token and describes the main paths with their request schemas", async () => {
    const res = await call("GET", "/openapi/json", null);
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\.1/);
    for (const path of [
      "/health",
      "/agent/v1/state",
      "/agent/v1/captures",
      "/agent/v1/enroll",
      "/api/cameras",
      "/api/cameras/{id}",
      "/api/cameras/{id}/token",
      "/api/cameras/{id}/enrollment",
      "/api/cameras/{id}/captures",
      "/api/cameras/{id}/report",
      "/api/fleet",
      "/api/audit",
    ])
      expect(doc.paths).toHaveProperty([path]);
    const register = doc.paths["/api/cameras"].post.requestBody.content["application/json"].schema;
    expect(register.required).toEqual(["id"]);
    expect(register.properties.schedules.type).toBe("array");
    expect(register.properties.mode.enum).toEqual(["autonomous", "live"]);
    expect(register.additionalProperties).toBe(false);
    const patch = doc.paths["/api/cameras/{id}"].patch;
    expect(patch.parameters[0]).toMatchObject({ name: "id", in: "path", required: true });
    // null removes a field: the latitude takes a number or null.
    expect(JSON.stringify(patch.requestBody.content["application/json"].schema.properties.latitude)).toMatch(/"null"/);
    const state = doc.paths["/agent/v1/state"].post.requestBody.content["application/json"].schema;
    expect(state.properties).toHaveProperty("backlog");
    expect(state.properties).toHaveProperty("log_id");
    expect(doc.paths["/agent/v1/captures"].post.requestBody.content["application/json"].schema.properties.records.type).toBe("array");
    const enroll = doc.paths["/agent/v1/enroll"].post;
    expect(enroll.security).toEqual([]);
    expect(enroll.requestBody.content["application/json"].schema.required.sort()).toEqual(["camera_id", "code"]);
    const report = doc.paths["/api/cameras/{id}/report"].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    expect(report).toEqual(expect.arrayContaining(["path:id", "query:from", "query:to"]));
    expect(doc.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
  });
});

describe("operator CLI (its own process, against this hub on 127.0.0.1)", () => {
  let url: string;
  let server: ReturnType<typeof hub.app.listen>;

  beforeEach(async () => {
    server = hub.app.listen({ port: 0, hostname: "127.0.0.1" });
    url = `http://127.0.0.1:${server.server!.port}`;
  });
  afterEach(async () => {
    await hub.app.stop();
  });

  const cli = (args: string[], env: Record<string, string> = {}) => operatorCli({ url, token: OPERATOR }, args, env);

  test("cameras-add, -list, -update, -enroll, -revoke, -retire and audit: tables, --json, exit codes", async () => {
    const add = await cli(["cameras-add", "north", "--lat", "39.7", "--lon", "-105.4", "--tz", "America/Denver", "--schedules", "sunrise,daytime", "--profile", "f", "--name", "North"]);
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    expect(add.stdout).toContain("registered north");
    expect(add.stdout).toMatch(/position\s+39\.7000, -105\.4000 America\/Denver/);
    expect(add.stdout).toContain("next: skylapse cameras-enroll north");

    const dup = await cli(["cameras-add", "north"]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("hub refused (409)");
    const unknown = await cli(["cameras-add", "south", "--schedules", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("body.schedules.0: unknown schedule 'nope'");
    const badLat = await cli(["cameras-add", "south", "--lat", "high"]);
    expect(badLat.code).toBe(2);
    expect(badLat.stderr).toContain("--lat: 'high' is not a number");
    expect((await cli(["cameras-add", "south", "--mode", "fast"])).code).toBe(2);
    expect((await cli(["cameras-add"])).code).toBe(2);

    const list = await cli(["cameras-list"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^CAMERA\s+MODE\s+POSITION\s+ZONE\s+SCHEDULES\s+PROFILE\s+TOKEN\s+LAST CONTACT\s+STATUS$/);
    expect(lines[1]).toMatch(/^north\s+autonomous\s+39\.7000, -105\.4000\s+America\/Denver\s+sunrise,daytime\s+f\s+no\s+—\s+active$/);
    expect(lines[2]).toMatch(/^ridge\s+autonomous\s+site\s+site\s+sunrise\s+f\s+no/);
    const listJson = JSON.parse((await cli(["cameras-list", "--json"])).stdout);
    expect(listJson.cameras.map((c: { id: string }) => c.id)).toEqual(["north", "ridge"]);

    const update = await cli(["cameras-update", "north", "--tz", "none", "--mode", "live", "--host", "10.0.0.9", "--port", "8080"]);
    expect(update.code).toBe(0);
    expect(update.stdout).toMatch(/mode\s+live \(10\.0\.0\.9:8080\)/);
    expect((await camera("north")).timezone).toBeUndefined();
    const sync = await cli(["cameras-update", "north", "--image-sync", "schedules:sunrise"]);
    expect(sync.stdout).toMatch(/image sync\s+schedules:sunrise/);
    expect((await camera("north")).image_sync).toEqual({ schedules: ["sunrise"] });
    expect((await cli(["cameras-update", "north", "--image-sync", "none"])).stdout).toMatch(/image sync\s+all/);
    expect((await cli(["cameras-update", "north", "--image-sync", "some"])).code).toBe(2);
    expect((await cli(["cameras-update", "north"])).code).toBe(2);
    const badUpdate = await cli(["cameras-update", "north", "--lat", "91", "--lon", "0"]);
    expect(badUpdate.code).toBe(1);
    expect(badUpdate.stderr).toContain("body.latitude");

    const enroll = await cli(["cameras-enroll", "north"]);
    expect(enroll.code).toBe(0);
    const code = enroll.stdout.match(/code\s+(\S+)/)![1]!;
    expect(enroll.stdout).toMatch(/expires\s+2026-11-25 12:00:00Z/);
    expect(enroll.stdout).toContain(`SKYLAPSE_CAMERA_ID=north SKYLAPSE_ENROLLMENT_CODE=${code}`);
    const enrollJson = JSON.parse((await cli(["cameras-enroll", "north", "--json"])).stdout);
    expect(enrollJson).toMatchObject({ camera_id: "north", expires_at: "2026-11-25T12:00:00.000Z" });
    // The second code replaced the first.
    expect((await call("POST", "/agent/v1/enroll", null, { camera_id: "north", code })).status).toBe(401);
    const token = (await call("POST", "/agent/v1/enroll", null, { camera_id: "north", code: enrollJson.code })).body.token;
    expect((await poll(token)).status).toBe(200);
    expect((await cli(["cameras-enroll", "nope"])).code).toBe(1);

    const revoke = await cli(["cameras-revoke", "north"]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout.trim()).toBe("revoked north's token; its agent is refused from its next request");
    expect((await poll(token)).status).toBe(401);
    expect((await cli(["cameras-revoke", "north"])).stdout.trim()).toBe("north had no token to revoke");

    const retire = await cli(["cameras-retire", "north"]);
    expect(retire.code).toBe(0);
    expect(retire.stdout).toContain("retired north at 2026-11-24 12:00:00Z");
    const again = await cli(["cameras-retire", "north"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already retired");
    expect((await cli(["cameras-list"])).stdout).toMatch(/north .*retired 2026-11-24 12:00:00Z/);

    const auditTable = await cli(["audit", "--limit", "3"]);
    expect(auditTable.code).toBe(0);
    const auditLines = auditTable.stdout.trim().split("\n");
    expect(auditLines[0]).toMatch(/^\s*ID\s+AT\s+ACTOR\s+ACTION\s+TARGET\s+CHANGE$/);
    expect(auditLines[1]).toMatch(/camera\.retire\s+camera:north\s+.*retired_at: — → 2026-11-24T12:00:00\.000Z/);
    expect(auditLines[2]).toMatch(/camera\.token_revoke/);
    expect(auditLines[4]).toMatch(/^\(older: --before \d+\)$/);
    const auditJson = JSON.parse((await cli(["audit", "--json"])).stdout);
    expect(auditJson.entries.map((e: { action: string }) => e.action)).toEqual([
      "camera.retire",
      "camera.token_revoke",
      "camera.enroll",
      "camera.enrollment_code",
      "camera.enrollment_code",
      "camera.update",
      "camera.update",
      "camera.update",
      "camera.register",
    ]);
    expect(auditJson.entries.find((e: { action: string }) => e.action === "camera.update").after.config.mode).toBe("live");
    expect((await cli(["audit", "--limit", "0"])).code).toBe(2);
  }, 30_000); // a dozen CLI processes: more than the default 5 s on a loaded machine

  test("a missing token is exit 1 with the variable named; no hub is exit 3", async () => {
    const noToken = await cli(["cameras-list"], { SKYLAPSE_OPERATOR_TOKEN: "" });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain("(set SKYLAPSE_OPERATOR_TOKEN)");
    const away = await cli(["cameras-list"], { SKYLAPSE_HUB_URL: "http://127.0.0.1:9" });
    expect(away.code).toBe(3);
    expect(away.stderr).toContain("cannot reach the hub");
  });
});
