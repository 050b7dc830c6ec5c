import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { startAgent, type StartedAgent, tempDir } from "../harness/processes";

const FAKE = join(import.meta.dir, "..", "fixtures", "rpicam-still");
let agent: StartedAgent | undefined;
afterEach(async () => {
  await agent?.stop(true);
  agent = undefined;
});

const start = (env: Record<string, string> = {}) =>
  startAgent({ cameraId: "pi", env: { SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_CAMERA_DRIVER: "rpicam", SKYLAPSE_RPICAM_BIN: FAKE, SKYLAPSE_RPICAM_TIMEOUT_MS: "1500", ...env } });

async function post(path: string, body: unknown) {
  const res = await fetch(agent!.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

describe("the agent on the rpicam driver (against the fake rpicam-still)", () => {
  test("meter and capture go through rpicam-still; the seed's awb code 1 reaches it as --awb daylight", async () => {
    const log = join(tempDir("rpicam"), "argv.jsonl");
    agent = await start({ FAKE_RPICAM_LOG: log });
    const status = await agent.json("/status");
    expect(status.camera_model).toContain("rpicam");
    expect(status.camera_ready).toBe(true);
    expect((await agent.json("/meter")).lux).toBeGreaterThan(0);
    const shot = await post("/capture", { iso: 200, shutter_speed: "1/250", awb_mode: 1, ae_metering_mode: 2 });
    expect(shot.status).toBe(200);
    expect(shot.body.exposure).toMatchObject({ exposure_time_us: 4000, analogue_gain: 2 });
    expect(shot.body.image.width).toBeGreaterThan(0);
    const runs = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l).argv as string[]);
    const capture = runs.findLast((argv) => argv.includes("--shutter"))!;
    expect(capture[capture.indexOf("--awb") + 1]).toBe("daylight");
    expect(capture[capture.indexOf("--metering") + 1]).toBe("average");
    expect(capture[capture.indexOf("--gain") + 1]).toBe("2");
  });

  for (const [fail, reason] of [["busy", "camera_busy"], ["no-camera", "camera_missing"], ["hang", "timeout"], ["exit", "exit_code"], ["garbage-metadata", "bad_metadata"]] as const) {
    test(`${fail}: the capture is a recorded failure with reason ${reason}, and the agent goes on`, async () => {
      agent = await start({ FAKE_RPICAM_FAIL: fail });
      const shot = await post("/capture", { iso: 100 });
      expect(shot.status).toBe(503);
      expect(shot.body.message).toStartWith(`${reason}:`);
      const [record] = (await agent.json("/captures?limit=1")).captures;
      expect(record).toMatchObject({ outcome: "failed", reason_code: "camera_error" });
      expect(record.reason).toStartWith(`${reason}:`);
      expect((await agent.json("/health")).status).toBe("ok");
    }, 20_000);
  }
});
