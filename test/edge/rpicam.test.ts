import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decode } from "jpeg-js";
import { CameraError } from "../../edge/camera/driver";
import { RpicamCamera } from "../../edge/camera/rpicam";
import {
  classifyFailure,
  framePlans,
  IMX519_CT_CURVE,
  kelvinToAwbGains,
  LIBCAMERA_AWB_MODE,
  previewMs,
  processDeadlineMs,
  RPICAM_AWB,
  settingsArgs,
  stillArgs,
} from "../../edge/camera/rpicam-args";
import { type CaptureSettings, DEFAULT_SETTINGS, type WhiteBalanceMode } from "../../shared/contracts/settings";
import { SEED_AWB_CODES } from "../../shared/exposure/seed-codes";

const FAKE = resolve(import.meta.dir, "../fixtures/rpicam-still");
const AT = Date.parse("2026-06-21T18:00:00Z");
const settings = (patch: Partial<CaptureSettings> = {}): CaptureSettings => ({ ...DEFAULT_SETTINGS, ...patch });
const tmp = () => mkdtempSync(join(tmpdir(), "skylapse-rpicam-"));

/** The value after `name` in argv, or undefined when the option is absent. */
function opt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

/** A driver on the fake tool; `calls()` reads the argv of every invocation from the fake's log. */
function fakeCamera(env: Record<string, string> = {}, options: { timeoutMs?: number; bin?: string } = {}) {
  const dir = tmp();
  const workDir = join(dir, "work");
  const log = join(dir, "calls.jsonl");
  const cam = new RpicamCamera({
    bin: options.bin ?? FAKE,
    workDir,
    settleMs: 5,
    timeoutMs: options.timeoutMs ?? 10_000,
    env: { FAKE_RPICAM_LOG: log, ...env },
  });
  const calls = (): { pid: number; argv: string[] }[] =>
    existsSync(log)
      ? readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
      : [];
  const leftovers = () => (existsSync(workDir) ? readdirSync(workDir) : []);
  return { cam, calls, leftovers };
}

async function failure(p: Promise<unknown>): Promise<CameraError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CameraError);
    return e as CameraError;
  }
  throw new Error("expected a CameraError");
}

/** Mean of each channel of a JPEG. */
function meanRgb(jpeg: Uint8Array): [number, number, number] {
  const { data, width, height } = decode(jpeg, { useTArray: true });
  const sum = [0, 0, 0];
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) sum[c]! += data[i * 4 + c]!;
  return sum.map((s) => s / (width * height)) as [number, number, number];
}
const luma = (jpeg: Uint8Array) => {
  const [r, g, b] = meanRgb(jpeg);
  return 0.299 * r + 0.587 * g + 0.114 * b;
};

function runFake(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawnSync([FAKE, ...args], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

describe("settings → rpicam-still options", () => {
  test("shutter goes in µs as --shutter; auto shutter passes none", () => {
    expect(opt(settingsArgs(settings({ shutter_us: 2000 })), "--shutter")).toBe("2000");
    expect(settingsArgs(settings({ shutter_us: null }))).not.toContain("--shutter");
  });

  test("ISO becomes analogue gain iso/100, clamped to the IMX519's 1..16", () => {
    expect(opt(settingsArgs(settings({ iso: 400 })), "--gain")).toBe("4");
    expect(opt(settingsArgs(settings({ iso: 250 })), "--gain")).toBe("2.5");
    expect(opt(settingsArgs(settings({ iso: 50 })), "--gain")).toBe("1");
    expect(opt(settingsArgs(settings({ iso: 6400 })), "--gain")).toBe("16");
  });

  test("auto ISO passes no --gain, so the gain floats", () => {
    const args = settingsArgs(settings({ iso: null, shutter_us: 10_000 }));
    expect(args).not.toContain("--gain");
    expect(args).not.toContain("--analoggain");
  });

  test("--ev is passed while anything is automatic, and dropped when exposure is fully manual", () => {
    expect(opt(settingsArgs(settings({ ev: -0.7 })), "--ev")).toBe("-0.7");
    expect(opt(settingsArgs(settings({ ev: 1, shutter_us: 8000 })), "--ev")).toBe("1");
    expect(opt(settingsArgs(settings({ ev: 1, iso: 200 })), "--ev")).toBe("1");
    expect(settingsArgs(settings({ ev: 1, iso: 200, shutter_us: 8000 }))).not.toContain("--ev");
  });

  for (const [ours, theirs] of [
    ["centre", "centre"],
    ["spot", "spot"],
    ["matrix", "average"],
  ] as const) {
    test(`metering ${ours} → --metering ${theirs}`, () => {
      expect(opt(settingsArgs(settings({ metering: ours })), "--metering")).toBe(theirs);
    });
  }

  for (const mode of Object.keys(RPICAM_AWB) as Exclude<WhiteBalanceMode, "kelvin">[]) {
    test(`white balance ${mode} → --awb ${mode}`, () => {
      const args = settingsArgs(settings({ white_balance: { mode } }));
      expect(opt(args, "--awb")).toBe(mode);
      expect(args).not.toContain("--awbgains");
    });
  }

  test("the seed-code trap: seed 1 is daylight and goes out as --awb daylight (libcamera's number 1 would be Incandescent)", () => {
    const daylight = SEED_AWB_CODES[1]!;
    const incandescent = SEED_AWB_CODES[5]!;
    expect(daylight).toBe("daylight");
    expect(incandescent).toBe("incandescent");
    expect(opt(settingsArgs(settings({ white_balance: { mode: daylight } })), "--awb")).toBe("daylight");
    expect(opt(settingsArgs(settings({ white_balance: { mode: incandescent } })), "--awb")).toBe("incandescent");
    // What the first system did: its code went straight into libcamera's AwbMode enum.
    expect(LIBCAMERA_AWB_MODE.incandescent).toBe(1);
    expect(LIBCAMERA_AWB_MODE.daylight).toBe(5);
  });

  test("fixed kelvin → --awbgains r,b from the IMX519 ct_curve: warm light gets low red and high blue gain", () => {
    const args = settingsArgs(settings({ white_balance: { mode: "kelvin", kelvin: 3000 } }));
    expect(args).not.toContain("--awb");
    const [red, blue] = opt(args, "--awbgains")!.split(",").map(Number) as [number, number];
    expect(red).toBeLessThan(blue);
    const day = kelvinToAwbGains(6500);
    expect(red).toBeLessThan(day.red);
    expect(blue).toBeGreaterThan(day.blue);
    expect(day.red).toBeGreaterThan(day.blue);
    // At the tuning's own points the gains are the reciprocals of its R/G and B/G.
    for (const [k, r, b] of IMX519_CT_CURVE) {
      expect(kelvinToAwbGains(k).red).toBeCloseTo(1 / r, 3);
      expect(kelvinToAwbGains(k).blue).toBeCloseTo(1 / b, 3);
    }
  });

  test("kelvin → gains is strictly monotonic over the whole 1500–15000 K range, beyond the tuned 2890–7900 K too", () => {
    let previous = kelvinToAwbGains(1500);
    for (let k = 1600; k <= 15_000; k += 100) {
      const g = kelvinToAwbGains(k);
      expect(g.red).toBeGreaterThan(previous.red);
      expect(g.blue).toBeLessThan(previous.blue);
      expect(g.blue).toBeGreaterThan(0);
      previous = g;
    }
  });

  test("focus manual holds the lens at lens_position dioptres; continuous and auto pass no lens position", () => {
    const manual = settingsArgs(settings({ focus: "manual", lens_position: 2.45 }));
    expect(opt(manual, "--autofocus-mode")).toBe("manual");
    expect(opt(manual, "--lens-position")).toBe("2.45");
    expect(settingsArgs(settings({ focus: "manual", lens_position: null }))).not.toContain("--lens-position");
    const continuous = settingsArgs(settings({ focus: "continuous", lens_position: 2.45 }));
    expect(opt(continuous, "--autofocus-mode")).toBe("continuous");
    expect(continuous).not.toContain("--lens-position");
    const auto = settingsArgs(settings({ focus: "auto" }));
    expect(opt(auto, "--autofocus-mode")).toBe("auto");
    expect(auto).toContain("--autofocus-on-capture");
  });

  test("quality, sharpness, contrast and saturation pass through (clamped to what rpicam-apps uses)", () => {
    const args = settingsArgs(settings({ quality: 88, sharpness: 1.5, contrast: 1.2, saturation: 0 }));
    expect(opt(args, "-q")).toBe("88");
    expect(opt(args, "--sharpness")).toBe("1.5");
    expect(opt(args, "--contrast")).toBe("1.2");
    expect(opt(args, "--saturation")).toBe("0");
    expect(opt(settingsArgs(settings({ contrast: 32 })), "--contrast")).toBe("15.99");
  });

  test("a long exposure is passed explicitly and -t gives the preview at least two frames of it", () => {
    const files = { output: "/w/a.jpg", metadata: "/w/a.json" };
    const long = stillArgs(settings({ shutter_us: 20_000_000, iso: 100 }), files, { settleMs: 1000 });
    expect(opt(long, "--shutter")).toBe("20000000");
    expect(Number(opt(long, "-t"))).toBeGreaterThanOrEqual(40_000);
    expect(opt(stillArgs(settings({ shutter_us: 8000 }), files, { settleMs: 1000 }), "-t")).toBe("1000");
    expect(previewMs(120_000, 1000)).toBe(1000);
    expect(previewMs(150_000, 100)).toBe(300);
    // The kill deadline grows with it; a normal frame keeps the plain timeout.
    expect(processDeadlineMs(30_000, 20_000_000, 1000)).toBeGreaterThanOrEqual(30_000 + 40_000 + 2 * 20_000);
    expect(processDeadlineMs(30_000, 8000, 1000)).toBe(30_000);
  });

  test("a still's argv: no preview, output, metadata as JSON, preview time", () => {
    const args = stillArgs(settings(), { output: "/w/a.jpg", metadata: "/w/a.json" }, { settleMs: 750 });
    expect(args[0]).toBe("-n");
    expect(opt(args, "-o")).toBe("/w/a.jpg");
    expect(opt(args, "--metadata")).toBe("/w/a.json");
    expect(opt(args, "--metadata-format")).toBe("json");
    expect(opt(args, "-t")).toBe("750");
  });

  test("bracket plans: auto exposure offsets --ev from the base; fully manual multiplies the shutter", () => {
    const auto = framePlans(settings({ ev: 0.5, bracket: { count: 3, ev: [-2, 0, 2] } }));
    expect(auto.map((f) => [f.bracket_ev, f.ev, f.shutter_us])).toEqual([
      [-2, -1.5, null],
      [0, 0.5, null],
      [2, 2.5, null],
    ]);
    const manual = framePlans(settings({ iso: 100, shutter_us: 4000, bracket: { count: 3, ev: [-1, 0, 1] } }));
    expect(manual.map((f) => [f.shutter_us, f.ev, f.gain])).toEqual([
      [2000, null, 1],
      [4000, null, 1],
      [8000, null, 1],
    ]);
  });

  test("stderr and exit status are classified", () => {
    const ctx = { bin: "rpicam-still", deadlineMs: 1000 };
    const run = (stderr: string, exitCode = 255) => classifyFailure({ exitCode, signal: null, stderr, timedOut: false }, ctx);
    expect(run("ERROR: *** failed to acquire camera /base/x ***").reason).toBe("camera_busy");
    expect(run("[0:1] ERROR V4L2 ...: Failed to open V4L2 device: Device or resource busy\nERROR: *** no cameras available ***").reason).toBe(
      "camera_busy",
    );
    expect(run("ERROR Camera camera.cpp:1008 Pipeline handler in use by another process").reason).toBe("camera_busy");
    expect(run("ERROR: *** no cameras available ***").reason).toBe("camera_missing");
    const other = run("INFO something\nERROR: *** failed to start camera ***\n\n", 1);
    expect(other.reason).toBe("exit_code");
    expect(other.message).toContain("exited with code 1: failed to start camera");
    expect(classifyFailure({ exitCode: null, signal: null, stderr: "", timedOut: true }, ctx).reason).toBe("timeout");
  });
});

describe("the fake rpicam-still checks its arguments like the real tool", () => {
  test("an unknown option, a bad enum, a seed-style numeric awb, a malformed value: exit 255 with the tool's message", () => {
    const unknown = runFake(["-n", "--awb-mode", "1"]);
    expect(unknown.code).toBe(255);
    expect(unknown.stderr).toContain("ERROR: *** unrecognised option '--awb-mode' ***");
    const numericAwb = runFake(["-n", "--awb", "1"]);
    expect(numericAwb.code).toBe(255);
    expect(numericAwb.stderr).toContain("Invalid AWB mode: 1");
    expect(runFake(["--metering", "matrixx"]).stderr).toContain("Invalid metering mode: matrixx");
    expect(runFake(["--ev", "abc"]).stderr).toContain("the argument ('abc') for option '--ev' is invalid");
    expect(runFake(["--gain", "0.5"]).code).toBe(255);
    expect(runFake(["--awbgains", "1.5"]).stderr).toContain("Invalid AWB gains");
    expect(runFake(["-q", "50", "-q", "60"]).stderr).toContain("cannot be specified more than once");
    expect(runFake(["--version"]).code).toBe(0);
  });

  test("--awbgains, --shutter and --gain are echoed in the metadata; brightness follows the exposure", () => {
    const dir = tmp();
    const shoot = (name: string, extra: string[]) => {
      const r = runFake(["-n", "-t", "5", "-o", join(dir, `${name}.jpg`), "--metadata", join(dir, `${name}.json`), ...extra]);
      expect(r.code).toBe(0);
      return { md: JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")), jpeg: new Uint8Array(readFileSync(join(dir, `${name}.jpg`))) };
    };
    const a = shoot("a", ["--shutter", "5000", "--gain", "2", "--awbgains", "1.4,2.5"]);
    expect(a.md.ExposureTime).toBe(5000);
    expect(a.md.AnalogueGain).toBe(2);
    expect(a.md.ColourGains).toEqual([1.4, 2.5]);
    const b = shoot("b", ["--shutter", "10000", "--gain", "2", "--awbgains", "1.4,2.5"]);
    expect(luma(b.jpeg)).toBeGreaterThan(luma(a.jpeg) + 10);
    for (const key of ["DigitalGain", "ColourTemperature", "Lux", "FocusFoM", "SensorTemperature", "FrameDuration", "AeLocked", "SensorTimestamp"])
      expect(a.md).toHaveProperty(key);
  });
});

describe("RpicamCamera through the fake tool", () => {
  test("a capture: the JPEG decodes, the exposure comes from the metadata, temp files are removed", async () => {
    const { cam, calls, leftovers } = fakeCamera();
    expect(cam.model).toContain("rpicam (");
    const frames = await cam.capture(settings({ iso: 200, shutter_us: 4000, focus: "manual", lens_position: 2.45 }), AT);
    expect(frames).toHaveLength(1);
    const [frame] = frames;
    expect(frame!.bracket_ev).toBe(0);
    const img = decode(frame!.jpeg);
    expect([img.width, img.height]).toEqual([frame!.width, frame!.height]);
    expect(frame!.exposure.exposure_time_us).toBe(4000);
    expect(frame!.exposure.analogue_gain).toBe(2);
    expect(frame!.exposure.colour_temperature).toBeGreaterThan(0);
    expect(frame!.exposure.focus_fom).toBeGreaterThan(1500);
    const argv = calls()[0]!.argv;
    expect(argv).toContain("-n");
    expect(opt(argv, "--metadata-format")).toBe("json");
    expect(leftovers()).toEqual([]);
  });

  test("auto exposure: the camera's choice is reported", async () => {
    const { cam } = fakeCamera({ FAKE_RPICAM_LUX: "40" });
    const [frame] = await cam.capture(settings(), AT);
    expect(frame!.exposure.exposure_time_us).toBeGreaterThan(10_000);
    expect(frame!.exposure.analogue_gain).toBeGreaterThan(1);
  });

  test("meter: a quick run (--immediate, JPEG to /dev/null) read into a MeterReading", async () => {
    const { cam, calls, leftovers } = fakeCamera({ FAKE_RPICAM_LUX: "1234", FAKE_RPICAM_KELVIN: "4800" });
    const reading = await cam.meter(AT);
    expect(reading.lux).toBe(1234);
    expect(reading.exposure_time_us).toBeGreaterThan(0);
    expect(reading.analogue_gain).toBeGreaterThanOrEqual(1);
    expect(reading.colour_temperature).toBe(4800);
    const argv = calls()[0]!.argv;
    expect(argv).toContain("--immediate");
    expect(opt(argv, "-o")).toBe("/dev/null");
    expect(leftovers()).toEqual([]);
  });

  test("seed awb code 1 reaches the camera as daylight, code 5 as incandescent", async () => {
    const { cam } = fakeCamera({ FAKE_RPICAM_KELVIN: "5000" });
    const [day] = await cam.capture(settings({ white_balance: { mode: SEED_AWB_CODES[1]! } }), AT);
    const [warm] = await cam.capture(settings({ white_balance: { mode: SEED_AWB_CODES[5]! } }), AT);
    expect(day!.exposure.colour_temperature).toBeGreaterThanOrEqual(5500);
    expect(warm!.exposure.colour_temperature).toBeLessThanOrEqual(3000);
  });

  test("fixed kelvin neutralises light of that temperature; a higher setting leaves it warm", async () => {
    const { cam } = fakeCamera({ FAKE_RPICAM_KELVIN: "3000" });
    const [matched] = await cam.capture(settings({ iso: 100, shutter_us: 6000, white_balance: { mode: "kelvin", kelvin: 3000 } }), AT);
    const [cool] = await cam.capture(settings({ iso: 100, shutter_us: 6000, white_balance: { mode: "kelvin", kelvin: 6500 } }), AT);
    const [r1, , b1] = meanRgb(matched!.jpeg);
    const [r2, , b2] = meanRgb(cool!.jpeg);
    expect(Math.abs(r1 - b1)).toBeLessThan(6);
    expect(r2 - b2).toBeGreaterThan(30);
    expect(matched!.exposure.colour_temperature).toBeGreaterThan(2900);
    expect(matched!.exposure.colour_temperature).toBeLessThan(3100);
  });

  for (const ev of [
    [-2, 0, 2],
    [-2, -1, 0, 1, 2],
  ]) {
    test(`a ${ev.length}-frame auto bracket: one run per frame with --ev base+offset, in order, brighter each step`, async () => {
      const { cam, calls } = fakeCamera();
      const frames = await cam.capture(settings({ ev: 0.5, bracket: { count: ev.length as 3 | 5, ev } }), AT);
      expect(frames.map((f) => f.bracket_ev)).toEqual(ev);
      expect(calls().map((c) => Number(opt(c.argv, "--ev")))).toEqual(ev.map((o) => 0.5 + o));
      const lumas = frames.map((f) => luma(f.jpeg));
      for (let i = 1; i < lumas.length; i++) expect(lumas[i]!).toBeGreaterThan(lumas[i - 1]! + 5);
    });
  }

  test("a manual bracket multiplies the shutter by 2^offset and passes no --ev", async () => {
    const { cam, calls } = fakeCamera();
    const frames = await cam.capture(settings({ iso: 100, shutter_us: 4000, bracket: { count: 3, ev: [-1, 0, 1] } }), AT);
    expect(calls().map((c) => opt(c.argv, "--shutter"))).toEqual(["2000", "4000", "8000"]);
    expect(calls().every((c) => !c.argv.includes("--ev"))).toBe(true);
    expect(frames.map((f) => f.exposure.exposure_time_us)).toEqual([2000, 4000, 8000]);
    const lumas = frames.map((f) => luma(f.jpeg));
    expect(lumas[1]!).toBeGreaterThan(lumas[0]!);
    expect(lumas[2]!).toBeGreaterThan(lumas[1]!);
  });

  test("a 20 s exposure runs with -t of at least 40 s and is reported as taken", async () => {
    const { cam, calls } = fakeCamera({ FAKE_RPICAM_LUX: "0.5" });
    const [frame] = await cam.capture(settings({ iso: 800, shutter_us: 20_000_000 }), AT);
    expect(Number(opt(calls()[0]!.argv, "-t"))).toBeGreaterThanOrEqual(40_000);
    expect(frame!.exposure.exposure_time_us).toBe(20_000_000);
    expect(frame!.exposure.analogue_gain).toBe(8);
  });

  test("calls through one driver never overlap: the camera is held by one process at a time", async () => {
    const { cam } = fakeCamera({ FAKE_RPICAM_DELAY_MS: "150" });
    const started = performance.now();
    await Promise.all([cam.meter(AT), cam.meter(AT)]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  test("ready(): true when the tool runs, false when it is missing", async () => {
    expect(await fakeCamera().cam.ready()).toBe(true);
    expect(await fakeCamera({}, { bin: "/nonexistent/rpicam-still" }).cam.ready()).toBe(false);
  });
});

describe("RpicamCamera failure modes", () => {
  test("timeout: a hung tool is SIGKILLed at the deadline and the capture fails with reason timeout", async () => {
    const { cam, calls, leftovers } = fakeCamera({ FAKE_RPICAM_FAIL: "hang" }, { timeoutMs: 400 });
    const started = performance.now();
    const error = await failure(cam.capture(settings(), AT));
    const elapsed = performance.now() - started;
    expect(error.reason).toBe("timeout");
    expect(error.message).toContain("400 ms");
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1500);
    const pid = calls()[0]!.pid;
    expect(() => process.kill(pid, 0)).toThrow();
    expect(leftovers()).toEqual([]);
  });

  test("busy camera (pipeline handler in use, failed to acquire)", async () => {
    const error = await failure(fakeCamera({ FAKE_RPICAM_FAIL: "busy" }).cam.capture(settings(), AT));
    expect(error.reason).toBe("camera_busy");
    expect(error.message).toMatch(/in use by another process|failed to acquire camera/);
  });

  test("busy camera (V4L2 device or resource busy)", async () => {
    const error = await failure(fakeCamera({ FAKE_RPICAM_FAIL: "busy-v4l2" }).cam.meter(AT));
    expect(error.reason).toBe("camera_busy");
    expect(error.message).toContain("Device or resource busy");
  });

  test("no camera: camera_missing, and ready() turns false until a run succeeds", async () => {
    const { cam } = fakeCamera({ FAKE_RPICAM_FAIL: "no-camera" });
    expect(await cam.ready()).toBe(true);
    const error = await failure(cam.capture(settings(), AT));
    expect(error.reason).toBe("camera_missing");
    expect(error.message).toContain("no cameras available");
    expect(await cam.ready()).toBe(false);
  });

  test("missing binary: camera_missing", async () => {
    const error = await failure(fakeCamera({}, { bin: "/nonexistent/rpicam-still" }).cam.capture(settings(), AT));
    expect(error.reason).toBe("camera_missing");
    expect(error.message).toContain("not found");
  });

  test("another non-zero exit: exit_code with the last stderr line", async () => {
    const error = await failure(
      fakeCamera({ FAKE_RPICAM_FAIL: "exit", FAKE_RPICAM_EXIT_CODE: "3", FAKE_RPICAM_MESSAGE: "failed to start streaming" }).cam.capture(settings(), AT),
    );
    expect(error.reason).toBe("exit_code");
    expect(error.message).toContain("code 3: failed to start streaming");
  });

  test("killed by a signal: exit_code naming it", async () => {
    const error = await failure(fakeCamera({ FAKE_RPICAM_FAIL: "abort" }).cam.capture(settings(), AT));
    expect(error.reason).toBe("exit_code");
    expect(error.message).toContain("SIGABRT");
  });

  for (const mode of ["garbage-metadata", "incomplete-metadata", "no-metadata"]) {
    test(`bad metadata (${mode})`, async () => {
      const { cam, leftovers } = fakeCamera({ FAKE_RPICAM_FAIL: mode });
      const error = await failure(cam.capture(settings(), AT));
      expect(error.reason).toBe("bad_metadata");
      expect(leftovers()).toEqual([]);
    });
  }

  test("a metering run with unparseable metadata: bad_metadata", async () => {
    const error = await failure(fakeCamera({ FAKE_RPICAM_FAIL: "garbage-metadata" }).cam.meter(AT));
    expect(error.reason).toBe("bad_metadata");
  });

  for (const mode of ["no-output", "empty-output"]) {
    test(`exit 0 without an image (${mode}): camera_error`, async () => {
      const error = await failure(fakeCamera({ FAKE_RPICAM_FAIL: mode }).cam.capture(settings(), AT));
      expect(error.reason).toBe("camera_error");
    });
  }

  test("a failed bracket frame fails the capture and stops the bracket", async () => {
    const { cam, calls } = fakeCamera({ FAKE_RPICAM_FAIL: "busy" });
    const error = await failure(cam.capture(settings({ bracket: { count: 3, ev: [-1, 0, 1] } }), AT));
    expect(error.reason).toBe("camera_busy");
    expect(calls()).toHaveLength(1);
  });
});
