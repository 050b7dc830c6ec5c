/**
 * Bad input against every hub and edge endpoint, on a real hub process and a real
 * agent process (one of each for the whole file). Each refusal must be a clear 4xx
 * in the error shape `{error, message, detail}` whose message names the field or the
 * reason, and the state read back afterwards must not have moved: the hub's cameras,
 * every camera's held captures, the audit log, which agent tokens still work, the
 * agent's capture log and its current profile.
 *
 * The matrix is tables of cases, one `test` per row:
 *   auth            every route × {no token, wrong token, not a Bearer, another role's token}
 *   agent protocol  /agent/v1/state and /agent/v1/captures × {bad JSON, wrong types, out of
 *                   range, unknown fields, path traversal in image.file / test_id}
 *   upload rules    camera isolation, replays, out-of-order and gapped seqs, conflicts
 *   operator reads  captures / report / token / audit / timelapses × {bad limit (hex, exponent,
 *                   sign, empty), bad dates, bad cursor, from ≥ to, unknown params, unknown and
 *                   malformed camera ids}
 *   operator writes a camera host with CR/LF, spaces or NUL (PATCH, register, config apply)
 *   image chunks    ?offset= empty, hex, exponent, negative
 *   edge writes     technician token × every write; bodies of /capture, /capture-bracket,
 *                   /profile/deploy, /focus-test (hdr_mode among them)
 *   edge reads      bad query params; encoded ../ in /captures/{id}/… and /images/profile-{p}/…
 *   body limits     just over 8 MiB (hub) and 1 MiB (edge), at the limit, deep nesting
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { DEFAULT_SETTINGS } from "../../shared/contracts/settings";
import type { CaptureRecord, ObservedState } from "../../shared/contracts/sync";
import { captureRecord, observedState } from "../harness/fixtures";
import { sharedClock, startAgent, startHub, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";

const OPERATOR = "bad-input-operator-token-0123456789";
const TECHNICIAN = "bad-input-technician-token-0123456789";
const HUB_LIMIT = 8 * 1024 * 1024;
const EDGE_LIMIT = 1024 * 1024;

/** Three cameras: two the tests speak for with their own tokens, one run by the real agent. */
const config = {
  location: DENVER,
  // One short window at 03:00 local: the clock below starts at noon, so the agent takes no capture of its own.
  schedules: { night: { type: "time_of_day", start_time: "03:00", end_time: "03:05", interval_seconds: 60, enabled: true } },
  cameras: {
    cam_a: { deployed_profile: "f", schedules: ["night"] },
    cam_b: { deployed_profile: "g", schedules: ["night"] },
    edge_cam: { deployed_profile: "f", schedules: ["night"] },
  },
  profiles: { f: { base: { metering: "spot", ev: 0.7 } }, g: { base: { metering: "matrix", ev: -0.3 } } },
  sync: { poll_interval_seconds: 30, plan_days: 2 },
};

/** A valid seed-form profile, deployed by hand on the agent at the start so a refused write has something to protect. */
const localProfile = {
  profile_id: "ridge_local",
  version: "1.0.0",
  settings: { base: { ae_metering_mode: 1, exposure_compensation: 0.7, awb_mode: 1 }, schedule_overrides: { night: { exposure_compensation: 0.9 } } },
};

let hub: StartedHub;
let agent: StartedAgent;
const tokens = { cam_a: "", cam_b: "", edge_cam: "" };

beforeAll(async () => {
  const clock = sharedClock("2026-11-24T12:00:00-07:00", 1, 500);
  hub = await startHub({ config, clock, operatorToken: OPERATOR });
  for (const id of ["cam_a", "cam_b", "edge_cam"] as const) tokens[id] = (await hub.json(`/api/cameras/${id}/token`, { method: "POST" })).token;
  agent = await startAgent({
    cameraId: "edge_cam",
    hub,
    token: tokens.edge_cam,
    clock,
    env: { SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_EDGE_TOKEN: TECHNICIAN },
  });
  for (const id of ["cam_a", "cam_b", "edge_cam"] as const) expect((await upload(id, sentinel(id))).json).toMatchObject({ accepted: 1 });
  await waitFor("the agent's first sync", async () => (await agent.json("/status")).hub?.last_sync_at, 15_000, 50);
  const res = await fetch(agent.url + "/profile/deploy", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TECHNICIAN}` },
    body: JSON.stringify(localProfile),
  });
  expect(res.status).toBe(200);
}, 30_000);

afterAll(async () => {
  await Promise.all([agent?.stop(true), hub?.stop(true)]);
});

// ---------------------------------------------------------------------------------------------
// Requests and the state read back

type Target = "hub" | "edge";
/** Who signs the request: a symbolic name, resolved when the request is sent (tokens exist only then). */
type Who = "none" | "wrong" | "not_bearer" | "operator" | "cam_a" | "cam_b" | "edge_cam" | "technician";

function authorization(who: Who): string | undefined {
  switch (who) {
    case "none":
      return undefined;
    case "wrong":
      return "Bearer slk_not-a-token-anyone-was-given-0123456789";
    case "not_bearer":
      return `Basic ${btoa(`operator:${OPERATOR}`)}`;
    case "operator":
      return `Bearer ${OPERATOR}`;
    case "technician":
      return `Bearer ${TECHNICIAN}`;
    default:
      return `Bearer ${tokens[who]}`;
  }
}

interface Request {
  target: Target;
  method: string;
  path: string;
  who: Who;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  raw?: string;
  /** Default application/json when there is a body; null sends none. */
  contentType?: string | null;
}

interface Answer {
  status: number;
  text: string;
  json: any;
  contentType: string | null;
}

async function send(r: Request): Promise<Answer> {
  const headers: Record<string, string> = {};
  const auth = authorization(r.who);
  if (auth) headers.authorization = auth;
  const body = r.raw ?? (r.body === undefined ? undefined : JSON.stringify(r.body));
  if (body !== undefined && r.contentType !== null) headers["content-type"] = r.contentType ?? "application/json";
  const res = await fetch((r.target === "hub" ? hub.url : agent.url) + r.path, { method: r.method, headers, body });
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, text, json, contentType: res.headers.get("content-type") };
}

/** One record per camera, uploaded at the start: replaying it tells whether a token still works, and changes nothing. */
const sentinel = (camera: keyof typeof tokens) => ({ log_id: `sentinel-${camera}`, records: [record(`sentinel-${camera}`, 1, { cam_a: 1, cam_b: 2, edge_cam: 3 }[camera])] });

/** Does the hub still take this camera's token? */
async function tokenWorks(camera: keyof typeof tokens): Promise<boolean> {
  const res = await send({ target: "hub", method: "POST", path: "/agent/v1/captures", who: camera, body: sentinel(camera) });
  if (res.status !== 200 && res.status !== 401) throw new Error(`replaying the sentinel of ${camera}: ${res.status} ${res.text}`);
  return res.status === 200;
}

/** Everything a refused request must leave as it was. */
async function snapshot() {
  const cameras = (await hub.json("/api/cameras")).cameras.map((c: any) =>
    // The real agent keeps polling: its contact time and report move on their own.
    c.id === "edge_cam" ? { ...c, last_contact_at: "(polled by the agent)", observed: "(reported by the agent)" } : c,
  );
  const held: Record<string, unknown[]> = {};
  for (const id of ["cam_a", "cam_b", "edge_cam"]) held[id] = (await hub.json(`/api/cameras/${id}/captures?limit=10000`)).captures;
  const audit = await hub.api("/api/audit?limit=1000");
  return {
    cameras,
    held,
    timelapses: (await hub.json("/api/timelapses")).timelapses,
    audit: audit.ok ? await audit.json() : `(no audit: ${audit.status})`,
    tokens: { cam_a: await tokenWorks("cam_a"), cam_b: await tokenWorks("cam_b"), edge_cam: await tokenWorks("edge_cam") },
    edge: {
      captures: await agent.json("/captures?limit=1000"),
      profile: await agent.json("/profile/current"),
    },
  };
}

const ERROR_CODE: Record<number, string> = { 400: "bad_json", 401: "unauthorized", 404: "not_found", 409: "conflict", 422: "invalid_request" };

interface Refusal extends Request {
  name: string;
  /** The status expected; a list when more than one answer is right. */
  status: number | number[];
  /** Each must appear in `message` (the field, the value or the reason). */
  says: (string | RegExp)[];
  /** The error code, where it is not the usual one for the status. */
  error?: string;
}

/**
 * Sends a request that must be refused, then checks in this order: the state did not
 * move, both processes still answer, the status, and the error shape naming the problem.
 */
async function expectRefused(c: Refusal, meanwhile?: () => Promise<unknown>): Promise<Answer> {
  const before = await snapshot();
  const [res] = await Promise.all([send(c), meanwhile?.()]);
  expect(await snapshot()).toEqual(before);
  expect((await fetch(hub.url + "/health")).status).toBe(200);
  expect((await fetch(agent.url + "/health")).status).toBe(200);
  const wanted = Array.isArray(c.status) ? c.status : [c.status];
  // The whole answer in the failure message, not just its status.
  if (!wanted.includes(res.status)) throw new Error(`expected ${wanted.join(" or ")}, got ${res.status}: ${res.text.slice(0, 600) || "(empty body)"}`);
  expect(res.contentType ?? "").toContain("application/json");
  // (typeof, not toMatchObject with expect.any: in this Bun that matcher overwrites the fields it matched)
  expect({ error: typeof res.json?.error, message: typeof res.json?.message }).toEqual({ error: "string", message: "string" });
  if (c.error ?? ERROR_CODE[res.status]) expect(res.json.error).toBe(c.error ?? ERROR_CODE[res.status]);
  expect(res.json.detail).toBe(res.json.message);
  for (const s of c.says) {
    if (typeof s === "string") expect(res.json.message).toContain(s);
    else expect(res.json.message).toMatch(s);
  }
  return res;
}

/** Render requests that must queue nothing. */
function timelapseRequests(): Refusal[] {
  const render = (name: string, body: unknown, says: string[], status = 422): Refusal => ({ name: `render: ${name}`, target: "hub", method: "POST", path: "/api/timelapses", who: "operator", body, status, says });
  const range = { from: FROM, to: TO };
  return [
    render("no camera", range, ["camera_id"]),
    render("camera_id and camera_ids", { camera_id: "cam_a", camera_ids: ["cam_a", "cam_b"], ...range }, ["camera_id"]),
    render("an unknown camera", { camera_id: "nope", ...range }, ["nope"]),
    render("a camera twice in a grid", { camera_ids: ["cam_a", "cam_a"], ...range }, ["camera_ids"]),
    render("ten cameras in a grid", { camera_ids: Array.from({ length: 10 }, (_, i) => `c${i}`), ...range }, ["camera_ids"]),
    render("from after to", { camera_id: "cam_a", from: TO, to: FROM }, ["to"]),
    render("a range of 40 days", { camera_id: "cam_a", from: "2026-10-15T00:00:00Z", to: TO }, ["31 days"]),
    render("fps 0", { camera_id: "cam_a", ...range, fps: 0 }, ["fps"]),
    render("crf 52", { camera_id: "cam_a", ...range, crf: 52 }, ["crf"]),
    render("an unknown deflicker", { camera_id: "cam_a", ...range, deflicker: "magic" }, ["deflicker"]),
    render("an unknown profile", { camera_id: "cam_a", ...range, profile_id: "nope" }, ["nope"]),
    render("an unknown field", { camera_id: "cam_a", ...range, speed: 2 }, ["speed"]),
    { name: "timelapses limit 0", target: "hub", method: "GET", path: "/api/timelapses?limit=0", who: "operator", status: 422, says: ["query.limit"] },
    { name: "timelapses of a bad status", target: "hub", method: "GET", path: "/api/timelapses?status=lost", who: "operator", status: 422, says: ["query.status"] },
    { name: "a timelapse id with encoded ../", target: "hub", method: "GET", path: "/api/timelapses/..%2F..%2Fhub.sqlite/video", who: "operator", status: 422, says: ["params.id"] },
    { name: "an unknown timelapse", target: "hub", method: "POST", path: "/api/timelapses/tl_nothere/cancel", who: "operator", status: 404, says: ["tl_nothere"] },
  ];
}

function table(cases: Refusal[]) {
  for (const c of cases) test(`${c.method} ${c.target} ${c.path.length > 70 ? c.path.slice(0, 70) + "…" : c.path} — ${c.name}`, () => expectRefused(c) as Promise<unknown>);
}

// ---------------------------------------------------------------------------------------------
// Records

/** A record of log `log` whose tick is `tick` (13:30Z + tick·15 s): every test picks ticks of its own. */
function record(log: string, seq: number, tick: number, overrides: Partial<CaptureRecord> = {}): CaptureRecord {
  return captureRecord(seq, { id: `${log}-${seq}`, schedule: "night", ...overrides }, tick);
}
const batch = (log: string, records: CaptureRecord[]) => ({ log_id: log, records });
const upload = (who: Who, body: unknown) => send({ target: "hub", method: "POST", path: "/agent/v1/captures", who, body });
const heldBy = async (camera: string): Promise<any[]> => (await hub.json(`/api/cameras/${camera}/captures?limit=10000`)).captures;

/** A valid record for the validation rows, at ticks no other test uses; none of these rows may store it. */
const valid = (overrides: Partial<CaptureRecord> = {}) => record("val", 1, 10_001, overrides);
const validImage = valid().image!;
const poll = (overrides: Partial<ObservedState> = {}) => observedState({ agent_version: "bad-input", log_id: "poll-log", ...overrides });

const FROM = "2026-11-24T00:00:00Z";
const TO = "2026-11-25T00:00:00Z";
const b64 = (s: string) => Buffer.from(s).toString("base64url");

// ---------------------------------------------------------------------------------------------

describe("auth: every route refuses a missing, wrong or foreign credential (401)", () => {
  const agentRoutes: Omit<Refusal, "name" | "who" | "status" | "says">[] = [
    { target: "hub", method: "POST", path: "/agent/v1/state", body: poll() },
    { target: "hub", method: "POST", path: "/agent/v1/captures", body: batch("auth", [record("auth", 1, 20_001)]) },
  ];
  const operatorRoutes: Omit<Refusal, "name" | "who" | "status" | "says">[] = [
    { target: "hub", method: "GET", path: "/api/cameras" },
    { target: "hub", method: "POST", path: "/api/cameras/cam_a/token" },
    { target: "hub", method: "GET", path: `/api/cameras/cam_a/captures?from=${FROM}&to=${TO}` },
    { target: "hub", method: "GET", path: `/api/cameras/cam_a/report?from=${FROM}&to=${TO}` },
    { target: "hub", method: "GET", path: `/api/cameras/cam_a/plan?from=${FROM}&to=${TO}` },
    { target: "hub", method: "GET", path: "/api/fleet" },
    { target: "hub", method: "GET", path: "/api/live" },
    { target: "hub", method: "GET", path: "/api/audit" },
    { target: "hub", method: "GET", path: "/api/timelapses" },
    { target: "hub", method: "POST", path: "/api/timelapses", body: { camera_id: "cam_a", from: FROM, to: TO } },
    { target: "hub", method: "GET", path: "/api/timelapses/tl_abc/video" },
    { target: "hub", method: "DELETE", path: "/api/timelapses/tl_abc" },
  ];
  // Every body and query here is valid: the credential is the only thing wrong.
  const edgeWrites: Omit<Refusal, "name" | "who" | "status" | "says">[] = [
    { target: "edge", method: "POST", path: "/capture", body: { iso: 100, shutter_speed: "1/500" } },
    { target: "edge", method: "POST", path: "/capture", body: { use_deployed_profile: true } },
    { target: "edge", method: "POST", path: "/capture-bracket", body: {} },
    { target: "edge", method: "POST", path: "/profile/deploy", body: { ...localProfile, profile_id: "intruder" } },
    { target: "edge", method: "DELETE", path: "/profile/current" },
    { target: "edge", method: "POST", path: "/sync" },
    { target: "edge", method: "POST", path: "/focus-test?lens_position=2" },
    { target: "edge", method: "POST", path: "/focus-test/auto" },
  ];
  table([
    ...agentRoutes.flatMap((r): Refusal[] => [
      { ...r, name: "no token", who: "none", status: 401, says: ["token is required"] },
      { ...r, name: "wrong token", who: "wrong", status: 401, says: ["token is not valid"] },
      { ...r, name: "not a Bearer token", who: "not_bearer", status: 401, says: ["token is required"] },
      { ...r, name: "the operator token", who: "operator", status: 401, says: ["agent token is not valid"] },
    ]),
    ...operatorRoutes.flatMap((r): Refusal[] => [
      { ...r, name: "no token", who: "none", status: 401, says: ["operator bearer token is required"] },
      { ...r, name: "wrong token", who: "wrong", status: 401, says: ["operator token is not valid"] },
      { ...r, name: "not a Bearer token", who: "not_bearer", status: 401, says: ["operator bearer token is required"] },
      { ...r, name: "cam_a's own agent token", who: "cam_a", status: 401, says: ["operator token is not valid"] },
    ]),
    ...edgeWrites.flatMap((r): Refusal[] => [
      { ...r, name: "no technician token", who: "none", status: 401, says: ["SKYLAPSE_EDGE_TOKEN"] },
      { ...r, name: "wrong technician token", who: "wrong", status: 401, says: ["technician token is not valid"] },
      { ...r, name: "the camera's agent token", who: "edge_cam", status: 401, says: ["technician token is not valid"] },
      { ...r, name: "the hub's operator token", who: "operator", status: 401, says: ["technician token is not valid"] },
    ]),
  ]);

  test("the edge's reads stay open without the technician token", async () => {
    for (const path of ["/health", "/status", "/captures", "/profile/current", "/plan"]) expect((await send({ target: "edge", method: "GET", path, who: "none" })).status).toBe(200);
  });
});

describe("auth comes before validation: an unauthenticated caller learns nothing about the schema (401)", () => {
  // Elysia validates params/query/body before onBeforeHandle/resolve run, where the auth checks are.
  table([
    { name: "no token, empty batch", target: "hub", method: "POST", path: "/agent/v1/captures", who: "none", body: {}, status: 401, says: ["token"] },
    { name: "wrong token, no body", target: "hub", method: "POST", path: "/agent/v1/state", who: "wrong", status: 401, says: ["token"] },
    { name: "no token, malformed JSON", target: "hub", method: "POST", path: "/agent/v1/captures", who: "none", raw: "{nope", status: 401, says: ["token"] },
    { name: "no token, limit=0", target: "hub", method: "GET", path: "/api/cameras/cam_a/captures?limit=0", who: "none", status: 401, says: ["token"] },
    { name: "no token, no range", target: "hub", method: "GET", path: "/api/cameras/cam_a/report", who: "none", status: 401, says: ["token"] },
    { name: "agent token, malformed camera id", target: "hub", method: "POST", path: "/api/cameras/CAM_A/token", who: "cam_a", status: 401, says: ["token"] },
    { name: "no technician token, empty deploy", target: "edge", method: "POST", path: "/profile/deploy", who: "none", body: {}, status: 401, says: ["SKYLAPSE_EDGE_TOKEN"] },
    { name: "no technician token, no lens position", target: "edge", method: "POST", path: "/focus-test", who: "none", status: 401, says: ["SKYLAPSE_EDGE_TOKEN"] },
  ]);
});

describe("POST /agent/v1/captures: malformed, mistyped, out-of-range, unknown and traversing input (cam_a's token)", () => {
  const up = (name: string, body: unknown, says: string[], status = 422): Refusal => ({ name, target: "hub", method: "POST", path: "/agent/v1/captures", who: "cam_a", body, status, says });
  const raw = (name: string, raw: string, says: string[], status: number | number[] = 400, contentType?: string): Refusal => ({ name, target: "hub", method: "POST", path: "/agent/v1/captures", who: "cam_a", raw, contentType, status, says });
  table([
    raw("malformed JSON", '{"log_id": "val", "records": [', ["not valid JSON"]),
    raw("JSON null", "null", ["body"], 422),
    raw("a JSON array", "[]", ["body", "expected object"], 422),
    raw("JSON sent as text/plain", JSON.stringify(batch("val", [valid()])), ["body"], 422, "text/plain"),
    up("no log_id", { records: [valid()] }, ["body.log_id"]),
    up("empty log_id", batch("", [valid()]), ["body.log_id"]),
    up("log_id over 64 characters", batch("x".repeat(65), [valid()]), ["body.log_id"]),
    up("no records", batch("val", []), ["body.records"]),
    up("501 records (at most 500)", batch("val", Array.from({ length: 501 }, (_, i) => record("val", i + 1, 11_000 + i))), ["body.records", "500"]),
    up("a seq twice in one batch", batch("val", [valid(), record("val", 1, 10_002, { id: "val-other" })]), ["body.records.1.seq", "appears twice"]),
    up("seq as a string", batch("val", [valid({ seq: "1" as never })]), ["body.records.0.seq", "expected number"]),
    up("seq 0", batch("val", [valid({ seq: 0 })]), ["body.records.0.seq"]),
    up("negative seq", batch("val", [valid({ seq: -3 })]), ["body.records.0.seq"]),
    up("fractional seq", batch("val", [valid({ seq: 1.5 })]), ["body.records.0.seq"]),
    up("seq beyond 2^53", batch("val", [valid({ seq: 2 ** 60 })]), ["body.records.0.seq"]),
    up("planned_at not a time", batch("val", [valid({ planned_at: "yesterday" })]), ["body.records.0.planned_at"]),
    up("planned_at on 30 February", batch("val", [valid({ planned_at: "2026-02-30T13:30:00Z" })]), ["body.records.0.planned_at"]),
    up("planned_at without a zone", batch("val", [valid({ planned_at: "2026-11-24T13:30:00" })]), ["body.records.0.planned_at"]),
    up("unknown outcome", batch("val", [valid({ outcome: "exploded" as never })]), ["body.records.0.outcome"]),
    up("unknown reason_code", batch("val", [valid({ reason_code: "gremlins" as never })]), ["body.records.0.reason_code"]),
    up("clock_trusted as a string", batch("val", [valid({ clock_trusted: "yes" as never })]), ["body.records.0.clock_trusted"]),
    up("negative monotonic_ms", batch("val", [valid({ monotonic_ms: -1 })]), ["body.records.0.monotonic_ms"]),
    up("reason over 500 characters", batch("val", [valid({ reason: "x".repeat(501) })]), ["body.records.0.reason"]),
    up("unknown test_role", batch("val", [valid({ test_id: "t1", test_role: "control" as never })]), ["body.records.0.test_role"]),
    up("an unknown top-level field (camera_id: cam_b)", { ...batch("val", [valid()]), camera_id: "cam_b" }, ["camera_id"]),
    up("an unknown record field (camera_id: cam_b)", batch("val", [{ ...valid(), camera_id: "cam_b" } as never]), ["body.records.0", "camera_id"]),
    up("image.file with ../", batch("val", [valid({ image: { ...validImage, file: "../../hub.sqlite" } })]), ["body.records.0.image.file", ".."]),
    up("image.file with ../ in the middle", batch("val", [valid({ image: { ...validImage, file: "2026-11-24/night/../../../etc/passwd" } })]), ["body.records.0.image.file", ".."]),
    up("image.file absolute", batch("val", [valid({ image: { ...validImage, file: "/etc/passwd" } })]), ["body.records.0.image.file"]),
    up("image.file with a backslash", batch("val", [valid({ image: { ...validImage, file: "2026-11-24\\..\\x.jpg" } })]), ["body.records.0.image.file"]),
    up("image.file with a NUL", batch("val", [valid({ image: { ...validImage, file: "2026-11-24/x.jpg\u0000.png" } })]), ["body.records.0.image.file"]),
    up("image.sha256 not hex", batch("val", [valid({ image: { ...validImage, sha256: "z".repeat(64) } })]), ["body.records.0.image.sha256"]),
    up("image.frames 6 (at most 5)", batch("val", [valid({ image: { ...validImage, frames: 6 } })]), ["body.records.0.image.frames"]),
    up("image.width 0", batch("val", [valid({ image: { ...validImage, width: 0 } })]), ["body.records.0.image.width"]),
    up("settings.ev 50 (at most 4)", batch("val", [valid({ settings: { ...DEFAULT_SETTINGS, ev: 50 } })]), ["body.records.0.settings.ev"]),
    up("one good record and one bad: the whole batch is refused", batch("val", [record("val", 1, 10_003), record("val", 2, 10_004, { outcome: "exploded" as never })]), ["body.records.1.outcome"]),
    // The agent names a test's folder after its test_id (date/schedule/profile/tests/TEST_ID/…): the seed API refuses '..'.
    // (ids, seqs and ticks of their own: while the hub takes these, one must not turn the next into a duplicate)
    up("test_id with ..", batch("val", [record("val", 7, 10_007, { test_id: "../../../etc", test_role: "variant" })]), ["body.records.0.test_id"]),
    up("test_id with a slash", batch("val", [record("val", 8, 10_008, { test_id: "a/b", test_role: "variant" })]), ["body.records.0.test_id"]),
  ]);
});

describe("POST /agent/v1/state: a bad report is refused and recorded nowhere (cam_a's token)", () => {
  const st = (name: string, body: unknown, says: string[], status = 422): Refusal => ({ name, target: "hub", method: "POST", path: "/agent/v1/state", who: "cam_a", body, status, says });
  table([
    { name: "malformed JSON", target: "hub", method: "POST", path: "/agent/v1/state", who: "cam_a", raw: "{", status: 400, says: ["not valid JSON"] },
    { name: "no body", target: "hub", method: "POST", path: "/agent/v1/state", who: "cam_a", status: 422, says: ["body"] },
    st("backlog -1", poll({ backlog: -1 }), ["body.backlog"]),
    st("last_seq as a string", poll({ last_seq: "3" as never }), ["body.last_seq"]),
    st("last_capture_at not a time", poll({ last_capture_at: "noon" }), ["body.last_capture_at"]),
    st("unknown clock source", poll({ clock: { ...poll().clock, source: "sundial" as never } }), ["body.clock.source"]),
    st("disk percent 101", poll({ disk: { used_bytes: 1, free_bytes: 1, total_bytes: 2, images_bytes: 0, budget_bytes: null, percent: 101, warning: true } }), ["body.disk.percent"]),
    st("51 incidents (at most 50)", poll({ incidents: Array.from({ length: 51 }, () => ({ kind: "disk_full" as const, at: "2026-11-24T12:00:00Z", detail: "x" })) }), ["body.incidents"]),
    st("unknown incident kind", poll({ incidents: [{ kind: "meteor" as never, at: "2026-11-24T12:00:00Z", detail: "x" }] }), ["body.incidents.0.kind"]),
    st("agent_version over 64 characters", poll({ agent_version: "v".repeat(65) }), ["body.agent_version"]),
    st("asking for another camera (camera_id: cam_b)", { ...poll(), camera_id: "cam_b" }, ["camera_id"]),
  ]);
});

describe("a camera's token speaks only for that camera", () => {
  test("A's poll returns A's desired state, whatever the request says; B's returns B's", async () => {
    const a = await send({ target: "hub", method: "POST", path: "/agent/v1/state?camera_id=cam_b&camera=cam_b", who: "cam_a", body: poll() });
    const b = await send({ target: "hub", method: "POST", path: "/agent/v1/state", who: "cam_b", body: poll() });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.json.desired.camera.id).toBe("cam_a");
    expect(a.json.desired.assignment.profile_id).toBe("f");
    expect(a.json.desired.profiles.map((p: { profile_id: string }) => p.profile_id)).toEqual(["f"]);
    expect(b.json.desired.camera.id).toBe("cam_b");
    expect(b.json.desired.assignment.profile_id).toBe("g");
    expect(a.json.etag).not.toBe(b.json.etag);
    // B's ETag from A is not a match: A still gets its own state, never a 304 on B's.
    const cross = await send({ target: "hub", method: "POST", path: "/agent/v1/state", who: "cam_a", body: poll() });
    expect(cross.json.desired.camera.id).toBe("cam_a");
    const withBEtag = await fetch(hub.url + "/agent/v1/state", {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.cam_a}`, "content-type": "application/json", "if-none-match": b.json.etag },
      body: JSON.stringify(poll()),
    });
    expect(withBEtag.status).toBe(200);
    expect((await withBEtag.json()).desired.camera.id).toBe("cam_a");
    // Each poll is recorded under its own camera only.
    const cams = (await hub.json("/api/cameras")).cameras;
    expect(cams.find((c: any) => c.id === "cam_a").observed.agent_version).toBe("bad-input");
    expect(cams.find((c: any) => c.id === "cam_b").observed.agent_version).toBe("bad-input");
  });

  test("a record uploaded with A's token lands under A only; B cannot claim it (409, nothing changes)", async () => {
    const rec = record("iso", 1, 30_001);
    const res = await upload("cam_a", batch("iso", [rec]));
    expect(res.json).toEqual({ accepted: 1, duplicates: 0, contiguous_through: 1, gaps: [] });
    expect((await heldBy("cam_a")).filter((c) => c.id === rec.id)).toHaveLength(1);
    expect((await heldBy("cam_b")).some((c) => c.id === rec.id)).toBe(false);
    expect((await heldBy("edge_cam")).some((c) => c.id === rec.id)).toBe(false);
    // The same record, byte for byte, under B's token: its id names A's record.
    await expectRefused({ name: "B replays A's record", target: "hub", method: "POST", path: "/agent/v1/captures", who: "cam_b", body: batch("iso", [rec]), status: 409, says: [rec.id, "its id names another record"] });
    // Under another tick too.
    await expectRefused({ name: "B reuses A's id", target: "hub", method: "POST", path: "/agent/v1/captures", who: "cam_b", body: batch("iso-b", [record("iso", 1, 30_002)]), status: 409, says: [rec.id] });
    expect((await heldBy("cam_b")).some((c) => c.id === rec.id)).toBe(false);
  });
});

describe("upload rules: replays, out-of-order and gapped seqs, conflicts (one log, step by step)", () => {
  const LOG = "gappy";
  const r = (seq: number, overrides: Partial<CaptureRecord> = {}) => record(LOG, seq, 40_000 + seq, overrides);
  // Each step runs after the previous one; `held` is the log's seqs the hub holds afterwards.
  const steps: { name: string; records: CaptureRecord[]; status: number; answer?: object; says?: string[]; held: number[] }[] = [
    { name: "out of order, with a gap: 5, 1, 2", records: [r(5), r(1), r(2)], status: 200, answer: { accepted: 3, duplicates: 0, contiguous_through: 2, gaps: [[3, 4]] }, held: [1, 2, 5] },
    { name: "4 arrives: the gap shrinks", records: [r(4)], status: 200, answer: { accepted: 1, duplicates: 0, contiguous_through: 2, gaps: [[3, 3]] }, held: [1, 2, 4, 5] },
    { name: "a replay of 5 and 1: duplicates, nothing stored twice", records: [r(5), r(1)], status: 200, answer: { accepted: 0, duplicates: 2, contiguous_through: 2, gaps: [[3, 3]] }, held: [1, 2, 4, 5] },
    {
      name: "a different record under held seq 2, beside the missing 3 and a new 6: 409, the whole batch refused",
      records: [r(3), r(2, { id: "impostor-2" }), r(6)],
      status: 409,
      says: ["impostor-2", "seq 2", LOG],
      held: [1, 2, 4, 5],
    },
    {
      name: "held seq 4 with another id at another tick: 409",
      records: [record(LOG, 4, 40_099, { id: "impostor-4" })],
      status: 409,
      says: ["impostor-4", "seq 4"],
      held: [1, 2, 4, 5],
    },
    { name: "3 arrives: the gap closes", records: [r(3)], status: 200, answer: { accepted: 1, duplicates: 0, contiguous_through: 5, gaps: [] }, held: [1, 2, 3, 4, 5] },
    { name: "the whole log replayed: all duplicates", records: [1, 2, 3, 4, 5].map((s) => r(s)), status: 200, answer: { accepted: 0, duplicates: 5, contiguous_through: 5, gaps: [] }, held: [1, 2, 3, 4, 5] },
    { name: "a far jump: 9 leaves 6–8 as a gap", records: [r(9)], status: 200, answer: { accepted: 1, duplicates: 0, contiguous_through: 5, gaps: [[6, 8]] }, held: [1, 2, 3, 4, 5, 9] },
  ];
  for (const step of steps)
    test(step.name, async () => {
      if (step.status === 200) {
        const res = await upload("cam_a", batch(LOG, step.records));
        expect({ status: res.status, body: res.json }).toEqual({ status: 200, body: step.answer });
      } else await expectRefused({ name: step.name, target: "hub", method: "POST", path: "/agent/v1/captures", who: "cam_a", body: batch(LOG, step.records), status: step.status, says: step.says ?? [] });
      const mine = (await heldBy("cam_a")).filter((c) => c.log_id === LOG);
      expect(mine.map((c) => c.seq).sort((a: number, b: number) => a - b)).toEqual(step.held);
      expect(new Set(mine.map((c) => c.id)).size).toBe(mine.length);
      expect(mine.every((c) => c.id === `${LOG}-${c.seq}`)).toBe(true);
    });
});

describe("operator reads: bad query parameters and camera ids", () => {
  const get = (name: string, path: string, status: number, says: string[]): Refusal => ({ name, target: "hub", method: "GET", path, who: "operator", status, says });
  const captures = (q: string) => `/api/cameras/cam_a/captures?${q}`;
  const report = (q: string) => `/api/cameras/cam_a/report?${q}`;
  table([
    get("limit 0", captures("limit=0"), 422, ["query.limit"]),
    get("limit 10001 (at most 10000)", captures("limit=10001"), 422, ["query.limit"]),
    get("limit -5", captures("limit=-5"), 422, ["query.limit"]),
    get("limit 1.5", captures("limit=1.5"), 422, ["query.limit"]),
    get("limit not a number", captures("limit=lots"), 422, ["query.limit"]),
    get("from not a date", captures("from=yesterday"), 422, ["query.from"]),
    get("from a date without a time", captures("from=2026-11-24"), 422, ["query.from"]),
    get("to on 31 November", captures("to=2026-11-31T00:00:00Z"), 422, ["query.to"]),
    get("cursor not base64 JSON", captures("cursor=%%%"), 422, ["query.cursor"]),
    get("cursor of the wrong shape", captures(`cursor=${b64("[1,2]")}`), 422, ["query.cursor"]),
    get("cursor of an object", captures(`cursor=${b64('{"at":1}')}`), 422, ["query.cursor"]),
    get("cursor over 200 characters", captures(`cursor=${"A".repeat(201)}`), 422, ["query.cursor"]),
    get("an unknown parameter", captures("camera=cam_b"), 422, ["camera"]),
    get("from equal to to", captures(`from=${TO}&to=${TO}`), 422, ["query.to"]),
    get("from after to", captures(`from=${TO}&to=${FROM}`), 422, ["query.to"]),
    get("captures of an unknown camera", "/api/cameras/nope/captures", 404, ["nope"]),
    get("captures of a malformed id (encoded ../)", "/api/cameras/..%2F..%2Fetc/captures", 422, ["params.id"]),
    get("captures of an upper-case id", "/api/cameras/CAM_A/captures", 422, ["params.id"]),
    get("report without a range", report(""), 422, ["query.from", "query.to"]),
    get("report without to", report(`from=${FROM}`), 422, ["query.to"]),
    get("report from not a date", report(`from=last-week&to=${TO}`), 422, ["query.from"]),
    get("report from equal to to", report(`from=${FROM}&to=${FROM}`), 422, ["query.to", "after"]),
    get("report from after to", report(`from=${TO}&to=${FROM}`), 422, ["query.to", "after"]),
    get("report over 366 days", report(`from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z`), 422, ["query.to", "366"]),
    get("report with an unknown parameter", report(`from=${FROM}&to=${TO}&camera=cam_b`), 422, ["camera"]),
    get("report of an unknown camera", `/api/cameras/nope/report?from=${FROM}&to=${TO}`, 404, ["nope"]),
    get("report of a malformed id", `/api/cameras/..%2Fcam_a/report?from=${FROM}&to=${TO}`, 422, ["params.id"]),
    // Numbers in a query are plain decimal digits: no hex, exponent, sign or spaces, and an empty value is not 0.
    get("limit 0x10 (hex)", captures("limit=0x10"), 422, ["query.limit", "decimal digits"]),
    get("limit 1e2 (exponent)", captures("limit=1e2"), 422, ["query.limit"]),
    get("limit +5", captures("limit=%2B5"), 422, ["query.limit"]),
    get("limit ' 5'", captures("limit=%205"), 422, ["query.limit"]),
    get("limit empty", captures("limit="), 422, ["query.limit"]),
    get("audit limit empty", "/api/audit?limit=", 422, ["query.limit"]),
    get("audit before 0x10", "/api/audit?before=0x10", 422, ["query.before"]),
    get("audit before empty", "/api/audit?before=", 422, ["query.before"]),
    get("timelapses limit 0x10", "/api/timelapses?limit=0x10", 422, ["query.limit"]),
    get("timelapses limit empty", "/api/timelapses?limit=", 422, ["query.limit"]),
    get("audit limit 0", "/api/audit?limit=0", 422, ["query.limit"]),
    get("audit limit 1001", "/api/audit?limit=1001", 422, ["query.limit"]),
    get("audit before 0", "/api/audit?before=0", 422, ["query.before"]),
    get("audit with an unknown parameter", "/api/audit?actor=me", 422, ["actor"]),
    { name: "a token for an unknown camera", target: "hub", method: "POST", path: "/api/cameras/nope/token", who: "operator", status: 404, says: ["nope"] },
    { name: "a token for a malformed id", target: "hub", method: "POST", path: "/api/cameras/..%2Fcam_a/token", who: "operator", status: 422, says: ["params.id"] },
    ...timelapseRequests(),
    { name: "a token for an id of 65 characters", target: "hub", method: "POST", path: `/api/cameras/${"a".repeat(65)}/token`, who: "operator", status: 422, says: ["params.id"] },
  ]);
});

describe("operator writes: a camera host is a host name or address, never control characters (422 naming the field)", () => {
  const op = (name: string, method: string, path: string, body: unknown, says: string[]): Refusal => ({ name, target: "hub", method, path, who: "operator", body, status: 422, says });
  const withHost = (host: string) => ({ ...config, cameras: { ...config.cameras, cam_a: { ...config.cameras.cam_a, host } } });
  table([
    op("PATCH a host with CR/LF", "PATCH", "/api/cameras/cam_a", { host: "pi.local\r\nX-Injected: 1" }, ["body.host"]),
    op("PATCH a host with a space", "PATCH", "/api/cameras/cam_a", { host: "pi local" }, ["body.host"]),
    op("PATCH a host with a NUL", "PATCH", "/api/cameras/cam_a", { host: "pi\u0000.local" }, ["body.host"]),
    op("register a camera whose host has a LF", "POST", "/api/cameras", { id: "cam_new", host: "pi\nlocal", schedules: ["night"] }, ["body.host"]),
    { ...op("config apply with a host with CR/LF", "PUT", "/api/config", withHost("pi\r\nlocal"), ["cameras.cam_a.host"]), error: "invalid_config" },
    { ...op("config dry run with a host with CR/LF", "PUT", "/api/config?dry_run=true", withHost("pi\r\nlocal"), ["cameras.cam_a.host"]), error: "invalid_config" },
  ]);
});

describe("image chunks: the offset is plain decimal digits (cam_a's token)", () => {
  const chunk = (name: string, query: string): Refusal => ({ name, target: "hub", method: "PUT", path: `/agent/v1/captures/sentinel-cam_a-1/image?${query}`, who: "cam_a", raw: "abc", contentType: "application/octet-stream", status: 422, says: ["query.offset"] });
  table([chunk("offset empty", "offset="), chunk("offset 0x10", "offset=0x10"), chunk("offset 1e3", "offset=1e3"), chunk("offset -1", "offset=-1")]);
});

describe("edge writes with the technician token: bad bodies and queries change nothing", () => {
  const w = (name: string, path: string, body: unknown, says: string[], status: number | number[] = 422): Refusal => ({ name, target: "edge", method: "POST", path, who: "technician", body, status, says });
  table([
    { name: "malformed JSON", target: "edge", method: "POST", path: "/profile/deploy", who: "technician", raw: '{"profile_id": ', status: 400, says: ["not valid JSON"] },
    { name: "malformed JSON", target: "edge", method: "POST", path: "/capture", who: "technician", raw: "{{", status: 400, says: ["not valid JSON"] },
    w("deploy without profile_id", "/profile/deploy", { settings: { base: {} } }, ["body.profile_id"]),
    w("deploy without settings", "/profile/deploy", { profile_id: "x" }, ["body.settings"]),
    w("deploy a profile_id with ../", "/profile/deploy", { ...localProfile, profile_id: "../../etc" }, ["body.profile_id"]),
    w("deploy version 1.0", "/profile/deploy", { ...localProfile, version: "1.0" }, ["body.version"]),
    w("deploy exposure_compensation 99", "/profile/deploy", { profile_id: "x", settings: { base: { exposure_compensation: 99 } } }, ["body.settings.base.exposure_compensation"]),
    w("deploy awb_mode 9", "/profile/deploy", { profile_id: "x", settings: { base: { awb_mode: 9 } } }, ["body.settings.base.awb_mode"]),
    w("deploy iso as a string", "/profile/deploy", { profile_id: "x", settings: { base: { iso: "800" } } }, ["body.settings.base.iso"]),
    w("deploy an unknown base field", "/profile/deploy", { profile_id: "x", settings: { base: { gain: 4 } } }, ["gain"]),
    w("deploy an unknown top-level field", "/profile/deploy", { ...localProfile, camera_id: "cam_b" }, ["camera_id"]),
    w("deploy a schedule override keyed ../x", "/profile/deploy", { profile_id: "x", settings: { base: {}, schedule_overrides: { "../x": {} } } }, ["body.settings.schedule_overrides"]),
    w("deploy an enabled table without lux_table", "/profile/deploy", { profile_id: "x", settings: { base: {}, adaptive_wb: { enabled: true } } }, ["body.settings.adaptive_wb.lux_table"]),
    w("deploy an empty lux_table", "/profile/deploy", { profile_id: "x", settings: { base: {}, adaptive_wb: { enabled: true, lux_table: [] } } }, ["body.settings.adaptive_wb.lux_table"]),
    w("deploy negative lux", "/profile/deploy", { profile_id: "x", settings: { base: {}, adaptive_ev: { enabled: true, lux_table: [[-1, 0]] } } }, ["body.settings.adaptive_ev.lux_table"]),
    w("deploy 33 schedules (at most 32)", "/profile/deploy", { ...localProfile, schedules: Array.from({ length: 33 }, (_, i) => `s${i}`) }, ["body.schedules"]),
    w("deploy deployed_at not a time", "/profile/deploy", { ...localProfile, deployed_at: "now" }, ["body.deployed_at"]),
    // Ranges the seed's schema lets through but our settings refuse: each must be a 422 naming the field, never a 500.
    w("deploy iso 10 (automatic is 0, else at least 50)", "/profile/deploy", { profile_id: "x", settings: { base: { iso: 10 } } }, ["iso"]),
    w("deploy shutter 1/1000000 (under 10 µs)", "/profile/deploy", { profile_id: "x", settings: { base: { shutter_speed: "1/1000000" } } }, ["shutter"]),
    w("deploy shutter 99999 s (over 600 s)", "/profile/deploy", { profile_id: "x", settings: { base: { shutter_speed: "99999" } } }, ["shutter"]),
    w("capture iso 123", "/capture", { iso: 123 }, ["body.iso"]),
    w("capture shutter_speed as a number", "/capture", { shutter_speed: 500 }, ["body.shutter_speed"]),
    w("capture shutter_speed 'fast'", "/capture", { shutter_speed: "fast" }, ["body.shutter_speed"]),
    w("capture exposure_compensation 3 (seed API: ±2)", "/capture", { exposure_compensation: 3 }, ["body.exposure_compensation"]),
    w("capture quality 0", "/capture", { quality: 0 }, ["body.quality"]),
    w("capture bracket_count 3 with one EV", "/capture", { bracket_count: 3, bracket_ev: [0] }, ["body.bracket_ev"]),
    w("capture bracket_count 4", "/capture", { bracket_count: 4 }, ["body.bracket_count"]),
    w("capture a profile named ../../x", "/capture", { profile: "../../x" }, ["body.profile"]),
    w("capture a schedule named a/b", "/capture", { schedule: "a/b" }, ["body.schedule"]),
    w("capture test_id with ..", "/capture", { use_deployed_profile: true, test_id: "../../etc" }, ["body.test_id", ".."]),
    w("capture test_id with a slash", "/capture", { use_deployed_profile: true, test_id: "a/b" }, ["body.test_id"]),
    w("capture test_id without use_deployed_profile", "/capture", { test_id: "t1" }, ["body.use_deployed_profile"]),
    // The seed's capture routes ignore unknown keys (as the first system did), never a bad value beside one.
    w("capture an override with an unknown field and awb_mode 9", "/capture", { use_deployed_profile: true, override: { gain: 2, awb_mode: 9 } }, ["body.override.awb_mode"]),
    w("capture planned_at not a time", "/capture", { planned_at: "yesterday" }, ["body.planned_at"]),
    w("capture an unknown field beside iso 123", "/capture", { iso: 123, flash: true }, ["body.iso"]),
    w("capture hdr_mode 1e308", "/capture", { iso: 100, hdr_mode: 1e308 }, ["body.hdr_mode"]),
    w("capture hdr_mode 0.5", "/capture", { hdr_mode: 0.5 }, ["body.hdr_mode"]),
    w("capture hdr_mode -1", "/capture", { hdr_mode: -1 }, ["body.hdr_mode"]),
    w("capture an override of hdr_mode 1e308", "/capture", { use_deployed_profile: true, override: { hdr_mode: 1e308 } }, ["body.override.hdr_mode"]),
    w("bracket hdr_mode 1e308", "/capture-bracket", { hdr_mode: 1e308 }, ["body.hdr_mode"]),
    w("deploy hdr_mode 1e308", "/profile/deploy", { profile_id: "x", settings: { base: { hdr_mode: 1e308 } } }, ["body.settings.base.hdr_mode"]),
    w("capture shutter 1/1000000 (under 10 µs)", "/capture", { shutter_speed: "1/1000000" }, ["shutter"]),
    w("bracket of 1 frame", "/capture-bracket", { bracket_count: 1 }, ["body.bracket_count"]),
    w("bracket of 5 with 3 EVs", "/capture-bracket", { bracket_count: 5, bracket_ev: [-1, 0, 1] }, ["body.bracket_ev"]),
    w("bracket EV 3 (seed API: ±2)", "/capture-bracket", { bracket_ev: [-3, 0, 3] }, ["body.bracket_ev"]),
    w("bracket an unknown field beside one EV offset", "/capture-bracket", { frames: 3, bracket_exposures: [0] }, ["body.bracket_exposures"]),
    w("bracket_exposures of 10 (at most 9)", "/capture-bracket", { bracket_exposures: [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2] }, ["body.bracket_exposures"]),
    w("bracket shutter 1/1000000 (under 10 µs)", "/capture-bracket", { shutter_speed: "1/1000000" }, ["shutter"]),
    w("focus test without a lens position", "/focus-test", undefined, ["query.lens_position"]),
    w("focus test at 99 dioptres (at most 32)", "/focus-test?lens_position=99", undefined, ["query.lens_position"]),
    w("focus test at -1", "/focus-test?lens_position=-1", undefined, ["query.lens_position"]),
    w("focus test at 'near'", "/focus-test?lens_position=near", undefined, ["query.lens_position"]),
    w("focus test with an unknown parameter", "/focus-test?lens_position=1&frames=9", undefined, ["frames"]),
  ]);
});

describe("edge reads: bad query parameters and encoded ../ in image paths", () => {
  const get = (name: string, path: string, status: number, says: string[]): Refusal => ({ name, target: "edge", method: "GET", path, who: "none", status, says });
  table([
    get("limit 0", "/captures?limit=0", 422, ["query.limit"]),
    get("limit 1001 (at most 1000)", "/captures?limit=1001", 422, ["query.limit"]),
    get("limit not a number", "/captures?limit=all", 422, ["query.limit"]),
    get("before 0", "/captures?before=0", 422, ["query.before"]),
    get("limit 0x10 (hex)", "/captures?limit=0x10", 422, ["query.limit", "decimal digits"]),
    get("limit 1e2 (exponent)", "/captures?limit=1e2", 422, ["query.limit"]),
    get("limit empty", "/captures?limit=", 422, ["query.limit"]),
    get("before empty", "/captures?before=", 422, ["query.before"]),
    get("list limit empty", "/images/profile-f/list?limit=", 422, ["query.limit"]),
    get("list limit 0x10", "/images/profile-f/list?limit=0x10", 422, ["query.limit"]),
    get("from not a time", "/captures?from=yesterday", 422, ["query.from"]),
    get("unknown outcome", "/captures?outcome=exploded", 422, ["query.outcome"]),
    get("uploaded maybe", "/captures?uploaded=maybe", 422, ["query.uploaded"]),
    get("schedule ../x", "/captures?schedule=..%2Fx", 422, ["query.schedule"]),
    get("an unknown parameter", "/captures?camera=cam_b", 422, ["camera"]),
    get("an unknown capture", "/captures/no-such-capture", 404, ["no-such-capture"]),
    get("the image of an unknown capture", "/captures/no-such-capture/image", 404, ["no-such-capture"]),
    get("the thumbnail of an unknown capture", "/captures/no-such-capture/thumbnail", 404, ["no-such-capture"]),
    get("capture image, id ..%2F..%2F", "/captures/..%2F..%2F..%2Fetc%2Fpasswd/image", 422, ["params.id"]),
    get("capture image, id %2e%2e%2f", "/captures/%2e%2e%2f%2e%2e%2fedge.sqlite/image", 422, ["params.id"]),
    get("capture image, id double-encoded", "/captures/%252e%252e%252fedge.sqlite/image", 422, ["params.id"]),
    get("capture thumbnail, id ..%2F", "/captures/..%2Fthumbs%2Fx/thumbnail", 422, ["params.id"]),
    get("capture record, id ..%2F", "/captures/..%2F..%2Fx", 422, ["params.id"]),
    get("latest.jpg of profile ..%2F..%2Fetc", "/images/profile-..%2F..%2Fetc/latest.jpg", 422, ["params.profile"]),
    get("latest.info of profile %2e%2e", "/images/profile-%2e%2e/latest.info", 422, ["params.profile"]),
    get("list of profile ..%2F", "/images/profile-..%2Fx/list", 422, ["params.profile"]),
    get("list limit 0", "/images/profile-f/list?limit=0", 422, ["query.limit"]),
    get("latest.jpg of a profile with no image", "/images/profile-nope/latest.jpg", 404, ["nope"]),
    get("latest-image of profile ..%2Fx", "/latest-image?profile=..%2Fx", 422, ["query.profile"]),
    get("latest-image with an unknown parameter", "/latest-image?file=..%2Fx", 422, ["file"]),
  ]);

  test("a raw request line with literal ../ (no client normalisation) reaches no file", async () => {
    for (const path of ["/captures/../../../etc/passwd/image", "/images/profile-f/../../../../etc/passwd", "/captures/..%2f..%2fedge.sqlite/image"]) {
      const res = await rawGet(agent.url, path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).not.toContain("root:");
      expect(res.body).not.toContain("SQLite format");
    }
  });
});

/** GET with the path sent exactly as written (fetch would resolve the dot segments first). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`));
    let data = "";
    socket.on("data", (d) => (data += d.toString("latin1")));
    socket.on("end", () => resolve({ status: Number(data.match(/^HTTP\/1\.1 (\d+)/)?.[1] ?? 0), body: data }));
    socket.on("error", reject);
  });
}

describe("body limits: just over the limit is 413, the process survives and nothing changes", () => {
  /** A valid upload of one new record, padded with JSON whitespace to exactly `bytes`. */
  const paddedUpload = (log: string, tick: number, bytes: number) => {
    const json = JSON.stringify(batch(log, [record(log, 1, tick)]));
    return json + " ".repeat(bytes - json.length);
  };

  test("hub: a valid batch padded to 8 MiB + 1 byte is refused with 413 naming the limit", async () => {
    await expectRefused({ name: "8 MiB + 1", target: "hub", method: "POST", path: "/agent/v1/captures", who: "cam_a", raw: paddedUpload("big", 50_001, HUB_LIMIT + 1), status: 413, says: [/8 MiB|8388608/] });
  });

  test("hub: the same batch padded to exactly 8 MiB is taken (the limit is inclusive)", async () => {
    const res = await send({ target: "hub", method: "POST", path: "/agent/v1/captures", who: "cam_a", raw: paddedUpload("big", 50_001, HUB_LIMIT) });
    expect({ status: res.status, body: res.json }).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, contiguous_through: 1, gaps: [] } });
  });

  test("hub: an oversized chunked body (no Content-Length) is refused too", async () => {
    const before = await snapshot();
    const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 9) c.enqueue(chunk);
        else c.close();
      },
    });
    const res = await fetch(hub.url + "/agent/v1/captures", {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.cam_a}`, "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await fetch(hub.url + "/health")).status).toBe(200);
    expect(await snapshot()).toEqual(before);
  });

  test("edge: a valid deploy padded to 1 MiB + 1 byte is refused with 413 naming the limit", async () => {
    const json = JSON.stringify({ ...localProfile, profile_id: "too_big" });
    await expectRefused({ name: "1 MiB + 1", target: "edge", method: "POST", path: "/profile/deploy", who: "technician", raw: json + " ".repeat(EDGE_LIMIT + 1 - json.length), status: 413, says: [/1 MiB|1048576/] });
  });

  test("edge: 1 MiB + 1 byte without a token is refused too", async () => {
    const res = await send({ target: "edge", method: "POST", path: "/capture", who: "none", raw: " ".repeat(EDGE_LIMIT + 1) });
    expect([401, 413]).toContain(res.status);
    expect((await fetch(agent.url + "/health")).status).toBe(200);
  });

  // JSON nested 8 000 deep (16 KB) must be refused as fast as any other bad body, without stalling the
  // process: /health, asked while it is being refused, must answer at once. No token: auth is no shield here.
  const deep = (open: string, close: string, n: number) => open.repeat(n) + close.repeat(n);
  const deepCases: Refusal[] = [
    { name: "records nested 8 000 arrays deep, cam_a's token", target: "hub", method: "POST", path: "/agent/v1/captures", who: "cam_a", raw: `{"log_id":"deep","records":${deep("[", "]", 8000)}}`, status: [400, 422], says: ["body"] },
    { name: "an object nested 8 000 deep, no token", target: "hub", method: "POST", path: "/agent/v1/state", who: "none", raw: deep('{"a":', "}", 8000).replace('{"a":}', '{"a":1}'), status: [400, 401, 422], says: [] },
    { name: "a deploy nested 8 000 arrays deep, no token", target: "edge", method: "POST", path: "/profile/deploy", who: "none", raw: deep("[", "]", 8000), status: [400, 401, 422], says: [] },
  ];
  for (const c of deepCases)
    test(`${c.method} ${c.target} ${c.path} — ${c.name}: refused without stalling the process`, async () => {
      const base = c.target === "hub" ? hub.url : agent.url;
      let healthMs = -1;
      await expectRefused(c, async () => {
        await Bun.sleep(15);
        const t0 = performance.now();
        await fetch(base + "/health");
        healthMs = performance.now() - t0;
      });
      // ms /health took while the deep body was being refused
      expect(Math.round(healthMs)).toBeLessThan(250);
    }, 15_000);
});

describe("edge deploys and captures whose values our settings cannot hold (run last: when accepted they change state)", () => {
  // A hand-deployed table or override is applied to every later capture; its record then carries
  // settings the hub's record schema refuses (settings.ev ≤ 4, kelvin ≥ 1500, iso ≥ 50, shutter ≥ 10 µs),
  // so the upload is refused with 422 and the agent's outbox is stuck behind that record for good.
  const w = (name: string, path: string, body: unknown, says: string[]): Refusal => ({ name, target: "edge", method: "POST", path, who: "technician", body, status: 422, says });
  const cases: Refusal[] = [
    w("deploy a white-balance table at -5 K", "/profile/deploy", { profile_id: "x", settings: { base: {}, adaptive_wb: { enabled: true, lux_table: [[0, -5], [1000, 5000]] } } }, ["body.settings.adaptive_wb.lux_table"]),
    w("deploy an EV table at +50", "/profile/deploy", { profile_id: "x", settings: { base: {}, adaptive_ev: { enabled: true, lux_table: [[0, 50]] } } }, ["body.settings.adaptive_ev.lux_table"]),
    w("deploy a schedule override of iso 10", "/profile/deploy", { profile_id: "x", settings: { base: {}, schedule_overrides: { night: { iso: 10 } } } }, ["body.settings.schedule_overrides.night.iso"]),
    w("capture with an override of shutter 1/99999999", "/capture", { use_deployed_profile: true, override: { shutter_speed: "1/99999999" } }, ["body.override.shutter_speed"]),
  ];
  for (const c of cases)
    test(`${c.method} edge ${c.path} — ${c.name}`, async () => {
      try {
        await expectRefused(c);
      } finally {
        // Put the hand-deployed profile back if the bad one got in, so the next row starts from the same state.
        const current = await agent.json("/profile/current");
        if (current.profile_id !== localProfile.profile_id) await send({ target: "edge", method: "POST", path: "/profile/deploy", who: "technician", body: localProfile });
      }
    });

  test("afterwards the agent's outbox still drains: every record it made is one the hub takes", async () => {
    // With the rows above accepted, the capture taken under the bad override carries settings.shutter_us < 10:
    // the hub refuses the batch with 422 and every later record of this agent waits behind it.
    expect((await send({ target: "edge", method: "POST", path: "/sync", who: "technician" })).status).toBe(200);
    let status: any = null;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      status = await agent.json("/status");
      if (status.backlog.count === 0 || status.hub.last_error) break;
      await Bun.sleep(100);
    }
    expect({ backlog: status.backlog.count, last_error: status.hub.last_error }).toEqual({ backlog: 0, last_error: null });
  });
});

