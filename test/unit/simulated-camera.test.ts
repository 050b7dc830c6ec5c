import { describe, expect, test } from "bun:test";
import { decode } from "jpeg-js";
import * as SunCalc from "suncalc";
import type { CapturedFrame } from "../../edge/camera/driver";
import { cloudFactor, grainAt, hash, randomStream, sceneKelvin, sceneLux } from "../../edge/camera/scene";
import { SimulatedCamera } from "../../edge/camera/simulated";
import { DEFAULT_SETTINGS, type CaptureSettings, type SettingsOverride } from "../../shared/contracts/settings";

const SITE = { latitude: 39.609573, longitude: -105.314163 };
const NOON = Date.parse("2026-06-21T18:00:00Z");
const MIDNIGHT = Date.parse("2026-06-21T06:00:00Z");
const NAUTICAL_DUSK = Date.parse("2026-06-22T03:35:00Z");

const camera = new SimulatedCamera({ seed: 7, position: () => SITE });

async function shoot(override: SettingsOverride, at = NOON, cam = camera): Promise<CapturedFrame[]> {
  const settings: CaptureSettings = { ...DEFAULT_SETTINGS, ...override };
  return cam.capture(settings, at);
}

interface Region {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
const WHOLE: Region = { x0: 0, x1: 1, y0: 0, y1: 1 };
const CENTRE: Region = { x0: 0.25, x1: 0.75, y0: 0.25, y1: 0.75 };
const TOP_SKY: Region = { x0: 0, x1: 1, y0: 0, y1: 0.2 };

/** Mean of each channel and of Rec. 709 luma over a region given in fractions of the frame. */
function means(frame: CapturedFrame, region = WHOLE) {
  const { data, width, height } = decode(frame.jpeg, { useTArray: true });
  let r = 0;
  let g = 0;
  let b = 0;
  let clipped = 0;
  let n = 0;
  for (let y = Math.floor(region.y0 * height); y < region.y1 * height; y++) {
    for (let x = Math.floor(region.x0 * width); x < region.x1 * width; x++) {
      const o = (y * width + x) * 4;
      r += data[o]!;
      g += data[o + 1]!;
      b += data[o + 2]!;
      if (Math.min(data[o]!, data[o + 1]!, data[o + 2]!) >= 250) clipped++;
      n++;
    }
  }
  return { r: r / n, g: g / n, b: b / n, luma: (0.2126 * r + 0.7152 * g + 0.0722 * b) / n, clipped: clipped / n };
}

async function luma(override: SettingsOverride, at = NOON, region = WHOLE): Promise<number> {
  return means((await shoot(override, at))[0]!, region).luma;
}

describe("sensor grain", () => {
  test("each value computed alone is the one the seeded stream draws in turn (no table held)", () => {
    const uniform = randomStream(hash(7, 1));
    const start = hash(hash(7, 1));
    for (let k = 0; k < 5000; k++) expect(grainAt(start, k)).toBe(Math.fround(2 * (uniform() + uniform() + uniform() - 1.5)));
  });
});

describe("scene light", () => {
  test("illuminance rises monotonically with the sun, from night to full day", () => {
    const altitudes = Array.from({ length: 121 }, (_, i) => i - 30);
    const lux = altitudes.map(sceneLux);
    for (let i = 1; i < lux.length; i++) expect(lux[i]!).toBeGreaterThanOrEqual(lux[i - 1]!);
    expect(sceneLux(-25)).toBeCloseTo(0.001, 4);
    expect(sceneLux(0)).toBeCloseTo(400, 0);
    expect(sceneLux(75)).toBe(100_000);
  });

  test("light is warm at the horizon and blue in twilight", () => {
    expect(sceneKelvin(70)).toBe(5500);
    expect(sceneKelvin(3)).toBe(3500);
    expect(sceneKelvin(-8)).toBe(9000);
  });

  test("clouds vary slowly and deterministically", () => {
    expect(cloudFactor(3, NOON)).toBe(cloudFactor(3, NOON));
    const factors = Array.from({ length: 24 * 60 }, (_, minute) => cloudFactor(3, NOON + minute * 60_000));
    expect(Math.min(...factors)).toBeGreaterThanOrEqual(0.75);
    expect(Math.max(...factors)).toBeLessThanOrEqual(1.25);
    for (let i = 1; i < factors.length; i++) expect(Math.abs(factors[i]! - factors[i - 1]!)).toBeLessThan(0.08);
  });
});

describe("SimulatedCamera", () => {
  test("the chosen dates put the sun where the tests assume", () => {
    const altitude = (at: number) => SunCalc.getPosition(new Date(at), SITE.latitude, SITE.longitude).altitude;
    expect(altitude(NOON)).toBeGreaterThan(60);
    expect(altitude(MIDNIGHT)).toBeLessThan(-20);
    expect(altitude(NAUTICAL_DUSK)).toBeCloseTo(-10, 0);
  });

  test("same seed, settings and time give byte-identical JPEGs", async () => {
    const twin = new SimulatedCamera({ seed: 7, position: () => SITE });
    const [a] = await shoot({ iso: 800 });
    const [b] = await shoot({ iso: 800 }, NOON, twin);
    expect(Buffer.from(a!.jpeg).equals(Buffer.from(b!.jpeg))).toBe(true);
    const [other] = await shoot({ iso: 800 }, NOON, new SimulatedCamera({ seed: 8, position: () => SITE }));
    expect(Buffer.from(a!.jpeg).equals(Buffer.from(other!.jpeg))).toBe(false);
  });

  test("renders a decodable JPEG of the configured size", async () => {
    const small = new SimulatedCamera({ seed: 1, width: 320, height: 200, position: () => SITE });
    const [frame] = await shoot({ quality: 80 }, NOON, small);
    const image = decode(frame!.jpeg, { useTArray: true });
    expect([image.width, image.height, frame!.width, frame!.height]).toEqual([320, 200, 320, 200]);
    const [full] = await shoot({});
    expect(decode(full!.jpeg, { useTArray: true }).width).toBe(640);
  });

  test("brightness follows the shutter", async () => {
    const short = await luma({ iso: 100, shutter_us: 15 });
    const double = await luma({ iso: 100, shutter_us: 30 });
    expect(double).toBeGreaterThan(short + 10);
    const [long] = await shoot({ iso: 100, shutter_us: 20_000 });
    expect(means(long!).clipped).toBeGreaterThan(0.9);
  });

  test("brightness follows the gain", async () => {
    expect(await luma({ iso: 400, shutter_us: 15 })).toBeGreaterThan((await luma({ iso: 100, shutter_us: 15 })) + 10);
  });

  test("EV shifts auto exposure; with shutter and ISO both manual it is ignored", async () => {
    const [under, normal, over] = await Promise.all([-1, 0, 1].map((ev) => luma({ ev })));
    expect(normal).toBeGreaterThan(under! + 10);
    expect(over).toBeGreaterThan(normal! + 10);
    expect(await luma({ iso: 100, shutter_us: 30, ev: 2 })).toBe(await luma({ iso: 100, shutter_us: 30, ev: -2 }));
  });

  test("auto exposure prefers gain 1 by day and stops at 120 ms × 16 at night", async () => {
    const [day] = await shoot({});
    expect(day!.exposure.analogue_gain).toBe(1);
    expect(day!.exposure.exposure_time_us).toBeLessThan(1000);
    const [night] = await shoot({}, MIDNIGHT);
    expect(night!.exposure).toMatchObject({ exposure_time_us: 120_000, analogue_gain: 16 });
    const [manual] = await shoot({ iso: 800 }, MIDNIGHT);
    expect(manual!.exposure).toMatchObject({ exposure_time_us: 120_000, analogue_gain: 8 });
    const [long] = await shoot({ shutter_us: 30_000_000 }, MIDNIGHT);
    expect(long!.exposure.exposure_time_us).toBe(30_000_000);
  });

  test("spot metering exposes for the ridge and blows out the sky; matrix protects it", async () => {
    const [spot] = await shoot({ metering: "spot" });
    const [matrix] = await shoot({ metering: "matrix" });
    expect(means(spot!).luma).toBeGreaterThan(means(matrix!).luma + 20);
    expect(means(spot!, TOP_SKY).clipped).toBeGreaterThan(0.9);
    expect(means(matrix!, TOP_SKY).clipped).toBeLessThan(0.1);
  });

  test("white balance below the light turns the image blue, above it warm", async () => {
    const exposure: SettingsOverride = { metering: "matrix", ev: -1 };
    const [tungsten] = await shoot({ ...exposure, white_balance: { mode: "tungsten" } });
    const [warm] = await shoot({ ...exposure, white_balance: { mode: "kelvin", kelvin: 10_000 } });
    const blue = means(tungsten!);
    const red = means(warm!);
    expect(blue.b).toBeGreaterThan(blue.r + 20);
    expect(red.r).toBeGreaterThan(red.b + 20);
    expect(tungsten!.exposure.colour_temperature).toBe(3200);
    expect(warm!.exposure.colour_temperature).toBe(10_000);
  });

  test("night in auto mode is dark; midday in auto mode is well exposed", async () => {
    expect(await luma({}, MIDNIGHT)).toBeLessThan(30);
    const centre = await luma({}, NOON, CENTRE);
    expect(centre).toBeGreaterThan(80);
    expect(centre).toBeLessThan(170);
  });

  test("metered lux spans orders of magnitude between noon and nautical dusk", async () => {
    const noon = await camera.meter(NOON);
    const dusk = await camera.meter(NAUTICAL_DUSK);
    expect(noon.lux / dusk.lux).toBeGreaterThan(1e4);
    expect(noon.analogue_gain).toBe(1);
    expect(dusk.exposure_time_us).toBe(120_000);
    expect(noon.colour_temperature).toBe(5500);
    expect(dusk.colour_temperature).toBeGreaterThan(8000);
  });

  test("a bracket returns one frame per EV step, brighter at each step", async () => {
    const frames = await shoot({ bracket: { count: 5, ev: [-2, -1, 0, 1, 2] } });
    expect(frames.map((f) => f.bracket_ev)).toEqual([-2, -1, 0, 1, 2]);
    const lumas = frames.map((f) => means(f).luma);
    for (let i = 1; i < lumas.length; i++) expect(lumas[i]).toBeGreaterThan(lumas[i - 1]! + 5);
    const manual = await shoot({ iso: 100, shutter_us: 40, bracket: { count: 3, ev: [-1, 0, 1] } });
    expect(manual.map((f) => f.exposure.exposure_time_us)).toEqual([20, 40, 80]);
  });

  test("a 640×360 capture renders and encodes quickly", async () => {
    const frames = 20;
    const start = performance.now();
    for (let i = 0; i < frames; i++) await shoot({}, NOON + i * 60_000);
    const perFrame = (performance.now() - start) / frames;
    console.log(`simulated capture: ${perFrame.toFixed(1)} ms per 640×360 frame`);
    expect(perFrame).toBeLessThan(400);
  });
});
