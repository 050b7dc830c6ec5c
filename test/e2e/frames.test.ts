/**
 * No request can destroy a frame: on a real agent with no hub (nothing else holds a
 * copy), every local-API capture for a tick already in the log is refused with 409
 * before anything is written — the logged JPEG keeps its bytes and its sha256, the
 * log keeps its records, and no stray file appears.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { sunriseGridConfig } from "../harness/fixtures";
import { sharedClock, simNow, type SimClock, startAgent, startHub, type StartedAgent, waitFor } from "../harness/processes";

const TECHNICIAN = "frames-technician-token-0123456789";
let agent: StartedAgent;
let clock: SimClock;

beforeAll(async () => {
  // 03:00 at the ridge: the deployed profile's sunrise/daytime/sunset windows are hours away, so no planned capture interferes.
  clock = sharedClock("2026-11-24T03:00:00-07:00", 1, 500);
  agent = await startAgent({ cameraId: "pi", clock, env: { SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_EDGE_TOKEN: TECHNICIAN } });
  const res = await post("/profile/deploy", {
    profile_id: "ridge",
    version: "1.0.0",
    settings: { base: { metering_mode: 1, ev_compensation: 0.3, awb_mode: 1 } },
    schedules: ["sunrise", "daytime", "sunset"],
  });
  expect(res.status).toBe(200);
}, 30_000);

afterAll(async () => {
  await agent?.stop(true);
});

async function post(path: string, body?: unknown) {
  const res = await fetch(agent.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${TECHNICIAN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

/** Every file under the agent's image folder, with its sha256. */
function imageFiles(): Record<string, string> {
  const root = join(agent.dataDir, "images");
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[full.slice(root.length + 1)] = createHash("sha256").update(readFileSync(full)).digest("hex");
    }
  };
  walk(root);
  return out;
}

const logged = async () => (await agent.json("/captures?limit=1000")).captures as any[];

/** A tick a few seconds ahead on the agent's clock, off the whole second so no plan could hold it. */
let nextOffset = 0;
const freshTick = () => new Date(Math.floor(simNow(clock) / 1000) * 1000 + 5_000 + 137 + nextOffset++ * 1000).toISOString();

describe("a capture for a tick already in the log is refused (409) and the logged frame stays as it was", () => {
  const cases: { name: string; first: (at: string) => unknown; again: (at: string) => unknown }[] = [
    { name: "explicit settings, the same request twice", first: (at) => ({ iso: 100, planned_at: at }), again: (at) => ({ iso: 800, planned_at: at }) },
    { name: "explicit settings, then another schedule under the same profile", first: (at) => ({ iso: 100, planned_at: at, profile: "manual", schedule: "a" }), again: (at) => ({ iso: 100, planned_at: at, profile: "manual", schedule: "b" }) },
    { name: "the deployed profile twice", first: (at) => ({ use_deployed_profile: true, planned_at: at }), again: (at) => ({ use_deployed_profile: true, planned_at: at }) },
    { name: "the deployed profile, then explicit settings under its id", first: (at) => ({ use_deployed_profile: true, planned_at: at, schedule_type: "daytime" }), again: (at) => ({ iso: 200, planned_at: at, profile: "ridge", schedule: "daytime" }) },
    {
      name: "a one-capture override twice",
      first: (at) => ({ use_deployed_profile: true, planned_at: at, override: { ev_compensation: 1 } }),
      again: (at) => ({ use_deployed_profile: true, planned_at: at, override: { ev_compensation: -1 } }),
    },
    { name: "a test capture twice", first: (at) => ({ use_deployed_profile: true, planned_at: at, test_id: "t1" }), again: (at) => ({ use_deployed_profile: true, planned_at: at, test_id: "t1" }) },
  ];
  for (const c of cases)
    test(c.name, async () => {
      const at = freshTick();
      const first = await post("/capture", c.first(at));
      expect(first.status).toBe(200);
      const record = (await logged()).find((r) => r.id === first.json.capture_id);
      const filesBefore = imageFiles();
      const logBefore = await logged();
      expect(filesBefore[record.image.file]).toBe(record.image.sha256);

      const again = await post("/capture", c.again(at));
      expect({ status: again.status, error: again.json.error }).toEqual({ status: 409, error: "conflict" });
      expect(again.json.message).toContain(at);
      // Nothing written, nothing logged: the frame keeps the bytes its record names.
      expect(imageFiles()).toEqual(filesBefore);
      expect(await logged()).toEqual(logBefore);
      expect((await agent.json("/health")).status).toBe("ok");
    });
});

test("captures without a planned_at are still taken one after another (each its own instant)", async () => {
  const a = await post("/capture", { iso: 100 });
  const b = await post("/capture", { iso: 100 });
  const bracket = await post("/capture-bracket", {});
  const focus = await post("/focus-test?lens_position=2");
  expect([a.status, b.status, bracket.status, focus.status]).toEqual([200, 200, 200, 200]);
  expect(new Set([a.json.capture_id, b.json.capture_id, bracket.json.capture_id, focus.json.capture_id]).size).toBe(4);
  // Every logged image still matches its record.
  const files = imageFiles();
  for (const r of (await logged()).filter((r) => r.image)) expect(files[r.image.file]).toBe(r.image.sha256);
});

test("two requests for one tick at once: one is taken, the other refused, the frame matches its record", async () => {
  const at = freshTick();
  const answers = await Promise.all([post("/capture", { iso: 100, planned_at: at }), post("/capture", { iso: 1600, planned_at: at })]);
  expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
  const record = (await logged()).find((r) => r.id === answers.find((a) => a.status === 200)!.json.capture_id);
  expect(imageFiles()[record.image.file]).toBe(record.image.sha256);
});

test("two requests for one production tick under different schedules at once: one taken, the other a 409, never a 500", async () => {
  const at = freshTick();
  const answers = await Promise.all([
    post("/capture", { iso: 100, planned_at: at, profile: "manual", schedule: "a" }),
    post("/capture", { iso: 100, planned_at: at, profile: "manual", schedule: "b" }),
  ]);
  expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
  const records = (await logged()).filter((r) => r.planned_at === at);
  expect(records).toHaveLength(1);
  expect(imageFiles()[records[0].image.file]).toBe(records[0].image.sha256);
});

describe("a capture by hand without a schedule_type", () => {
  test("is filed as manual outside every window, and under the schedule whose window is open inside one", async () => {
    const outside = await post("/capture", { use_deployed_profile: true });
    expect(outside.status).toBe(200);
    expect((await logged()).find((r) => r.id === outside.json.capture_id)?.schedule).toBe("manual");

    // An agent with a hub's plan, inside its sunrise window (06:30–06:35 at UTC−7).
    const windowClock = sharedClock("2026-11-24T13:31:00Z", 1, 1500);
    const hub = await startHub({ config: sunriseGridConfig(), clock: windowClock });
    const inside = await startAgent({ cameraId: "ridge", hub, clock: windowClock });
    try {
      await waitFor("the agent's plan", async () => (await inside.json("/plan")).windows.length > 0, 15_000, 100);
      const res = await fetch(inside.url + "/capture", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ use_deployed_profile: true }) });
      expect(res.status).toBe(200);
      const id = ((await res.json()) as { capture_id: string }).capture_id;
      const captures = (await inside.json("/captures?limit=100")).captures as { id: string; schedule: string }[];
      expect(captures.find((r) => r.id === id)?.schedule).toBe("sunrise");
    } finally {
      await Promise.all([inside.stop(true), hub.stop()]);
    }
  }, 30_000);
});
