/**
 * History is immutable and a camera's life starts at its first contact, on real
 * processes: a hub, one agent shooting a morning session and one camera registered
 * but never installed, on a shared simulated clock. After the session: a profile
 * rollout, a schedule edit and a coordinate edit leave the past report (API and
 * CLI) and plan unchanged; the camera never installed misses nothing, reads
 * "waiting for first contact" and holds no session render; a report reaching
 * into tomorrow counts tomorrow's ticks as upcoming, not missed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { realMsUntil, sharedClock, type SimClock, simNow, startAgent, startHub, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER, hubCaptures } from "../harness/scenario";

const ROOT = join(import.meta.dir, "..", "..");
// 07:00–07:15 in Denver (14:00–14:15Z): 15 ticks, one a simulated minute.
const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:15", interval_seconds: 60 } },
  cameras: {
    ridge: { deployed_profile: "f", schedules: ["morning"], image_sync: "thumbnails" },
    spare: { deployed_profile: "f", schedules: ["morning"] },
  },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 60, plan_days: 1 },
};
const SESSION_END = Date.parse("2026-11-24T14:15:00Z");
const PAST = { from: "2026-11-24T13:00:00Z", to: "2026-11-24T15:00:00Z" };
const INTO_TOMORROW = { from: "2026-11-24T13:00:00Z", to: "2026-11-25T15:00:00Z" };
const COUNTS = ["planned", "captured", "missed", "missed_by_reason", "upcoming", "unplanned", "uploaded", "recovered", "first_contact_at"];
// Session renders settle for 6 simulated hours: a render queued before that was not held by anything.
const autoEnv = { SKYLAPSE_AUTO_TIMELAPSE: "1", SKYLAPSE_TIMELAPSE_SCAN_SECONDS: "0.3", SKYLAPSE_TIMELAPSE_SETTLE_MINUTES: "360" };

let clock: SimClock;
let hub: StartedHub;
let agent: StartedAgent;

function cli(args: string[]) {
  const proc = Bun.spawnSync(["bun", join(ROOT, "hub/cli/main.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_OPERATOR_TOKEN: hub.operatorToken },
  });
  return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

const q = (range: { from: string; to: string }) => new URLSearchParams(range).toString();
const counts = (report: Record<string, unknown>) => Object.fromEntries(COUNTS.map((k) => [k, report[k]]));
const report = async (camera: string, range = PAST) => hub.json(`/api/cameras/${camera}/report?${q(range)}`);
const cliReport = (camera: string, range = PAST) => JSON.parse(cli(["report", camera, "--from", range.from, "--to", range.to, "--json"]).out);
const fleetEntry = async (camera: string) => (await hub.json("/api/fleet")).cameras.find((c: { id: string }) => c.id === camera);

beforeAll(async () => {
  clock = sharedClock("2026-11-24T13:57:00Z", 60, 2500);
  hub = await startHub({ config, clock, env: autoEnv });
  agent = await startAgent({ cameraId: "ridge", hub, clock, seed: 3 });
  await waitFor("ridge's first contact", async () => (await fleetEntry("ridge"))?.online, 20_000, 100);
}, 40_000);

afterAll(async () => {
  await Promise.all([agent?.stop(), hub?.stop()]);
});

describe("history on real processes", () => {
  let before: Record<string, unknown>;
  let planBefore: unknown;

  test("the session is shot and reported; the camera never installed is waiting, misses nothing and holds no render", async () => {
    const spare = await fleetEntry("spare");
    expect(spare).toMatchObject({ status: "waiting_for_first_contact", online: false, attention: [], offline_since: null, first_contact_at: null });
    expect(cli(["fleet"]).out).toMatch(/^spare\s+waiting for first contact\s+never\s/m);

    await Bun.sleep(realMsUntil(clock, SESSION_END + 60_000));
    await waitFor("every tick of the session at the hub", async () => {
      const status = await agent.json("/status");
      return status.backlog.count === 0 && (await hubCaptures(hub, "ridge", Date.parse(PAST.from), Date.parse(PAST.to))).length >= 15;
    }, 30_000, 200);

    const r = await report("ridge");
    expect(r).toMatchObject({ planned: 15, upcoming: 0, unplanned: 0, uploaded: 15 });
    expect(r.captured + r.missed).toBe(r.planned);
    expect(r.missed_by_reason.not_reported).toBe(0);
    expect(r.captured).toBeGreaterThanOrEqual(10); // a tick may come late on a loaded machine (recorded so)
    expect(counts(cliReport("ridge"))).toEqual(counts(r));
    before = counts(r);
    planBefore = (await hub.json(`/api/cameras/ridge/plan?${q(PAST)}`)).windows;

    expect(counts(await report("spare"))).toMatchObject({ planned: 0, captured: 0, missed: 0, upcoming: 0, uploaded: 0, first_contact_at: null });
    // Ridge's session is rendered once its frames are in, long before the settle time; the spare camera has none.
    const renders = await waitFor("ridge's session render", async () => {
      const list = (await hub.json("/api/timelapses")).timelapses;
      return list.length ? list : null;
    }, 30_000, 200);
    expect(renders.map((t: { camera_ids: string[]; origin: string }) => [t.camera_ids, t.origin])).toEqual([[["ridge"], "auto"]]);
  }, 90_000);

  test("a report into tomorrow: tomorrow's ticks are upcoming, never missed", async () => {
    const r = await report("ridge", INTO_TOMORROW);
    expect(counts(r)).toEqual({ ...before, upcoming: 15 });
    const text = cli(["report", "ridge", "--from", INTO_TOMORROW.from, "--to", INTO_TOMORROW.to]).out;
    expect(text).toMatch(/^upcoming\s+15\s+not due yet/m);
    expect(text).toMatch(new RegExp(`^missed\\s+${r.missed}\\s`, "m"));
  });

  test("a rollout, a schedule edit and a coordinate edit leave the past report and plan as they were", async () => {
    expect((await hub.api("/api/profiles/g/versions", { method: "POST", body: JSON.stringify({ base: { ev: 1, metering: "spot" } }) })).status).toBe(201);
    expect((await hub.api("/api/cameras/ridge/assignment", { method: "PUT", body: JSON.stringify({ profile_id: "g", version: "1.0.0" }) })).status).toBe(200);
    await waitFor("ridge running g", async () => (await fleetEntry("ridge"))?.assignment?.converged, 20_000, 100);
    expect(counts(await report("ridge"))).toEqual(before);

    const edited = { ...config, schedules: { morning: { start_time: "06:50", end_time: "07:30", interval_seconds: 20 } } };
    expect((await hub.api("/api/config", { method: "PUT", body: JSON.stringify(edited) })).status).toBe(200);
    expect((await hub.api("/api/cameras/ridge", { method: "PATCH", body: JSON.stringify({ latitude: 45.8, longitude: 6.9, timezone: "Europe/Paris" }) })).status).toBe(200);
    // Let the agent poll the edits twice (a simulated minute is a real second).
    const editedAt = simNow(clock);
    await waitFor("ridge to poll the edits", async () => Date.parse((await agent.json("/status")).hub?.last_sync_at ?? "") > editedAt + 60_000, 20_000, 100);

    const after = await report("ridge");
    expect(counts(after)).toEqual(before);
    expect(counts(cliReport("ridge"))).toEqual(before);
    expect((await hub.json(`/api/cameras/ridge/plan?${q(PAST)}`)).windows).toEqual(planBefore);
    // Tomorrow is planned from the edits: 06:50–07:30 in Paris, every 20 s, and profile f again (the applied config names it).
    const tomorrow = (await hub.json(`/api/cameras/ridge/plan?${q({ from: "2026-11-25T00:00:00Z", to: "2026-11-26T00:00:00Z" })}`)).windows;
    expect(tomorrow).toMatchObject([{ schedule: "morning", start: "2026-11-25T05:50:00.000Z", end: "2026-11-25T06:30:00.000Z", interval_seconds: 20, profiles: ["f"] }]);
  }, 60_000);
});
