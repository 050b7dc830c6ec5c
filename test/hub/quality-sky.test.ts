/**
 * Quality on the simulated sky, in process: a simulated camera runs what the hub
 * gives mountain_view (the example config's primary profile f) for twelve midday
 * ticks, as an agent would (meter → resolve → capture → measure the main frame),
 * and uploads the records. The profile f shipped before (spot +0.7 EV) blows the
 * sky out while its mean luma looks fine: the fleet and the report must say so in
 * words; the example's own profile f holds the sky and raises nothing.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SimulatedCamera } from "../../edge/camera/simulated";
import type { CapturedFrame } from "../../edge/camera/driver";
import type { CaptureRecord, DesiredState } from "../../shared/contracts/sync";
import { resolveSettings } from "../../shared/exposure/resolve";
import { measureJpeg, stopsFromTarget } from "../../shared/image/measures";
import { formatFleet, formatReport } from "../../hub/cli/format";
import { captureRecord, observedState } from "../harness/fixtures";
import { inProcessHub } from "../harness/in-process";

const OPERATOR = "operator-token-for-tests-0012";
const EXAMPLE = JSON.parse(readFileSync(join(import.meta.dir, "..", "..", "config.example.json"), "utf8"));
/** Local noon in Denver on the in-process hub's day, on the daytime schedule's 30 s grid. */
const NOON = Date.parse("2026-11-24T19:00:00Z");
const TICKS = 12;

/** The example with profile f as it shipped before: spot metering, +0.7 EV (+0.9 at sunrise). */
function withOldPrimary() {
  const config = structuredClone(EXAMPLE);
  config.profiles.f.settings.base.exposure_compensation = 0.7;
  config.profiles.f.settings.schedule_overrides = { sunrise: { exposure_compensation: 0.9 } };
  return config;
}

const mainFrame = (frames: CapturedFrame[]) => frames.reduce((best, f) => (Math.abs(f.bracket_ev) < Math.abs(best.bracket_ev) ? f : best));

/** Twelve midday captures of mountain_view under `config`, uploaded; the fleet's and the report's view of it. */
async function middayOf(config: unknown, seed: number) {
  const { hub, clock } = await inProcessHub(config, OPERATOR);
  async function call(method: string, path: string, token: string, body?: unknown) {
    const res = await hub.app.handle(
      new Request(`http://localhost${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    expect(res.status).toBe(200);
    return res.json() as Promise<any>;
  }
  const token = (await call("POST", "/api/cameras/mountain_view/token", OPERATOR)).token as string;
  clock.set(NOON);
  const desired = (await call("POST", "/agent/v1/state", token, observedState({}, { now: NOON }))).desired as DesiredState;
  const snapshot = desired.profiles.find((p) => p.profile_id === desired.assignment!.profile_id && p.version === desired.assignment!.version)!;
  const camera = new SimulatedCamera({ seed, position: () => ({ latitude: desired.camera.latitude, longitude: desired.camera.longitude }) });

  const records: CaptureRecord[] = [];
  for (let i = 0; i < TICKS; i++) {
    const at = NOON + i * 30_000;
    const meter = await camera.meter(at);
    const settings = resolveSettings(snapshot, "daytime", meter);
    const frame = mainFrame(await camera.capture(settings, at));
    const planned = new Date(at).toISOString();
    records.push(
      captureRecord(i + 1, {
        planned_at: planned,
        captured_at: planned,
        schedule: "daytime",
        profile_id: snapshot.profile_id,
        profile_version: snapshot.version,
        settings,
        meter,
        exposure: frame.exposure,
        measures: measureJpeg(frame.jpeg),
      }),
    );
  }
  clock.set(NOON + TICKS * 30_000);
  await call("POST", "/agent/v1/captures", token, { log_id: "log-1", records });
  await call("POST", "/agent/v1/state", token, observedState({ last_seq: TICKS }, { now: clock.now() }));
  const fleet = await call("GET", "/api/fleet", OPERATOR);
  const report = await call("GET", `/api/cameras/mountain_view/report?from=2026-11-24T07:00:00Z&to=2026-11-25T07:00:00Z`, OPERATOR);
  return { fleet, report, camera: fleet.cameras.find((c: { id: string }) => c.id === "mountain_view"), records };
}

describe("exposure quality on the simulated sky", () => {
  test("the old primary profile (spot +0.7 EV) clips the midday sky: clipped attention in words, though the mean luma is within a stop", async () => {
    const { camera, fleet, report, records } = await middayOf(withOldPrimary(), 1);
    // What the fleet used to judge by: bright, but not drifting.
    const lumas = records.map((r) => r.measures!.mean_luma);
    expect(lumas.every((y) => stopsFromTarget(y) > 0 && stopsFromTarget(y) < 1)).toBe(true);
    expect(camera.exposure.drifting).toBe(false);

    expect(camera.attention).toContain("clipped");
    const clipped = camera.exposure.issues.find((i: { kind: string }) => i.kind === "clipped");
    expect(clipped).toMatchObject({ profile_id: "f", frames: TICKS, since: new Date(NOON).toISOString() });
    expect(clipped.value).toBeGreaterThan(25);
    expect(clipped.text).toBe(`sky clipped ${Math.round(clipped.value)} % for ${TICKS} frames`);
    expect(formatFleet(fleet).split("\n").find((l) => l.startsWith("mountain_view"))).toContain(clipped.text);
    expect(report.exposure.issues).toEqual(camera.exposure.issues);
    expect(formatReport(report)).toContain(`ATTENTION ${clipped.text} since`);
  }, 60_000);

  test("the example's profile f holds the midday sky: nothing to flag", async () => {
    for (const seed of [1, 2]) {
      const { camera, records } = await middayOf(EXAMPLE, seed);
      expect(records.every((r) => r.measures!.clipped_highlights_pct < 10)).toBe(true);
      expect(camera.exposure.issues).toEqual([]);
      expect(camera.attention).toEqual([]);
      expect(camera.exposure.recent_mean_luma).toBeGreaterThan(80);
    }
  }, 60_000);
});
