/**
 * The first system's own clients against a real agent process: its backend's
 * calls replayed verbatim (test/harness/first-system-backend.ts, ported from its
 * backend/main.py and exposure.py with its config.json profiles), and the fetch
 * sequences of its pages (profile-viewer.html, pi/static/focus-test.html).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { decode } from "jpeg-js";
import { firstSystemSettings, triggerBracketCapture, triggerCapture } from "../harness/first-system-backend";
import { sharedClock, startAgent, type StartedAgent } from "../harness/processes";

let agent: StartedAgent;
beforeAll(async () => {
  agent = await startAgent({ cameraId: "helios", clock: sharedClock("2026-06-15T18:00:00Z", 1), env: { SKYLAPSE_CLOCK_TRUSTED: "true" } });
});
afterAll(async () => {
  await agent?.stop(true);
});

const post = (path: string, body?: unknown) =>
  fetch(agent.url + path, { method: "POST", ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }) });
const meanLuma = (jpeg: Uint8Array) => {
  const { data } = decode(jpeg, { useTArray: true });
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
  return sum / (data.length / 4);
};
const captured: Record<string, { image_path: string; bytes: number }> = {};

describe("the first system's backend, replayed", () => {
  for (const profile of ["a", "b", "f", "g"]) {
    test(`profile ${profile}: trigger_capture with backend_name, then the download of image_path`, async () => {
      const settings = await firstSystemSettings(agent.url, profile);
      const { result, url, image, body } = await triggerCapture(agent.url, settings, "production");
      expect(decode(image).width).toBeGreaterThan(0);
      expect(url).toMatch(/^\/images\/[\w-]+\/[\w.+-]+\.jpg$/);
      // settings_used speaks the seed's names; ours sit beside them.
      const used = result.settings_used;
      for (const key of ["iso", "exposure_compensation", "awb_mode", "af_mode", "lens_position", "sharpness", "contrast", "saturation", "ae_metering_mode"] as const)
        if (body[key] !== undefined) expect({ key, value: used[key] }).toEqual({ key, value: body[key] });
      if (body.awb_mode === 6) expect(used.wb_temp).toBe(body.wb_temp);
      expect(used.bracket_count).toBe(1);
      expect(result.settings.white_balance.mode).toBe(({ 0: "auto", 1: "daylight", 6: "kelvin" } as Record<number, string>)[body.awb_mode as number]!);
      const record = await agent.json(`/captures/${result.capture_id}`);
      expect(record.profile_id).toBe(profile);
      captured[profile] = { image_path: result.image_path, bytes: image.byteLength };
    });
  }

  test("profile d (hdr_enabled): trigger_bracket_capture with its nulls; every frame downloads, in the order of bracket_exposures", async () => {
    const settings = await firstSystemSettings(agent.url, "d");
    expect(settings.hdr_enabled).toBe(true);
    const { body, result, images } = await triggerBracketCapture(agent.url, settings, "production");
    expect(body.sharpness).toBeNull();
    expect(result).toMatchObject({ status: "success", bracket_count: 3 });
    expect(result.filenames).toHaveLength(3);
    expect(result.settings_used).toMatchObject({ iso: body.iso, awb_mode: 6, wb_temp: body.wb_temp, af_mode: 0, lens_position: 2.45, bracket_count: 3, bracket_ev: [-2, 0, 2] });
    const luma = images.map(meanLuma);
    expect(luma[0]!).toBeLessThan(luma[1]!);
    expect(luma[1]!).toBeLessThan(luma[2]!);
    captured.d = { image_path: result.image_path, bytes: images[1]!.byteLength };
  });

  test("profile d's settings sent to /capture: hdr_enabled and bracket_exposures ignored there, as the first system did; each unknown key warned once", async () => {
    const settings = await firstSystemSettings(agent.url, "d");
    const first = await triggerCapture(agent.url, settings, "production");
    expect(first.result.settings_used.bracket_count).toBe(1);
    await triggerCapture(agent.url, settings, "production");
    for (const key of ["backend_name", "hdr_enabled", "bracket_exposures"]) {
      const warnings = agent.output.split("\n").filter((l) => l.includes("POST /capture:") && l.includes(key));
      expect({ key, warnings: warnings.length }).toEqual({ key, warnings: 1 });
    }
  });

  test("null means not given: the first system's defaults fill in (auto exposure, daylight)", async () => {
    const res = await post("/capture", { iso: null, shutter_speed: null, exposure_compensation: null, awb_mode: null, wb_temp: null, af_mode: null, lens_position: null, profile: "a", backend_name: null });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.settings_used).toMatchObject({ iso: 0, shutter_speed: "auto", exposure_compensation: 0, awb_mode: 1, bracket_count: 1 });
    // An ISO without a shutter: its 1/500.
    const manual = await (await post("/capture", { iso: 400, profile: "a" })).json();
    expect(manual.settings_used).toMatchObject({ iso: 400, shutter_speed: "1/500", awb_mode: 1 });
  });

  test("bracket_exposures of any length from 2; values still checked, naming the field", async () => {
    for (const evs of [[-1, 1], [-2, -1, 1, 2], [-2, -1.5, -1, -0.5, 0, 0.5, 1]]) {
      const body = await (await post("/capture-bracket", { bracket_exposures: evs, iso: null, profile: "e" })).json();
      expect({ n: body.bracket_count, files: body.filenames.length }).toEqual({ n: evs.length, files: evs.length });
      for (const f of body.filenames) expect((await fetch(`${agent.url}/images/profile-e/${f}`)).status).toBe(200);
    }
    for (const [body, field] of [
      [{ bracket_exposures: [0] }, "body.bracket_exposures"],
      [{ bracket_exposures: [3, 0] }, "body.bracket_exposures"],
      [{ iso: 333, backend_name: "production" }, "body.iso"],
    ] as const) {
      const res = await post(body.bracket_exposures ? "/capture-bracket" : "/capture", body);
      expect(res.status).toBe(422);
      expect((await res.json()).detail).toContain(field);
    }
  });

  test("latest-image, info and list in the first system's fields", async () => {
    const latest = await agent.json("/latest-image?profile=b");
    expect(latest).toMatchObject({ image_url: `/images/profile-b/${basename(captured.b!.image_path)}`, profile: "b", image_count: 1 });
    expect(typeof latest.timestamp).toBe("number");
    const image = await fetch(agent.url + latest.image_url);
    expect(image.headers.get("content-type")).toBe("image/jpeg");
    expect(await agent.json("/latest-image?profile=c")).toEqual({ image_url: null, image_count: 0 });
    const any = await agent.json("/latest-image");
    expect(any.image_url).toMatch(/^\/images\/profile-[\w-]+\/.+\.jpg$/);

    const info = await agent.json("/images/profile-b/info");
    expect(info).toMatchObject({ filename: basename(captured.b!.image_path), size: captured.b!.bytes, profile: "b" });
    expect(Number.isFinite(Date.parse(info.modified))).toBe(true);
    expect((await fetch(`${agent.url}/images/profile-c/info`)).status).toBe(404);

    const list = await agent.json("/images/profile-d/list");
    expect(list.profile).toBe("d");
    expect(list.count).toBe(3);
    expect(Object.keys(list.images[0])).toEqual(expect.arrayContaining(["filename", "size_bytes", "modified"]));
    expect((await fetch(`${agent.url}/images/profile-c/list`)).status).toBe(404);
    expect((await fetch(`${agent.url}/images/profile-b/not-a-capture.jpg`)).status).toBe(404);
  });

  test("a deployed profile's override capture (a test variant) downloads from its image_path too", async () => {
    const deploy = await post("/profile/deploy", { profile_id: "spot", settings: { base: { ae_metering_mode: 1, exposure_compensation: 0.7, awb_mode: 1 } } });
    expect(deploy.status).toBe(200);
    const { result, image } = await triggerCapture(agent.url, { use_deployed_profile: true, schedule_type: "sunset", override: { exposure_compensation: 1.0, hdr_enabled: null }, test_id: "t1" }, null);
    expect(result.settings_used.exposure_compensation).toBe(1);
    expect(decode(image).width).toBeGreaterThan(0);
    expect((await fetch(`${agent.url}/profile/current`, { method: "DELETE" })).status).toBe(200);
  });

  test("CORS as the first system allowed it, on the seed's GETs only", async () => {
    const origin = { headers: { origin: "http://viewer.example" } };
    for (const path of ["/images/profile-b/info", "/images/profile-c/info", "/latest-image", "/status", "/health"])
      expect({ path, cors: (await fetch(agent.url + path, origin)).headers.get("access-control-allow-origin") }).toEqual({ path, cors: "*" });
    expect((await fetch(`${agent.url}/captures`, origin)).headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${agent.url}/latest-image`, { method: "OPTIONS", headers: { origin: "http://viewer.example", "access-control-request-method": "GET", "access-control-request-headers": "x-requested-with" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toBe("x-requested-with");
    // Writes are not opened to other origins.
    const write = await fetch(`${agent.url}/capture`, { method: "OPTIONS", headers: { origin: "http://viewer.example", "access-control-request-method": "POST" } });
    expect(write.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("the first system's pages, their fetch sequences", () => {
  test("profile-viewer.html: latest.jpg with a cache-busting query, then info for the time (cross-origin)", async () => {
    for (const profile of ["a", "b", "c", "d", "e", "f"]) {
      const img = await fetch(`${agent.url}/images/profile-${profile}/latest.jpg?t=${Date.now()}`);
      expect({ profile, status: img.status }).toEqual({ profile, status: profile === "c" ? 404 : 200 });
      const res = await fetch(`${agent.url}/images/profile-${profile}/info`, { headers: { origin: "null" } });
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      const data = await res.json();
      if (profile !== "c") expect(Number.isNaN(new Date(data.modified).getTime())).toBe(false);
    }
  });

  test("focus-test.html: served from the data dir's static/ as the first system's Pi served it; then auto, stepped lens positions, each frame loaded from /images/focus-test/", async () => {
    expect((await fetch(`${agent.url}/static/focus-test.html`)).status).toBe(404);
    mkdirSync(join(agent.dataDir, "static"), { recursive: true });
    writeFileSync(join(agent.dataDir, "static", "focus-test.html"), "<script>const API_BASE = '';  // Same origin</script>");
    const page = await fetch(`${agent.url}/static/focus-test.html`);
    expect(page.headers.get("content-type")).toStartWith("text/html");
    expect(await page.text()).toContain("API_BASE");
    expect((await fetch(`${agent.url}/static/..%2Fedge.sqlite`)).status).toBe(422);
    const auto = await post("/focus-test/auto");
    expect(auto.ok).toBe(true);
    const first = await auto.json();
    let lens: number = first.lens_position || 3.0;
    expect(typeof first.lens_position).toBe("number");
    expect((await fetch(`${agent.url}/images/focus-test/${first.filename}`)).headers.get("content-type")).toBe("image/jpeg");
    const files = [first.filename];
    for (const delta of [0.1, 0.2, -0.05]) {
      lens = Math.max(0, Math.min(6.5, lens + delta));
      const res = await post(`/focus-test?lens_position=${lens}`);
      expect(res.ok).toBe(true);
      const result = await res.json();
      expect(result).toMatchObject({ success: true, lens_position: lens });
      expect(result.path).toEndWith(result.filename);
      expect((await fetch(`${agent.url}/images/focus-test/${result.filename}`)).status).toBe(200);
      files.push(result.filename);
    }
    const listed = (await agent.json("/focus-test/images")).images;
    expect(listed.map((i: { filename: string }) => i.filename)).toEqual(expect.arrayContaining(files));
    expect(listed[0]).toMatchObject({ url: `/images/focus-test/${listed[0].filename}` });
  }, 60_000);
});
