import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { realMsUntil, Service, sharedClock, type SimClock, startHub, tempDir, waitFor } from "../harness/processes";
import { DENVER, expectedTicks, hubCaptures } from "../harness/scenario";

const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const STAND_IN = join(import.meta.dir, "..", "fixtures", "first-system", "pi.ts");
const stops: { stop: (hard?: boolean) => Promise<unknown> }[] = [];
afterAll(async () => {
  await Promise.all(stops.map((s) => s.stop(true)));
});

/** The first system's Pi API, as its pi/main.py serves it (test/fixtures/first-system/pi.ts). */
async function startFirstSystemPi(clock: SimClock) {
  const root = tempDir("first-system-images");
  const log = join(tempDir("first-system-log"), "captures.jsonl");
  const proc = Bun.spawn(["bun", STAND_IN], {
    env: {
      PATH: process.env.PATH ?? "",
      FIRST_SYSTEM_ROOT: root,
      FIRST_SYSTEM_LOG: log,
      SKYLAPSE_CLOCK_START: clock.start,
      SKYLAPSE_CLOCK_SPEED: String(clock.speed),
      SKYLAPSE_CLOCK_ANCHOR: clock.anchor,
    },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const pi = new Service("first-system pi", proc);
  stops.push(pi);
  await pi.waitForUrl();
  const bodies = () =>
    readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
  return { pi, root, port: Number(new URL(pi.url).port), bodies };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("live orchestration of a first-system Pi (its pi/main.py API)", () => {
  test("the hub meters without colour temperature, captures with the settings it understands, and stores each picture like an uploaded one", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 4000);
    const lettered = await startFirstSystemPi(clock);
    const named = await startFirstSystemPi(clock);
    const unflagged = await startFirstSystemPi(clock);
    const live = (port: number, profile: string) => ({ mode: "live", api: "first_system", host: "127.0.0.1", port, deployed_profile: profile, schedules: ["morning"] });
    const config = {
      location: DENVER,
      schedules: { morning: { start_time: "07:00", end_time: "07:03", interval_seconds: 15 } },
      // Profile "a" is one of its folders (profile-a/); "ridge_main" is not a profile it knows, so it is sent as "default".
      cameras: { ridge: live(lettered.port, "a"), summit: live(named.port, "ridge_main"), unflagged: { ...live(unflagged.port, "a"), api: undefined } },
      profiles: {
        a: { base: { metering: "spot", ev: 0.3, white_balance: { mode: "kelvin", kelvin: 5600 } } },
        ridge_main: { base: { iso: 125, shutter_us: 4000, quality: 95 } },
      },
      sync: { poll_interval_seconds: 60, plan_days: 1 },
    };
    const hub = await startHub({ config, clock, env: { SKYLAPSE_LIVE_TIMEOUT_MS: "5000" } });
    stops.push(hub);
    const ticks = expectedTicks(config, "ridge", T("13:59"), T("14:04")).map((t) => new Date(t.at).toISOString());
    expect(ticks.length).toBeGreaterThan(5);
    await Bun.sleep(realMsUntil(clock, T("14:03") + 15_000));
    await waitFor("every tick to be stored", async () => (await hubCaptures(hub, "summit", T("13:59"), T("14:04"))).length === ticks.length, 15_000, 100);

    for (const [id, pi] of [["ridge", lettered], ["summit", named]] as const) {
      const records = await hubCaptures(hub, id, T("13:59"), T("14:04"));
      // Each picture is stored right after its record.
      await waitFor(`${id}'s pictures to be stored`, async () => {
        for (const r of records) if ((await hub.api(`/api/cameras/${id}/captures/${r.id}/thumbnail`)).status !== 200) return false;
        return true;
      }, 10_000, 100);
      expect(records.map((r) => r.planned_at).sort()).toEqual(ticks);
      expect(records.filter((r) => r.outcome !== "captured").map((r) => r.reason)).toEqual([]);
      for (const r of records) {
        expect(r.meter).toMatchObject({ lux: 800, analogue_gain: 4, colour_temperature: null });
        // The record points at the Pi's file; the hub holds the same bytes, full and as a thumbnail.
        const onPi = new Uint8Array(readFileSync(join(pi.root, r.image.file.startsWith("profile-") ? r.image.file : r.image.file.split("/").at(-1))));
        expect(r.image).toMatchObject({ sha256: sha256(onPi), bytes: onPi.length, width: 96, height: 64, frames: 1 });
        expect(r.measures.mean_luma).toBeGreaterThan(0);
        const full = await hub.api(`/api/cameras/${id}/captures/${r.id}/image`);
        expect(full.status).toBe(200);
        expect(sha256(new Uint8Array(await full.arrayBuffer()))).toBe(r.image.sha256);
        const thumb = await hub.api(`/api/cameras/${id}/captures/${r.id}/thumbnail`);
        expect(thumb.status).toBe(200);
        expect(new Uint8Array(await thumb.arrayBuffer()).subarray(0, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
      }
      // The dashboard's fleet view shows the newest of them.
      const fleet = await hub.json("/api/fleet");
      const row = fleet.cameras.find((c: { id: string }) => c.id === id);
      expect(row.latest_picture.planned_at).toBe(ticks.at(-1));
    }

    // A timelapse is made of them like of any pictures.
    const window = { from: new Date(T("13:59")).toISOString(), to: new Date(T("14:04")).toISOString() };
    const job = await hub.json("/api/timelapses", { method: "POST", body: JSON.stringify({ camera_id: "ridge", ...window, deflicker: "none" }) });
    const rendered = await waitFor("the timelapse to finish", async () => {
      const t = await hub.json(`/api/timelapses/${job.id}`);
      return ["done", "failed", "cancelled"].includes(t.status) ? t : null;
    }, 60_000, 200);
    expect(rendered).toMatchObject({ status: "done", frames: ticks.length });

    // What it was sent: only the keys its CaptureSettings has, in its codes and limits.
    const understood = new Set(["iso", "shutter_speed", "exposure_compensation", "profile", "awb_mode", "wb_temp", "ae_metering_mode", "af_mode", "lens_position", "sharpness", "contrast", "saturation", "bracket_count", "bracket_ev"]);
    for (const body of [...lettered.bodies(), ...named.bodies()]) for (const key of Object.keys(body)) expect(understood.has(key)).toBe(true);
    expect(lettered.bodies()[0]).toMatchObject({ iso: 0, profile: "a", awb_mode: 6, wb_temp: 5600, ae_metering_mode: 1, exposure_compensation: 0.3 });
    // A manual ISO 125 snaps to its nearest step; the profile it does not know goes to its default folder.
    expect(named.bodies()[0]).toMatchObject({ iso: 100, shutter_speed: "1/250", profile: "default" });
    // A first-system Pi not flagged as one: each tick a camera error that says what to set.
    const confused = await hubCaptures(hub, "unflagged", T("13:59"), T("14:04"));
    expect(confused.length).toBe(ticks.length);
    for (const r of confused) expect(r.reason).toContain('it answers like a first-system Pi, so set its "api" to "first_system"');
    const status = (await hub.json("/api/live")).cameras;
    expect(status.find((c: { camera_id: string }) => c.camera_id === "ridge")).toMatchObject({ api: "first_system", reachable: true, consecutive_failures: 0 });
  }, 90_000);
});
