/**
 * History is immutable and a camera's life starts at its first contact (issue 11,
 * items 1 and 2), in-process on a manual clock: a sunrise shot in full reads the
 * same after a rollout, a schedule edit, a camera edit and a config apply; a camera
 * registered but never installed misses nothing and holds nothing up; ticks not
 * yet due are never missed.
 */
import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { captureImages, planRevisions, timelapses } from "../../hub/db/schema";
import { selectFrames } from "../../hub/timelapses/selection";
import { queueClosedSessions } from "../../hub/timelapses/sessions";
import { plannedTicks } from "../../shared/plan/ticks";
import { captureRecord, observedState, sunriseGridConfig } from "../harness/fixtures";
import { callHub, hubOn, inProcessHub } from "../harness/in-process";

const OPERATOR = "operator-token-0123456789";
const T = (iso: string) => Date.parse(iso);
// The sunrise session of 2026-11-24: 13:30–13:35Z, a tick every 15 s (captureRecord's grid).
const SESSION = "from=2026-11-24T13:00:00Z&to=2026-11-24T14:00:00Z";
const COUNTS = ["planned", "captured", "missed", "missed_by_reason", "upcoming", "unplanned", "uploaded", "recovered", "first_contact_at"] as const;

async function setup() {
  const config = sunriseGridConfig({ ridge: {}, spare: {} });
  const { hub, clock } = await inProcessHub(config, OPERATOR);
  const tokens = new Map<string, string>();
  const op = (method: string, path: string, body?: unknown) => callHub(hub, method, path, OPERATOR, body);
  const agent = async (camera: string, method: string, path: string, body: unknown) => {
    if (!tokens.has(camera)) tokens.set(camera, (await op("POST", `/api/cameras/${camera}/token`)).body.token);
    return callHub(hub, method, path, tokens.get(camera)!, body);
  };
  const poll = async (camera = "ridge") => expect((await agent(camera, "POST", "/agent/v1/state", observedState({}, { now: clock.now() }))).status).toBe(200);
  const upload = async (ticks: number[], overrides = {}) =>
    expect((await agent("ridge", "POST", "/agent/v1/captures", { log_id: "log-1", records: ticks.map((t) => captureRecord(t + 1, overrides, t)) })).status).toBe(200);
  const counts = async (camera = "ridge", range = SESSION) => {
    const r = (await op("GET", `/api/cameras/${camera}/report?${range}`)).body;
    return Object.fromEntries(COUNTS.map((k) => [k, r[k]]));
  };
  const plan = async (camera = "ridge", range = SESSION) => (await op("GET", `/api/cameras/${camera}/plan?${range}`)).body;
  return { hub, clock, config, op, poll, upload, counts, plan };
}

describe("history is immutable", () => {
  test("a past sunrise reads the same after a rollout, a schedule edit, camera edits and a config apply", async () => {
    const { clock, config, op, poll, upload, counts, plan } = await setup();
    await poll(); // 12:00: first contact
    clock.set(T("2026-11-24T13:40:00Z"));
    await upload([...Array(20).keys()]);
    clock.set(T("2026-11-24T14:00:00Z"));
    const before = await counts();
    expect(before).toMatchObject({ planned: 20, captured: 20, missed: 0, unplanned: 0, uploaded: 20, upcoming: 0, first_contact_at: "2026-11-24T12:00:00.000Z" });
    const windows = (await plan()).windows;
    expect(windows).toHaveLength(1);

    const changes: [string, () => Promise<{ status: number }>][] = [
      ["a new profile assigned", async () => {
        expect((await op("POST", "/api/profiles/g/versions", { base: { ev: 1 } })).status).toBe(201);
        return op("PUT", "/api/cameras/ridge/assignment", { profile_id: "g", version: "1.0.0" });
      }],
      ["a new version of the same profile", () => op("POST", "/api/profiles/g/versions", { base: { ev: 1.3 } })],
      ["the schedule edited", () => op("PUT", "/api/config", { ...config, schedules: { sunrise: { start_time: "06:20", end_time: "06:45", interval_seconds: 10 } } })],
      ["the camera's coordinates and zone edited", () => op("PATCH", "/api/cameras/ridge", { latitude: -33.9, longitude: 18.4, timezone: "Africa/Johannesburg" })],
      ["the camera's schedules list edited", () => op("PATCH", "/api/cameras/ridge", { schedules: [] })],
      ["a config apply putting it all back", () => op("PUT", "/api/config", config)],
    ];
    for (const [what, change] of changes) {
      clock.advance(10 * 60_000);
      const res = await change();
      expect(res.status, what).toBeLessThan(300);
      await poll();
      expect(await counts(), what).toEqual(before);
      expect((await plan()).windows, what).toEqual(windows);
    }
    // uploaded is the records the hub lists for the range.
    expect((await op("GET", `/api/cameras/ridge/captures?${SESSION}`)).body.captures).toHaveLength(before.uploaded as number);
    // Retired: its past stands; nothing is planned for it from then on.
    expect((await op("DELETE", "/api/cameras/ridge")).status).toBeLessThan(300);
    expect(await counts()).toEqual(before);
    clock.set(T("2026-11-26T00:00:00Z"));
    expect(await counts("ridge", "from=2026-11-24T00:00:00Z&to=2026-11-27T00:00:00Z")).toMatchObject({ planned: 20, captured: 20, missed: 0, upcoming: 0 });
  });

  test("a hub upgraded with cameras already in contact: each gets a first revision from its setup, in force from its earliest contact", async () => {
    const { hub, clock, poll, upload, counts } = await setup();
    await poll(); // 12:00
    clock.set(T("2026-11-24T13:40:00Z"));
    await upload([...Array(20).keys()]);
    await hub.ctx.contacts.flush();
    // As a database from before plan revisions: none kept.
    await hub.ctx.db.delete(planRevisions);
    const upgraded = await hubOn(hub.ctx.db, clock, OPERATOR);
    const r = (await callHub(upgraded, "GET", `/api/cameras/ridge/report?${SESSION}`, OPERATOR)).body;
    expect(r).toMatchObject({ first_contact_at: "2026-11-24T12:00:00.000Z", planned: 20, captured: 20, missed: 0 });
    expect((await callHub(upgraded, "GET", "/api/fleet", OPERATOR)).body.cameras.find((c: { id: string }) => c.id === "spare").status).toBe("waiting_for_first_contact");
    expect(await counts()).toMatchObject({ planned: 20, captured: 20 });
    await upgraded.ctx.contacts.close();
  });

  test("from its poll on, a change is the plan: ticks under the new plan count against it, earlier ones against the old", async () => {
    const { clock, op, poll, upload, counts } = await setup();
    await poll();
    // Profile g assigned at 13:31, the agent polls at 13:32 and runs g from then; it shot f until then.
    clock.set(T("2026-11-24T13:31:00Z"));
    expect((await op("POST", "/api/profiles/g/versions", { base: { ev: 1 } })).status).toBe(201);
    expect((await op("PUT", "/api/cameras/ridge/assignment", { profile_id: "g", version: "1.0.0" })).status).toBe(200);
    clock.set(T("2026-11-24T13:32:00Z"));
    await poll();
    clock.set(T("2026-11-24T13:40:00Z"));
    await upload([...Array(8).keys()]);
    // Ticks 8..19 shot with g — except tick 8, shot with f: a rollout between the poll and the shot still counts.
    await upload([8], {});
    await upload(
      [...Array(11).keys()].map((i) => i + 9),
      { profile_id: "g", profile_version: "1.0.0" },
    );
    expect(await counts()).toMatchObject({ planned: 20, captured: 20, missed: 0, unplanned: 0, uploaded: 20 });
  });
});

describe("a camera's life starts at its first contact", () => {
  test("registered, never installed: waiting for first contact, nothing planned or missed, no attention", async () => {
    const { clock, op, poll, counts, plan } = await setup();
    clock.set(T("2026-11-24T14:00:00Z"));
    await poll();
    expect(await counts("spare")).toMatchObject({ planned: 0, captured: 0, missed: 0, upcoming: 0, first_contact_at: null });
    expect((await plan("spare")).windows).toEqual([]);
    const fleet = (await op("GET", "/api/fleet")).body;
    const spare = fleet.cameras.find((c: { id: string }) => c.id === "spare");
    expect(spare).toMatchObject({ status: "waiting_for_first_contact", online: false, attention: [], offline_since: null });
    expect(fleet.totals).toMatchObject({ waiting_for_first_contact: 1, attention: 0 });
    // Its first poll starts its life: the next sunrise is planned for it, the earlier one never was.
    await poll("spare");
    expect((await op("GET", "/api/fleet")).body.cameras.find((c: { id: string }) => c.id === "spare")).toMatchObject({ status: "online", first_contact_at: "2026-11-24T14:00:00.000Z" });
    clock.set(T("2026-11-25T14:00:00Z"));
    expect(await counts("spare", "from=2026-11-24T00:00:00Z&to=2026-11-26T00:00:00Z")).toMatchObject({ planned: 20, missed: 20, upcoming: 0 });
  });

  test("a report reaching into the future counts no future tick as missed", async () => {
    const { clock, poll, upload, counts } = await setup();
    await poll();
    clock.set(T("2026-11-24T14:00:00Z"));
    await upload([...Array(20).keys()]);
    // Tomorrow's sunrise is not due: upcoming, not missed, not in planned.
    const r = await counts("ridge", "from=2026-11-24T00:00:00Z&to=2026-11-26T00:00:00Z");
    expect(r).toMatchObject({ planned: 20, captured: 20, missed: 0, upcoming: 20 });
    expect(r.missed_by_reason).toMatchObject({ not_reported: 0 });
    // Mid-session: the ticks already due and not reported are missed, the rest upcoming.
    clock.set(T("2026-11-25T13:32:00Z"));
    expect(await counts("ridge", "from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z")).toMatchObject({ planned: 8, missed: 8, upcoming: 12 });
  });

  test("session renders: the camera never in contact has no sessions to wait for; renders count no future tick as missing", async () => {
    const { hub, clock, poll, upload } = await setup();
    const { ctx } = hub;
    await poll();
    clock.set(T("2026-11-24T13:36:00Z"));
    await upload([...Array(20).keys()]);
    for (let t = 0; t < 20; t++)
      await ctx.db.insert(captureImages).values({ captureId: `rec-${t + 1}`, cameraId: "ridge", plannedAt: T("2026-11-24T13:30:00Z") + t * 15_000, imageBytes: 10, imageCompleteAt: clock.now(), thumbnailBytes: 5, thumbnailAt: clock.now() });
    const policy = { fps: 24, crf: 20, deflicker: "none" as const, settleMs: 30 * 60_000, lookbackMs: 2 * 86_400_000, scanEveryMs: 1000 };
    const queued = await queueClosedSessions(ctx, ctx.timelapses, policy);
    expect(queued).toHaveLength(1);
    expect(await ctx.timelapses.get(queued[0]!)).toMatchObject({ camera_ids: ["ridge"] });
    clock.set(T("2026-11-24T15:00:00Z"));
    expect(await queueClosedSessions(ctx, ctx.timelapses, policy)).toEqual([]);
    // A render of today through tomorrow: tomorrow's ticks are not due, so nothing is missing.
    const { id } = await ctx.timelapses.request({ camera_id: "ridge", from: "2026-11-24T00:00:00Z", to: "2026-11-26T00:00:00Z", fps: 24, crf: 20, deflicker: "none", source: "full" }, "request");
    const [job] = await ctx.db.select().from(timelapses).where(eq(timelapses.id, id));
    const frames = await selectFrames(ctx, job!);
    expect(frames).toMatchObject({ missing: 0 });
  });

  test("the plan endpoint's windows are the report's: the same ticks", async () => {
    const { clock, poll, counts, plan } = await setup();
    clock.set(T("2026-11-24T13:32:00Z"));
    await poll(); // first contact mid-session
    clock.set(T("2026-11-24T14:00:00Z"));
    const windows = (await plan()).windows;
    expect(windows.map((w: { start: string }) => w.start)).toEqual(["2026-11-24T13:32:00.000Z"]);
    const r = await counts();
    expect(r.planned).toBe(plannedTicks(windows, T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:00Z")).length);
    expect(r).toMatchObject({ planned: 12, missed: 12 });
  });
});
