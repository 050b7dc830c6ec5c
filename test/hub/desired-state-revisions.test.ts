/**
 * A change reaches only the cameras whose desired state it shapes: after it, the
 * next round of polls recomputes exactly those (counted through desiredStateFor)
 * and every other camera's poll stays a 304 from the cache. Also with two hubs on
 * one database: the revisions live in the database, not in a process.
 */
import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../shared/clock";
import { applyConfig, parseConfig } from "../../hub/config/service";
import type { HubDb } from "../../hub/db/client";
import * as plans from "../../hub/plans/service";
import * as planStore from "../../hub/plans/revisions";
import { DENVER } from "../harness/scenario";
import { observedState } from "../harness/fixtures";
import { hubOn, reopenTestHubDb, testHubDb, callHub } from "../harness/in-process";

const OPERATOR = "operator-token-for-revision-tests";
const config = {
  location: DENVER,
  schedules: {
    dawn: { anchor: "sunrise", offset_minutes: -30, duration_minutes: 60, interval_seconds: 30 },
    dusk: { anchor: "sunset", offset_minutes: -30, duration_minutes: 60, interval_seconds: 30 },
    burst: { start_time: "10:00", end_time: "14:00", interval_seconds: 600, profiles: ["h", "g"] },
  },
  cameras: {
    a: { deployed_profile: "f", schedules: ["dawn"] },
    b: { deployed_profile: "f", schedules: ["dusk"] },
    c: { deployed_profile: "g", schedules: ["dusk"] },
    d: { deployed_profile: "g", schedules: ["burst"] },
    e: { schedules: [] },
  },
  profiles: { f: { base: { metering: "spot" } }, g: { base: { ev: 0.3 } }, h: { base: { ev: -0.3 } }, unused: { base: { ev: 1 } } },
  sync: { poll_interval_seconds: 60, plan_days: 2 },
};
const ALL = ["a", "b", "c", "d", "e"];
const observed = observedState({}, { offsetMs: null });

type Hub = Awaited<ReturnType<typeof hubOn>>;
let db: HubDb;
let clock: ManualClock;
let hub: Hub;
const tokens = new Map<string, string>();
/** Per hub: the ETag each camera was last served. */
const etags = new Map<Hub, Map<string, string>>();
let computed: ReturnType<typeof spyOn<typeof plans, "desiredStateFor">>;
let planChecks: ReturnType<typeof spyOn<typeof planStore, "recordPlan">>;

async function call(on: Hub, method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await callHub(on, method, path, token, body, headers);
  return { ...res, etag: res.headers.get("etag") };
}
const op = (method: string, path: string, body?: unknown) => call(hub, method, path, OPERATOR, body);

/** Every camera polls once (conditionally): the cameras whose desired state was recomputed, and those answered 200. */
async function pollRound(on = hub, ids = ALL) {
  computed.mockClear();
  planChecks.mockClear();
  const seen = etags.get(on) ?? new Map<string, string>();
  etags.set(on, seen);
  const changed: string[] = [];
  for (const id of ids) {
    const etag = seen.get(id);
    const res = await call(on, "POST", "/agent/v1/state", tokens.get(id)!, observed, etag ? { "if-none-match": etag } : {});
    expect([200, 304]).toContain(res.status);
    if (res.status === 200) changed.push(id);
    seen.set(id, res.etag!);
  }
  const ofCamera = (calls: unknown[][]) => [...new Set(calls.map((c) => c[1] as string))].sort();
  return { recomputed: ofCamera(computed.mock.calls), planChecked: ofCamera(planChecks.mock.calls), changed };
}

/** A round in which exactly `ids` were recomputed, re-checked for their plan history and served a new state. */
const only = (ids: string[]) => ({ recomputed: ids, planChecked: ids, changed: ids });

/** The desired state the camera is served now (unconditional). */
async function desired(id: string) {
  return (await call(hub, "POST", "/agent/v1/state", tokens.get(id)!, observed)).body.desired;
}

beforeEach(async () => {
  clock = new ManualClock(Date.parse("2026-11-24T12:00:00Z"));
  const dir = mkdtempSync(join(tmpdir(), "skylapse-revisions-"));
  db = await testHubDb(dir);
  await applyConfig(db, parseConfig(config), clock.now());
  hub = await hubOn(db, clock, OPERATOR, dir);
  for (const id of ALL) tokens.set(id, (await op("POST", `/api/cameras/${id}/token`)).body.token);
  etags.clear();
  computed = spyOn(plans, "desiredStateFor");
  planChecks = spyOn(planStore, "recordPlan");
  expect((await pollRound()).changed).toEqual(ALL);
  expect(await pollRound()).toEqual(only([]));
});

afterEach(async () => {
  computed.mockRestore();
  planChecks.mockRestore();
});

describe("a change to one camera", () => {
  test("a PATCH (image sync) recomputes that camera's desired state only", async () => {
    expect((await op("PATCH", "/api/cameras/a", { image_sync: "thumbnails" })).status).toBe(200);
    expect(await pollRound()).toEqual(only(["a"]));
  });

  test("an assignment recomputes the cameras assigned, a rollback too", async () => {
    await op("PUT", "/api/assignments", { camera_ids: ["b", "e"], profile_id: "g", version: "latest" });
    expect(await pollRound()).toEqual(only(["b", "e"]));
    expect((await desired("e")).assignment).toEqual({ profile_id: "g", version: "1.0.0" });
    await op("PUT", "/api/cameras/b/assignment", { profile_id: "f", version: "1.0.0" });
    expect((await pollRound()).recomputed).toEqual(["b"]);
  });

  test("a schedule moved on one camera reaches its plan history; the others are not re-checked", async () => {
    await op("PATCH", "/api/cameras/e", { schedules: ["dawn"] });
    const round = await pollRound();
    expect(round).toEqual(only(["e"]));
    expect(Object.keys((await desired("e")).schedules)).toEqual(["dawn"]);
  });

  test("registering and retiring a camera recompute no other camera", async () => {
    await op("POST", "/api/cameras", { id: "n", schedules: ["dawn"], deployed_profile: "f" });
    expect((await pollRound()).recomputed).toEqual([]);
    await op("POST", "/api/cameras/e/retire");
    expect((await pollRound(hub, ["a", "b", "c", "d"])).recomputed).toEqual([]);
  });

  test("a config apply that changes one camera recomputes that camera only; an identical one nothing", async () => {
    const changed = { ...config, cameras: { ...config.cameras, c: { deployed_profile: "g", schedules: ["dusk", "dawn"] } } };
    expect((await op("PUT", "/api/config", changed)).body.applied).toBe(true);
    expect(await pollRound()).toEqual(only(["c"]));
    expect((await op("PUT", "/api/config", changed)).body.applied).toBe(false);
    expect((await pollRound()).recomputed).toEqual([]);
  });
});

describe("a shared change reaches exactly the cameras it shapes", () => {
  test("a profile publish: the cameras assigned it or whose schedules name it", async () => {
    await op("POST", "/api/profiles/f/versions", { base: { metering: "spot", ev: 0.5 } });
    expect(await pollRound()).toEqual(only(["a", "b"]));
    expect((await desired("a")).assignment).toEqual({ profile_id: "f", version: "1.1.0" });

    await op("POST", "/api/profiles/h/versions", { base: { ev: -0.7 } });
    expect(await pollRound()).toEqual(only(["d"]));
    expect((await desired("d")).profiles.map((p: { profile_id: string; version: string }) => `${p.profile_id} ${p.version}`).sort()).toEqual(["g 1.0.0", "h 1.1.0"]);

    await op("POST", "/api/profiles/unused/versions", { base: { ev: 1.3 } });
    expect((await pollRound()).recomputed).toEqual([]);
    await op("POST", "/api/profiles/brand_new/versions", { base: { ev: 1.3 } });
    expect((await pollRound()).recomputed).toEqual([]);
  });

  test("publishing a parent with its children reaches the cameras of each profile republished", async () => {
    await op("POST", "/api/profiles/child/versions", { extends: "unused", base: { ev: 0.1 } });
    await op("PUT", "/api/assignments", { camera_ids: ["e"], profile_id: "child", version: "latest" });
    await pollRound();
    await op("POST", "/api/profiles/unused/versions?with_children=true", { base: { ev: 1.1, contrast: 1.2 } });
    expect(await pollRound()).toEqual(only(["e"]));
  });

  test("a schedule edit through the config: the cameras that run that schedule (a schedule added: none)", async () => {
    const added = { ...config, schedules: { ...config.schedules, late: { start_time: "20:00", end_time: "21:00", interval_seconds: 60 } } };
    expect((await op("PUT", "/api/config", added)).body.applied).toBe(true);
    expect(await pollRound()).toEqual(only([]));
    const edited = { ...added, schedules: { ...added.schedules, dusk: { anchor: "sunset", offset_minutes: -45, duration_minutes: 60, interval_seconds: 30 } } };
    expect((await op("PUT", "/api/config", edited)).body.applied).toBe(true);
    expect(await pollRound()).toEqual(only(["b", "c"]));
  });

  test("a profile published through the config: its cameras only", async () => {
    const edited = { ...config, profiles: { ...config.profiles, g: { base: { ev: 0.4 } } } };
    expect((await op("PUT", "/api/config", edited)).body.applied).toBe(true);
    expect((await pollRound()).recomputed).toEqual(["c", "d"]);
  });

  test("the site location or the sync policy: every camera", async () => {
    expect((await op("PUT", "/api/config", { ...config, location: { ...DENVER, latitude: DENVER.latitude + 0.5 } })).body.applied).toBe(true);
    expect(await pollRound()).toEqual(only(ALL));
    expect((await op("PUT", "/api/config", { ...config, sync: { poll_interval_seconds: 30, plan_days: 2 } })).body.applied).toBe(true);
    expect((await pollRound()).recomputed).toEqual(ALL);
  });

  test("an A/B test's start and cancel: its cameras", async () => {
    const started = await op("POST", "/api/tests", { id: "t-rev", camera_ids: ["c", "d"], override: { ev: 1 }, pairs: 5 });
    expect(started.status).toBe(201);
    expect(await pollRound()).toEqual(only(["c", "d"]));
    expect((await desired("c")).tests.map((t: { id: string }) => t.id)).toEqual(["t-rev"]);
    await op("POST", "/api/tests/t-rev/cancel");
    expect(await pollRound()).toEqual(only(["c", "d"]));
  });
});

test("two hubs on one database: a change made through one reaches the other's cache for that camera only", async () => {
  const replica = await hubOn(await reopenTestHubDb(db), clock, OPERATOR);
  await pollRound(replica);
  expect((await pollRound(replica)).recomputed).toEqual([]);
  await op("PATCH", "/api/cameras/d", { image_sync: "all" });
  expect(await pollRound(replica)).toEqual(only(["d"]));
  expect((await call(replica, "POST", "/agent/v1/state", tokens.get("d")!, observed)).body.desired.image_sync).toBe("all");
  await op("POST", "/api/profiles/g/versions", { base: { ev: 0.6 } });
  expect((await pollRound(replica)).recomputed).toEqual(["c", "d"]);
});
