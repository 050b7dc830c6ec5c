/** The hub's side of remote diagnostics, in process: requests, the poll header, the bundle upload's checks. */
import { beforeEach, describe, expect, test } from "bun:test";
import { DIAGNOSTICS_REQUEST_HEADER, type DiagnosticsBundle, MAX_DIAGNOSTICS_BYTES } from "../../shared/contracts/diagnostics";
import type { createHub } from "../../hub/app";
import type { ManualClock } from "../../shared/clock";
import { observedState } from "../harness/fixtures";
import { inProcessHub, callHub } from "../harness/in-process";
import { DENVER } from "../harness/scenario";
import { diagnosticsRequests } from "../../hub/db/schema";

const OPERATOR = "operator-token-for-tests-0001";
const config = {
  location: DENVER,
  schedules: { sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 15 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["sunrise"] }, other: { deployed_profile: "f", schedules: ["sunrise"] } },
  profiles: { f: { base: { ev: 0 } } },
  sync: { poll_interval_seconds: 60, plan_days: 1 },
};

let hub: Awaited<ReturnType<typeof createHub>>;
let clock: ManualClock;

const call = (method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) => callHub(hub, method, path, token, body, headers);

const tokenOf = async (camera: string) => (await call("POST", `/api/cameras/${camera}/token`, OPERATOR)).body.token as string;
const poll = (token: string, etag?: string) => call("POST", "/agent/v1/state", token, observedState(), etag ? { "if-none-match": etag } : {});

function bundle(requestId: string, overrides: Partial<DiagnosticsBundle> = {}): DiagnosticsBundle {
  return {
    request_id: requestId,
    collected_at: new Date(clock.now()).toISOString(),
    versions: { agent: "0.2.0", bun: "1.4.5", platform: "linux", arch: "arm64", os_release: "Linux 6.6" },
    uptime_seconds: 60,
    observed: observedState(),
    hub: { last_poll_at: null, last_success_at: null, last_error: null, failures: 0, uploaded: 0, bytes_sent: 1, bytes_received: 2 },
    image_sync: null,
    config: { SKYLAPSE_CAMERA_ID: "ridge", SKYLAPSE_AGENT_TOKEN: "[redacted]" },
    disk: null,
    log: [{ at: new Date(clock.now()).toISOString(), level: "info", text: "edge: ridge on http://0.0.0.0:8080" }],
    log_dropped: 0,
    ...overrides,
  };
}

beforeEach(async () => {
  ({ hub, clock } = await inProcessHub(config, OPERATOR));
});

describe("diagnostics at the hub", () => {
  test("a request: 202, asked again while open the same one (200); the camera's polls carry it, 304s too, other cameras' do not", async () => {
    const ridge = await tokenOf("ridge");
    const other = await tokenOf("other");
    const first = await poll(ridge);
    expect(first.headers.get(DIAGNOSTICS_REQUEST_HEADER)).toBeNull();

    const asked = await call("POST", "/api/cameras/ridge/diagnostics", OPERATOR);
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ camera_id: "ridge", status: "requested", received_at: null, bundle: null, requested_at: "2026-11-24T12:00:00.000Z" });
    const again = await call("POST", "/api/cameras/ridge/diagnostics", OPERATOR);
    expect({ status: again.status, id: again.body.request_id }).toEqual({ status: 200, id: asked.body.request_id });

    const full = await poll(ridge);
    expect(full.status).toBe(200);
    expect(full.headers.get(DIAGNOSTICS_REQUEST_HEADER)).toBe(asked.body.request_id);
    const unchanged = await poll(ridge, first.headers.get("etag")!);
    expect(unchanged.status).toBe(304);
    expect(unchanged.headers.get(DIAGNOSTICS_REQUEST_HEADER)).toBe(asked.body.request_id);
    expect((await poll(other)).headers.get(DIAGNOSTICS_REQUEST_HEADER)).toBeNull();
  });

  test("the bundle: checked (token, camera, request, schema, size) before anything is stored; stored once; then polls stop carrying the request", async () => {
    const ridge = await tokenOf("ridge");
    const other = await tokenOf("other");
    const { request_id: id } = (await call("POST", "/api/cameras/ridge/diagnostics", OPERATOR)).body;
    const path = `/agent/v1/diagnostics/${id}`;

    expect((await call("PUT", path, null, bundle(id))).status).toBe(401);
    expect((await call("PUT", path, other, bundle(id))).status).toBe(404);
    expect((await call("PUT", path, ridge, bundle("diag-someone-else"))).status).toBe(422);
    const extra = await call("PUT", path, ridge, { ...bundle(id), secret_field: 1 });
    expect(extra.status).toBe(422);
    const missing = bundle(id) as Partial<DiagnosticsBundle>;
    delete missing.observed;
    expect((await call("PUT", path, ridge, missing)).status).toBe(422);
    const huge = bundle(id, { log: Array.from({ length: 200 }, () => ({ at: new Date(clock.now()).toISOString(), level: "info" as const, text: "y".repeat(1900) })) });
    expect(JSON.stringify(huge).length).toBeGreaterThan(MAX_DIAGNOSTICS_BYTES);
    expect((await call("PUT", path, ridge, huge)).status).toBe(413);
    expect((await call("GET", "/api/cameras/ridge/diagnostics", OPERATOR)).body.status).toBe("requested");

    clock.advance(5_000);
    const uploaded = bundle(id);
    const sent = await call("PUT", path, ridge, uploaded);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ request_id: id, received_at: "2026-11-24T12:00:05.000Z", duplicate: false });
    const view = (await call("GET", "/api/cameras/ridge/diagnostics", OPERATOR)).body;
    expect(view).toMatchObject({ request_id: id, status: "received", requested_at: "2026-11-24T12:00:00.000Z", received_at: "2026-11-24T12:00:05.000Z" });
    expect(view.bundle).toEqual(uploaded);
    expect(view.bytes).toBeGreaterThan(100);

    // A replay (an answer lost on the way back) changes nothing.
    clock.advance(5_000);
    const replay = await call("PUT", path, ridge, bundle(id, { uptime_seconds: 999 }));
    expect(replay.body).toEqual({ request_id: id, received_at: "2026-11-24T12:00:05.000Z", duplicate: true });
    expect((await call("GET", "/api/cameras/ridge/diagnostics", OPERATOR)).body.bundle.uptime_seconds).toBe(60);
    expect((await poll(ridge)).headers.get(DIAGNOSTICS_REQUEST_HEADER)).toBeNull();
  });

  test("unknown and retired cameras; none requested yet", async () => {
    expect((await call("POST", "/api/cameras/nope/diagnostics", OPERATOR)).status).toBe(404);
    expect((await call("GET", "/api/cameras/ridge/diagnostics", OPERATOR)).status).toBe(404);
    expect((await call("POST", "/api/cameras/ridge/diagnostics", null)).status).toBe(401);
    expect((await call("DELETE", "/api/cameras/other", OPERATOR)).status).toBe(200);
    expect((await call("POST", "/api/cameras/other/diagnostics", OPERATOR)).status).toBe(409);
  });

  test("each camera keeps its 10 newest requests; older ones go as new bundles arrive", async () => {
    const ridge = await tokenOf("ridge");
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      clock.advance(60_000);
      const { request_id: id } = (await call("POST", "/api/cameras/ridge/diagnostics", OPERATOR)).body;
      expect((await call("PUT", `/agent/v1/diagnostics/${id}`, ridge, bundle(id))).status).toBe(200);
      ids.push(id);
    }
    const kept = (await hub.ctx.db.select({ id: diagnosticsRequests.id }).from(diagnosticsRequests)).map((r) => r.id);
    expect(kept.sort()).toEqual(ids.slice(2).sort());
    expect((await call("GET", "/api/cameras/ridge/diagnostics", OPERATOR)).body.request_id).toBe(ids[11]);
  });
});
