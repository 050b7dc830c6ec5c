import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { decode } from "jpeg-js";
import { realMsUntil, sharedClock, startAgent, startHub, tempDir, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";

const running: { stop: (hard?: boolean) => Promise<unknown> }[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop(true)));
});

async function call(agent: StartedAgent, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(agent.url + path, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const type = res.headers.get("content-type") ?? "";
  return { status: res.status, type, body: type.includes("json") ? await res.json() : new Uint8Array(await res.arrayBuffer()) } as { status: number; type: string; body: any };
}

const seedProfile = {
  profile_id: "mountain_spot_winter_2025",
  version: "1.2.0",
  settings: {
    base: { metering_mode: 1, ev_compensation: 0.7, awb_mode: 1, iso: 0, shutter_speed: "auto" },
    adaptive_wb: { enabled: true, lux_table: [[10000, 5500], [8000, 5500], [6000, 5450], [4000, 5300], [2000, 4800], [100, 3500]] },
    schedule_overrides: { sunrise: { exposure_compensation: 0.9 } },
  },
  schedules: ["sunrise", "daytime", "sunset"],
};

describe("the seed's Pi API, as its own QA checked it, against a real agent", () => {
  let agent: StartedAgent;

  test("health and status in live orchestration", async () => {
    agent = await startAgent({ cameraId: "pi", env: { SKYLAPSE_CLOCK_TRUSTED: "true" } });
    running.push(agent);
    expect((await call(agent, "GET", "/health")).body).toEqual({ status: "ok" });
    const status = (await call(agent, "GET", "/status")).body;
    expect(status).toMatchObject({ status: "online", camera_ready: true, operational_mode: "live_orchestration", deployed_profile: null });
    expect(typeof status.camera_model).toBe("string");
    expect((await call(agent, "GET", "/profile/current")).body).toMatchObject({ status: "no_profile", operational_mode: "live_orchestration" });
  });

  test("capture with the deployed profile before any deploy: 400 'No profile deployed'", async () => {
    const res = await call(agent, "POST", "/capture", { use_deployed_profile: true });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain("No profile deployed");
  });

  test("a deploy without profile_id is refused naming the field, and changes nothing", async () => {
    const res = await call(agent, "POST", "/profile/deploy", { version: "1.0.0", settings: { base: {} } });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain("profile_id");
    expect((await call(agent, "GET", "/profile/current")).body.status).toBe("no_profile");
    expect((await call(agent, "POST", "/profile/deploy", "{nope")).status).toBe(400);
  });

  test("deploy, current and status", async () => {
    const res = await call(agent, "POST", "/profile/deploy", seedProfile);
    expect(res.body).toMatchObject({ status: "deployed", profile_id: "mountain_spot_winter_2025", version: "1.2.0", operational_mode: "deployed_profile" });
    const current = (await call(agent, "GET", "/profile/current")).body;
    expect(current).toMatchObject({ status: "deployed", operational_mode: "deployed_profile", profile_id: "mountain_spot_winter_2025", version: "1.2.0", source: "local" });
    const status = (await call(agent, "GET", "/status")).body;
    expect(status.operational_mode).toBe("deployed_profile");
    expect(status.deployed_profile).toMatchObject({ profile_id: "mountain_spot_winter_2025", version: "1.2.0" });
  });

  test("mode 1: explicit settings (live orchestration) are used as given", async () => {
    const res = await call(agent, "POST", "/capture", { iso: 400, shutter_speed: "1/500", exposure_compensation: 0.7, awb_mode: 1, ae_metering_mode: 1, profile: "f", schedule: "sunset" });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("success");
    expect(existsSync(res.body.image_path)).toBe(true);
    expect(res.body.image_path).toContain("/sunset/f/");
    // settings_used in the seed's names and codes; ours beside them as `settings`.
    expect(res.body.settings_used).toMatchObject({ iso: 400, shutter_speed: "1/500", exposure_compensation: 0.7, awb_mode: 1, ae_metering_mode: 1 });
    expect(res.body.settings).toMatchObject({ iso: 400, shutter_us: 2000, metering: "spot", white_balance: { mode: "daylight" } });
  });

  test("mode 2: the deployed profile computes the settings (schedule override, lux table)", async () => {
    const res = await call(agent, "POST", "/capture", { use_deployed_profile: true, schedule_type: "sunrise" });
    expect(res.body.status).toBe("success");
    expect(res.body.settings_used).toMatchObject({ exposure_compensation: 0.9, ae_metering_mode: 1, awb_mode: 6 });
    expect(res.body.settings).toMatchObject({ ev: 0.9, metering: "spot", white_balance: { mode: "kelvin" } });
  });

  test("mode 3: an override applies to one capture only, recorded with its test_id; the next capture uses the profile", async () => {
    const res = await call(agent, "POST", "/capture", { use_deployed_profile: true, override: { exposure_compensation: 1.5, awb_mode: 2 }, test_id: "spring_tuning_test_3" });
    expect(res.body.settings).toMatchObject({ ev: 1.5, white_balance: { mode: "cloudy" } });
    expect(res.body.settings_used).toMatchObject({ exposure_compensation: 1.5, awb_mode: 2 });
    const record = (await call(agent, "GET", `/captures/${res.body.capture_id}`)).body;
    expect(record).toMatchObject({ test_id: "spring_tuning_test_3", test_role: "variant" });
    const next = await call(agent, "POST", "/capture", { use_deployed_profile: true });
    expect(next.body.settings.ev).toBe(0.7);
  });

  test("the error cases: bad values are 422 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ iso: 333 }, "body.iso"],
      [{ exposure_compensation: 3 }, "body.exposure_compensation"],
      [{ shutter_speed: "fast" }, "body.shutter_speed"],
      [{ awb_mode: 9 }, "body.awb_mode"],
      [{ ae_metering_mode: 3 }, "body.ae_metering_mode"],
      [{ bracket_count: 3, bracket_ev: [0, 1] }, "body.bracket_ev"],
      [{ bracket_count: 2 }, "body.bracket_count"],
      [{ override: { exposure_compensation: 1 } }, "body.use_deployed_profile"],
      [{ use_deployed_profile: "yes" }, "body.use_deployed_profile"],
      // Unknown keys are ignored as the first system's Pydantic models ignored them, but values are still checked.
      [{ surprise: 1, iso: 333 }, "body.iso"],
    ];
    const before = (await call(agent, "GET", "/captures?limit=1000")).body.captures.length;
    for (const [body, field] of cases) {
      const res = await call(agent, "POST", "/capture", body);
      expect(res.status).toBe(422);
      expect(res.body.detail).toContain(field);
    }
    expect((await call(agent, "GET", "/captures?limit=1000")).body.captures.length).toBe(before);
  });

  test("meter, brackets, latest images, capture log, thumbnails", async () => {
    const meter = (await call(agent, "GET", "/meter")).body;
    expect(Object.keys(meter)).toEqual(expect.arrayContaining(["lux", "exposure_time_us", "analogue_gain", "suggested_iso", "suggested_shutter"]));
    expect([100, 200, 400, 800, 1600, 3200]).toContain(meter.suggested_iso);
    expect(meter.suggested_shutter).toMatch(/^(1\/\d+|\d+(\.\d)?)$/);
    const bracket = (await call(agent, "POST", "/capture-bracket", { bracket_count: 5, bracket_ev: [-2, -1, 0, 1, 2] })).body;
    expect(bracket.image_paths.length).toBe(5);
    for (const p of bracket.image_paths) expect(existsSync(p)).toBe(true);
    const latest = await call(agent, "GET", "/images/profile-f/latest.jpg");
    expect(latest.type).toBe("image/jpeg");
    expect(decode(latest.body).width).toBe(640);
    expect((await call(agent, "GET", "/images/profile-f/latest.info")).body.profile).toBe("f");
    expect((await call(agent, "GET", "/images/profile-f/list")).body.count).toBe(1);
    const latestImage = (await call(agent, "GET", "/latest-image?profile=f")).body;
    expect(latestImage).toMatchObject({ profile: "f", image_count: 1 });
    expect(latestImage.image_url).toMatch(/^\/images\/profile-f\/.+\.jpg$/);
    expect((await call(agent, "GET", latestImage.image_url)).type).toBe("image/jpeg");
    expect((await call(agent, "GET", "/images/profile-nobody/latest.jpg")).status).toBe(404);
    const page = (await call(agent, "GET", "/captures?limit=2")).body;
    expect(page.captures.length).toBe(2);
    const rest = (await call(agent, "GET", `/captures?limit=100&before=${page.next}`)).body;
    expect(rest.captures.every((c: { seq: number }) => c.seq < page.next)).toBe(true);
    const thumb = await call(agent, "GET", `/captures/${page.captures[0].id}/thumbnail`);
    expect(decode(thumb.body).width).toBe(160);
    expect((await call(agent, "GET", "/captures?uploaded=maybe")).status).toBe(422);
    expect((await call(agent, "GET", "/captures/..%2F..%2Fetc%2Fpasswd/image")).status).toBeGreaterThanOrEqual(400);
    expect((await call(agent, "GET", "/images/profile-..%2F..%2Fetc/latest.info")).status).toBe(422);
  });

  test("the clear reverts to live orchestration", async () => {
    expect((await call(agent, "DELETE", "/profile/current")).body).toMatchObject({ status: "cleared", operational_mode: "live_orchestration" });
    expect((await call(agent, "GET", "/status")).body.operational_mode).toBe("live_orchestration");
    expect((await call(agent, "POST", "/capture", { use_deployed_profile: true })).status).toBe(400);
  });
});

describe("precedence and the technician token", () => {
  const config = {
    location: DENVER,
    schedules: { morning: { start_time: "07:00", end_time: "08:00", interval_seconds: 10 } },
    cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] } },
    profiles: { f: { base: { metering: "matrix" } } },
    sync: { poll_interval_seconds: 20, plan_days: 1 },
  };
  const TOKEN = "technician-token-0123456789";

  test("a hand deploy wins over the hub's assignment, survives a restart, and a clear returns to the hub's", async () => {
    const clock = sharedClock("2026-11-24T13:59:00Z", 60, 2500);
    const hub: StartedHub = await startHub({ config, clock });
    running.push(hub);
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const dataDir = tempDir("precedence");
    const start = async () => {
      const a = await startAgent({ cameraId: "ridge", hub, token, clock, dataDir, env: { SKYLAPSE_EDGE_TOKEN: TOKEN } });
      running.push(a);
      return a;
    };
    let agent = await start();
    await waitFor("the hub's profile", async () => (await call(agent, "GET", "/status")).body.deployed_profile?.source === "hub", 10_000, 50);
    expect((await call(agent, "GET", "/status")).body.deployed_profile).toMatchObject({ profile_id: "f", source: "hub" });

    // Writes need the technician token; reads do not.
    expect((await call(agent, "POST", "/profile/deploy", seedProfile)).status).toBe(401);
    expect((await call(agent, "POST", "/profile/deploy", seedProfile, "wrong-token-wrong-token")).status).toBe(401);
    expect((await call(agent, "DELETE", "/profile/current")).status).toBe(401);
    expect((await call(agent, "POST", "/sync")).status).toBe(401);
    expect((await call(agent, "POST", "/capture", { iso: 100 })).status).toBe(401);
    expect((await call(agent, "GET", "/profile/current")).body.source).toBe("hub");

    expect((await call(agent, "POST", "/profile/deploy", seedProfile, TOKEN)).status).toBe(200);
    const status = (await call(agent, "GET", "/status")).body;
    expect(status.deployed_profile).toMatchObject({ profile_id: "mountain_spot_winter_2025", source: "local" });
    expect(status.hub_assignment).toMatchObject({ profile_id: "f" });
    await Bun.sleep(realMsUntil(clock, Date.parse("2026-11-24T14:02:00Z")));
    const planned = (await call(agent, "GET", "/captures?limit=3&outcome=captured")).body.captures;
    expect(planned.every((c: { profile_id: string; schedule: string }) => c.profile_id === "mountain_spot_winter_2025" && c.schedule === "morning")).toBe(true);

    await agent.stop(true);
    agent = await start();
    expect((await call(agent, "GET", "/status")).body.deployed_profile.source).toBe("local");
    const cleared = (await call(agent, "DELETE", "/profile/current", undefined, TOKEN)).body;
    expect(cleared).toMatchObject({ status: "cleared", operational_mode: "deployed_profile" });
    expect(cleared.message).toContain("hub");
    expect((await call(agent, "GET", "/status")).body.deployed_profile).toMatchObject({ profile_id: "f", source: "hub" });
  }, 60_000);
});
