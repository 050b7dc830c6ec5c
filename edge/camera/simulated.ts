import * as SunCalc from "suncalc";
import { type CaptureSettings, DEFAULT_SETTINGS, type MeterReading, type Metering, type WhiteBalance } from "../../shared/contracts/settings";
import { encodeJpeg } from "../../shared/image/jpeg";
import type { CameraDriver, CapturedFrame } from "./driver";
import {
  autoExposure,
  cloudFactor,
  type Exposure,
  frameLayout,
  grainAt,
  type FrameLayout,
  hash,
  kelvinRgb,
  MAX_ANALOGUE_GAIN,
  meteredLuminance,
  type MeteringWeights,
  meteringWeights,
  randomStream,
  sceneKelvin,
  sceneLux,
  sensorScale,
  RIDGE_ALBEDO,
  unitHash,
} from "./scene";
import { type SkyModel, skyLight, skyModel } from "./sky";

export interface SimulatedCameraOptions {
  seed: number;
  width?: number;
  height?: number;
  /** Read at every call: the agent may learn its coordinates later. */
  position: () => { latitude: number; longitude: number };
}

const WB_PRESET_KELVIN = { daylight: 5500, cloudy: 6500, tungsten: 3200, fluorescent: 4000, incandescent: 2800, indoor: 3000 } as const;
/** The range the auto white balance searches (rpi tuning). */
const AWB_MIN_KELVIN = 2800;
const AWB_MAX_KELVIN = 8000;
/** Auto white balance corrects only part of the way from daylight, so golden hour stays warm. */
const AWB_CORRECTION = 0.75;

const GAMMA_STEPS = 16384;
/** Linear [0, 1] in GAMMA_STEPS steps → sRGB byte. */
const SRGB = Uint8Array.from({ length: GAMMA_STEPS }, (_, i) => {
  const v = i / (GAMMA_STEPS - 1);
  return Math.round(255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055));
});

/** Read noise at gain 1 (linear units); it scales with gain. */
const NOISE_PER_GAIN = 0.0015;
const NOISE_OFFSETS = 65536;

interface Scene {
  lux: number;
  kelvin: number;
  altitude: number;
  azimuth: number;
}

export class SimulatedCamera implements CameraDriver {
  readonly model = "simulated-imx519";
  private readonly seed: number;
  private readonly position: SimulatedCameraOptions["position"];
  private readonly layout: FrameLayout;
  private readonly sky: SkyModel;
  private readonly metering = new Map<Metering, MeteringWeights>();
  /** The sky's light at the last instant asked for: a tick meters and captures at the same instant. */
  private lastSky: { at: number; light: Float32Array } | null = null;
  /** Where the grain's random stream starts (grainAt): noise per channel and pixel, offset per frame, computed as drawn. */
  private readonly grainStart: number;
  private lastAltitude: number | null = null;

  constructor(options: SimulatedCameraOptions) {
    this.seed = options.seed;
    this.position = options.position;
    this.layout = frameLayout(options.seed, options.width ?? 640, options.height ?? 360);
    this.sky = skyModel(options.seed, this.layout);
    this.grainStart = hash(hash(options.seed, 1));
  }

  async ready(): Promise<boolean> {
    return true;
  }

  /** Renders and discards one frame, so the JIT's first pass does not make the first planned tick late. */
  async warmUp(): Promise<void> {
    await this.capture(DEFAULT_SETTINGS, Date.parse("2026-06-21T18:00:00Z"));
    this.lastAltitude = null;
  }

  /** The sensor warms with the sun on the housing: ~19 °C with the sun well down, ~40 °C with it high. */
  sensorTemperature(): number | null {
    if (this.lastAltitude === null) return null;
    return Math.round((27 + 0.22 * Math.max(-35, this.lastAltitude) + ((this.seed % 5) - 2) * 0.8) * 10) / 10;
  }

  async meter(at: number): Promise<MeterReading> {
    const scene = this.scene(at);
    const exposure = autoExposure({ shutter_us: null, gain: null }, scene.lux, this.meteredLuminance("centre", scene, at), 0);
    return {
      lux: scene.lux * (1 + 0.04 * (unitHash(this.seed, at, 1) - 0.5)),
      exposure_time_us: exposure.shutter_us,
      analogue_gain: exposure.gain,
      colour_temperature: Math.round(scene.kelvin),
    };
  }

  async capture(settings: CaptureSettings, at: number): Promise<CapturedFrame[]> {
    const scene = this.scene(at);
    const wbKelvin = whiteBalanceKelvin(settings.white_balance, scene.kelvin);
    // Gain cannot go below 1×, so ISO 50 behaves as ISO 100.
    const gain = settings.iso === null ? null : Math.max(1, settings.iso / 100);
    const metered = this.meteredLuminance(settings.metering, scene, at);
    const light = this.skyLight(scene, at);
    this.lastAltitude = scene.altitude;
    const frames = (settings.bracket?.ev ?? [0]).map(async (bracketEv, index) => {
      // A fully manual bracket steps the shutter; otherwise auto exposure takes the offset.
      const shutter_us =
        settings.shutter_us !== null && gain !== null ? Math.round(settings.shutter_us * 2 ** bracketEv) : settings.shutter_us;
      const exposure = autoExposure({ shutter_us, gain }, scene.lux, metered, settings.ev + bracketEv);
      const rgba = this.render(scene, light, exposure, wbKelvin, hash(this.seed, at, index));
      const { width, height } = this.layout;
      return {
        jpeg: await encodeJpeg(rgba, width, height, settings.quality),
        width,
        height,
        exposure: {
          exposure_time_us: exposure.shutter_us,
          analogue_gain: Math.min(exposure.gain, MAX_ANALOGUE_GAIN),
          colour_temperature: wbKelvin,
        },
        bracket_ev: bracketEv,
      };
    });
    // Each frame is rendered by now (before its first await): the sky's light need not be kept between ticks.
    this.lastSky = null;
    return Promise.all(frames);
  }

  private scene(at: number): Scene {
    const { latitude, longitude } = this.position();
    const sun = SunCalc.getPosition(new Date(at), latitude, longitude);
    return {
      lux: sceneLux(sun.altitude) * cloudFactor(this.seed, at),
      kelvin: sceneKelvin(sun.altitude),
      altitude: sun.altitude,
      azimuth: sun.azimuth,
    };
  }

  private skyLight(scene: Scene, at: number): Float32Array {
    if (this.lastSky?.at !== at) this.lastSky = { at, light: skyLight(this.sky, scene, at) };
    return this.lastSky.light;
  }

  private meteredLuminance(metering: Metering, scene: Scene, at: number): number {
    let weights = this.metering.get(metering);
    if (!weights) this.metering.set(metering, (weights = meteringWeights(this.layout, metering, this.sky.rows)));
    return meteredLuminance(weights, weights.sky ? this.skyLight(scene, at) : null);
  }

  private render(scene: Scene, light: Float32Array, exposure: Exposure, wbKelvin: number, frameKey: number): Uint8Array {
    const layout = this.layout;
    const { width, height } = layout;
    const tint = kelvinRgb(scene.kelvin);
    const balance = kelvinRgb(wbKelvin);
    const base = sensorScale(scene.lux, exposure.shutter_us, exposure.gain);
    const [scaleR, scaleG, scaleB] = [0, 1, 2].map((c) => (base * tint[c]!) / balance[c]!) as [number, number, number];
    const sigma = NOISE_PER_GAIN * exposure.gain;
    const noiseOffset = frameKey % NOISE_OFFSETS;
    const skyPixels = this.sky.rows * width;

    const top = GAMMA_STEPS - 1;
    const rgba = new Uint8Array(width * height * 4);
    const grain = (k: number) => grainAt(this.grainStart, k);
    const write = (i: number, r: number, g: number, b: number) => {
      const o = i * 4;
      rgba[o] = SRGB[r <= 0 ? 0 : r >= 1 ? top : (r * top + 0.5) | 0]!;
      rgba[o + 1] = SRGB[g <= 0 ? 0 : g >= 1 ? top : (g * top + 0.5) | 0]!;
      rgba[o + 2] = SRGB[b <= 0 ? 0 : b >= 1 ? top : (b * top + 0.5) | 0]!;
      rgba[o + 3] = 255;
    };
    // Row by row, the reflectance mixed from the clear sky and the ridge by each pixel's sky cover (scene.ts albedoAt, inlined: this loop is the frame's cost).
    const { crest, texture, skyByRow } = layout;
    const [ridgeR, ridgeG, ridgeB] = RIDGE_ALBEDO;
    const skyRows = this.sky.rows;
    for (let y = 0; y < height; y++) {
      const [skyR, skyG, skyB] = [skyByRow[y * 3]!, skyByRow[y * 3 + 1]!, skyByRow[y * 3 + 2]!];
      // Down to the highest crest, the sky's own light of the moment (sun, glow, clouds) by how much of each pixel is sky.
      const lit = y < skyRows;
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const a = i * 3;
        const n = a + noiseOffset;
        const c = crest[x]! - y;
        const cover = c <= 0 ? 0 : c >= 1 ? 1 : c;
        const ridge = (1 - cover) * texture[i]!;
        let r = cover * skyR + ridge * ridgeR;
        let g = cover * skyG + ridge * ridgeG;
        let b = cover * skyB + ridge * ridgeB;
        if (lit && cover > 0) {
          r += cover * light[a]!;
          g += cover * light[a + 1]!;
          b += cover * light[a + 2]!;
        }
        write(i, r * scaleR + grain(n) * sigma, g * scaleG + grain(n + 1) * sigma, b * scaleB + grain(n + 2) * sigma);
      }
    }
    return rgba;
  }
}

function whiteBalanceKelvin(wb: WhiteBalance, sceneKelvin: number): number {
  if (wb.mode === "auto") {
    const estimate = WB_PRESET_KELVIN.daylight * (sceneKelvin / WB_PRESET_KELVIN.daylight) ** AWB_CORRECTION;
    return Math.round(Math.min(AWB_MAX_KELVIN, Math.max(AWB_MIN_KELVIN, estimate)));
  }
  if (wb.mode === "kelvin") return wb.kelvin!;
  return WB_PRESET_KELVIN[wb.mode];
}
