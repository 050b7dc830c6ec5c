import { beforeEach, describe, expect, test } from "bun:test";
import { sha256 } from "../../shared/canonical";
import type { ReleaseManifest } from "../../shared/contracts/release";
import { generateReleaseKeys, signManifest } from "../../shared/release/signing";
import { DENVER } from "../harness/scenario";
import { observedState } from "../harness/fixtures";
import { inProcessHub, callHub } from "../harness/in-process";

const OPERATOR = "operator-token-for-tests-0001";
const config = {
  location: DENVER,
  schedules: { day: { start_time: "08:00", end_time: "17:00", interval_seconds: 60 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["day"] }, valley: { deployed_profile: "f", schedules: ["day"] } },
  profiles: { f: { base: { metering: "matrix" } } },
};
const keys = generateReleaseKeys();
const runtime = new Uint8Array(3000).map((_, i) => i % 251);
const bundle = (v: string) => new TextEncoder().encode(`console.log(${JSON.stringify(v)});`);
const artifact = (bytes: Uint8Array) => ({ sha256: sha256(bytes), bytes: bytes.length, unpacked_sha256: sha256(bytes), unpacked_bytes: bytes.length });
const manifest = (v: string): ReleaseManifest => ({ version: v, arch: "arm64", runtime: { ...artifact(runtime), bun_version: "1.4.5" }, bundle: artifact(bundle(v)), created_at: "2026-11-24T00:00:00Z" });

let hub: Awaited<ReturnType<typeof inProcessHub>>["hub"];
let clock: Awaited<ReturnType<typeof inProcessHub>>["clock"];

const call = (method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) => callHub(hub, method, path, token, body, headers);

async function upload(bytes: Uint8Array, chunk = 1024) {
  let last: any;
  for (let offset = 0; offset < bytes.length; offset += chunk)
    last = await call("PUT", `/api/releases/artifacts/${sha256(bytes)}?offset=${offset}&total=${bytes.length}`, OPERATOR, bytes.subarray(offset, offset + chunk));
  return last;
}

async function publish(v: string) {
  await upload(runtime);
  await upload(bundle(v));
  clock.advance(60_000);
  return call("POST", "/api/releases", OPERATOR, signManifest(manifest(v), keys.privatePem));
}

beforeEach(async () => {
  ({ hub, clock } = await inProcessHub(config, OPERATOR));
});

describe("publishing releases", () => {
  test("artifacts upload in chunks at their offset, checked against their sha256 when whole", async () => {
    const sha = sha256(runtime);
    expect((await call("PUT", `/api/releases/artifacts/${sha}?offset=0&total=${runtime.length}`, OPERATOR, runtime.subarray(0, 1000))).body).toEqual({ bytes_received: 1000, complete: false });
    expect((await call("PUT", `/api/releases/artifacts/${sha}?offset=0&total=${runtime.length}`, OPERATOR, runtime.subarray(0, 1000))).status).toBe(409);
    expect((await call("GET", `/api/releases/artifacts/${sha}`, OPERATOR)).body).toEqual({ bytes_received: 1000, complete: false });
    expect((await call("PUT", `/api/releases/artifacts/${sha}?offset=1000&total=${runtime.length}`, OPERATOR, runtime.subarray(1000))).body).toEqual({ bytes_received: 3000, complete: true });
    const wrong = new Uint8Array(10);
    const bad = await call("PUT", `/api/releases/artifacts/${sha256(bundle("x"))}?offset=0&total=10`, OPERATOR, wrong);
    expect([bad.status, bad.body.error]).toEqual([422, "checksum_mismatch"]);
    expect((await call("GET", `/api/releases/artifacts/${sha256(bundle("x"))}`, OPERATOR)).body).toEqual({ bytes_received: 0, complete: false });
  });

  test("a manifest is published once its artifacts are whole; the same again changes nothing, another one for the version is refused", async () => {
    const early = await call("POST", "/api/releases", OPERATOR, signManifest(manifest("1.0.0"), keys.privatePem));
    expect([early.status, early.body.error]).toEqual([409, "artifact_missing"]);
    expect((await publish("1.0.0")).status).toBe(201);
    expect((await call("POST", "/api/releases", OPERATOR, signManifest(manifest("1.0.0"), keys.privatePem))).status).toBe(200);
    const other = await call("POST", "/api/releases", OPERATOR, signManifest(manifest("1.0.0"), generateReleaseKeys().privatePem));
    expect(other.status).toBe(409);
    expect((await call("POST", "/api/releases", OPERATOR, { manifest: manifest("1.0.0"), signature: "nope" })).status).toBe(422);
    expect((await call("POST", "/api/releases", null, signManifest(manifest("1.0.0"), keys.privatePem))).status).toBe(401);
  });
});

describe("assigning releases", () => {
  test("a poll carries the assigned release; others' states and ETags are untouched; latest follows new releases", async () => {
    await publish("1.0.0");
    const token = (await call("POST", "/api/cameras/ridge/token", OPERATOR)).body.token;
    const valleyToken = (await call("POST", "/api/cameras/valley/token", OPERATOR)).body.token;
    const poll = (t: string) => call("POST", "/agent/v1/state", t, observedState({}, { offsetMs: null }));
    const before = await poll(token);
    const valleyBefore = await poll(valleyToken);
    expect(before.body.desired.agent_release).toBeUndefined();

    expect((await call("PUT", "/api/agents/release", OPERATOR, { camera_ids: ["ridge", "nope"], target: "1.0.0" })).status).toBe(404);
    expect((await call("PUT", "/api/agents/release", OPERATOR, { camera_ids: ["ridge"], target: "9.9.9" })).status).toBe(404);
    const assigned = await call("PUT", "/api/agents/release", OPERATOR, { camera_ids: ["ridge"], target: "latest" });
    expect(assigned.body.map((a: any) => [a.camera_id, a.assigned, a.assigned_version, a.converged])).toEqual([["ridge", "latest", "1.0.0", false]]);

    const after = await poll(token);
    expect(after.body.desired.agent_release.version).toBe("1.0.0");
    expect(after.body.desired.agent_release.manifests.map((m: any) => m.manifest.arch)).toEqual(["arm64"]);
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
    expect((await poll(valleyToken)).headers.get("etag")).toBe(valleyBefore.headers.get("etag"));
    // A conditional poll with the new ETag is a 304.
    expect((await call("POST", "/agent/v1/state", token, observedState({}, { offsetMs: null }), { "if-none-match": after.headers.get("etag")! })).status).toBe(304);

    await publish("1.1.0");
    expect((await poll(token)).body.desired.agent_release.version).toBe("1.1.0");
    expect((await call("GET", "/api/releases", OPERATOR)).body.map((r: any) => [r.version, r.arches[0].bundle_bytes])).toEqual([
      ["1.1.0", bundle("1.1.0").length],
      ["1.0.0", bundle("1.0.0").length],
    ]);
  });

  test("agents download published artifacts with Range requests, and only those", async () => {
    await publish("1.0.0");
    const token = (await call("POST", "/api/cameras/ridge/token", OPERATOR)).body.token;
    const sha = sha256(runtime);
    const res = await hub.app.handle(new Request(`http://localhost/agent/v1/releases/artifacts/${sha}`, { headers: { authorization: `Bearer ${token}`, range: "bytes=1000-1999" } }));
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 1000-1999/${runtime.length}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(runtime.subarray(1000, 2000));
    expect((await call("GET", `/agent/v1/releases/artifacts/${sha256(bundle("nope"))}`, token)).status).toBe(404);
    expect((await call("GET", `/agent/v1/releases/artifacts/${sha}`, null)).status).toBe(401);
  });

  test("rollback without an earlier version is refused", async () => {
    await publish("1.0.0");
    await call("PUT", "/api/agents/release", OPERATOR, { camera_ids: ["ridge"], target: "1.0.0" });
    expect((await call("POST", "/api/agents/ridge/rollback", OPERATOR)).status).toBe(409);
    await publish("1.1.0");
    await call("PUT", "/api/agents/release", OPERATOR, { camera_ids: ["ridge"], target: "1.1.0" });
    const back = await call("POST", "/api/agents/ridge/rollback", OPERATOR);
    expect(back.body[0].assigned).toBe("1.0.0");
  });
});
