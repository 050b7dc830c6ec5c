import type { Metering } from "../../shared/contracts/settings";

/** A deterministic 32-bit hash of integers (each may exceed 32 bits, e.g. epoch ms). */
export function hash(...keys: number[]): number {
  let h = 0x811c9dc5;
  for (const key of keys) {
    h = Math.imul(h ^ (key >>> 0), 0x85ebca6b);
    h = Math.imul(h ^ (Math.floor(key / 0x1_0000_0000) >>> 0), 0xc2b2ae35);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A deterministic value in [0, 1) from integer keys. */
export function unitHash(...keys: number[]): number {
  return hash(...keys) / 0x1_0000_0000;
}

const MULBERRY32_STEP = 0x6d2b79f5;

/** mulberry32's output for one state, as an unsigned 32-bit integer. */
function mulberry32(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** A seeded uniform generator in [0, 1) (mulberry32). */
export function randomStream(seed: number): () => number {
  let state = hash(seed);
  return () => {
    state = (state + MULBERRY32_STEP) | 0;
    return mulberry32(state) / 0x1_0000_0000;
  };
}

/**
 * Approximately normal noise in [-3, 3]: the k-th value (from 0) of the stream of
 * 2 × (sum of three uniforms − 1.5) drawn from a randomStream whose seed hashes to
 * `start`. mulberry32's state only counts, so any value can be had alone, and a
 * frame's grain needs no table.
 */
export function grainAt(start: number, k: number): number {
  const state = (start + Math.imul(3 * k + 1, MULBERRY32_STEP)) | 0;
  const sum = mulberry32(state) + mulberry32((state + MULBERRY32_STEP) | 0) + mulberry32((state + 2 * MULBERRY32_STEP) | 0);
  return Math.fround(2 * (sum / 0x1_0000_0000 - 1.5));
}

type Curve = readonly (readonly [number, number])[];

function interpolate(curve: Curve, x: number): number {
  if (x <= curve[0]![0]) return curve[0]![1];
  for (let i = 1; i < curve.length; i++) {
    const [x1, y1] = curve[i]!;
    if (x <= x1) {
      const [x0, y0] = curve[i - 1]!;
      return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return curve[curve.length - 1]![1];
}

/** Sun altitude (°) → log10 of illuminance (lux), from night through twilight to high sun. */
const LOG_LUX_BY_ALTITUDE: Curve = [
  [-18, -3],
  [-12, -2],
  [-6, Math.log10(3)],
  [0, Math.log10(400)],
  [10, 4],
  [30, Math.log10(55_000)],
  [60, 5],
];

export function sceneLux(sunAltitudeDeg: number): number {
  return 10 ** interpolate(LOG_LUX_BY_ALTITUDE, sunAltitudeDeg);
}

/** Blue twilight, warm golden hour at the horizon, daylight once the sun is high. */
const KELVIN_BY_ALTITUDE: Curve = [
  [-4, 9000],
  [0, 3500],
  [6, 3500],
  [20, 5000],
  [40, 5500],
];

export function sceneKelvin(sunAltitudeDeg: number): number {
  return interpolate(KELVIN_BY_ALTITUDE, sunAltitudeDeg);
}

/** Passing clouds: a smooth factor of about 0.75–1.25 on the light, varying over tens of minutes. */
export function cloudFactor(seed: number, at: number): number {
  const minutes = at / 60_000;
  const wave = (period: number, key: number) => Math.sin((2 * Math.PI * minutes) / period + 2 * Math.PI * unitHash(seed, key));
  return 1 + 0.25 * (0.6 * wave(37, 1) + 0.4 * wave(13, 2));
}

/** Relative reflectances: bright sky above a dark ridge that fills the frame's centre. */
const SKY_ALBEDO = { zenith: [0.6, 0.85, 1.35], horizon: [0.92, 0.98, 1.1] } as const;
export const RIDGE_ALBEDO = [0.108, 0.12, 0.09] as const;
/** The ridge crest stays above this fraction of the height, so the spot area (centre ±5 %) sees only ridge. */
export const HORIZON = 0.43;

export interface FrameLayout {
  width: number;
  height: number;
  /** Per column: the row of the ridge's crest (fractional); skyCoverAt follows from it. */
  crest: Float64Array;
  /** Per pixel: the ridge's relative texture (about 1); the albedo follows from it and the sky cover (albedoAt). */
  texture: Float32Array;
  /** The clear sky's reflectance by row, RGB. */
  skyByRow: Float32Array;
}

/** How much of pixel (x, y) is sky (0–1): all of it above the ridge's crest, a fraction on it. */
export function skyCoverAt(layout: FrameLayout, x: number, y: number): number {
  return Math.min(1, Math.max(0, layout.crest[x]! - y));
}

/** Linear reflectance of pixel `i` at (x, y), channel `c`: the clear sky and the ridge, mixed by the pixel's sky cover. */
export function albedoAt(layout: FrameLayout, i: number, x: number, y: number, c: number): number {
  const cover = skyCoverAt(layout, x, y);
  return cover * layout.skyByRow[y * 3 + c]! + (1 - cover) * RIDGE_ALBEDO[c]! * layout.texture[i]!;
}

/** The clear sky's reflectance by row, RGB: blue overhead, paler towards the horizon. */
function skyAlbedoByRow(height: number): Float32Array {
  const out = new Float32Array(height * 3);
  for (let y = 0; y < height; y++) {
    const toHorizon = Math.min(1, y / (HORIZON * height));
    for (let c = 0; c < 3; c++) out[y * 3 + c] = SKY_ALBEDO.zenith[c]! + toHorizon * (SKY_ALBEDO.horizon[c]! - SKY_ALBEDO.zenith[c]!);
  }
  return out;
}

export function frameLayout(seed: number, width: number, height: number): FrameLayout {
  // A crest per column and one texture value per pixel, not an RGB albedo and a sky cover per pixel: the camera keeps a quarter of the memory.
  const crests = new Float64Array(width);
  const texture = new Float32Array(width * height);
  const [crestPhase1, crestPhase2, crestPhase3, slopePhase] = [10, 11, 12, 13].map((key) => 2 * Math.PI * unitHash(seed, key)) as [number, number, number, number];
  const random = randomStream(seed);
  const skyByRow = skyAlbedoByRow(height);
  for (let x = 0; x < width; x++) {
    const u = x / width;
    const crest =
      height *
      (0.37 +
        0.03 * Math.sin(2 * Math.PI * 1.3 * u + crestPhase1) +
        0.02 * Math.sin(2 * Math.PI * 3.7 * u + crestPhase2) +
        0.01 * Math.sin(2 * Math.PI * 9.1 * u + crestPhase3));
    crests[x] = crest;
    for (let y = 0; y < height; y++) {
      const i = y * width + x;
      const slopes = 0.12 * Math.sin(x * 0.045 + 2.5 * Math.sin(y * 0.021 + slopePhase)) + 0.05 * Math.sin(x * 0.31 + y * 0.17);
      texture[i] = 1 + slopes + 0.3 * (random() - 0.5);
    }
  }
  return { width, height, crest: crests, texture, skyByRow };
}

/** Weight of a point (fractions of width and height) in the camera's metering. */
function meteringWeight(metering: Metering, u: number, v: number): number {
  const du = u - 0.5;
  const dv = v - 0.5;
  switch (metering) {
    case "matrix":
      return 1;
    case "centre":
      return Math.exp(-(du * du) / (2 * 0.25 ** 2) - (dv * dv) / (2 * 0.2 ** 2));
    case "spot":
      return Math.abs(du) < 0.05 && Math.abs(dv) < 0.05 ? 1 : 0;
  }
}

/** What a metering mode sees of a layout: its weighted luminance without the sky's own light, and each sky pixel's weight for that light. */
export interface MeteringWeights {
  sum: number;
  weights: number;
  /** Weight × sky cover per pixel of the first `rows` rows; null when the mode ignores the sky. */
  sky: Float32Array | null;
}

const luma = (rgb: ArrayLike<number>, i: number) => 0.2126 * rgb[i]! + 0.7152 * rgb[i + 1]! + 0.0722 * rgb[i + 2]!;

export function meteringWeights(layout: FrameLayout, metering: Metering, rows: number): MeteringWeights {
  const { width, height } = layout;
  const sky = new Float32Array(width * rows);
  let sum = 0;
  let weights = 0;
  let seesSky = false;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const weight = meteringWeight(metering, (x + 0.5) / width, (y + 0.5) / height);
      if (weight === 0) continue;
      const i = y * width + x;
      sum += weight * (0.2126 * albedoAt(layout, i, x, y, 0) + 0.7152 * albedoAt(layout, i, x, y, 1) + 0.0722 * albedoAt(layout, i, x, y, 2));
      weights += weight;
      const cover = skyCoverAt(layout, x, y);
      if (y < rows && cover > 0) {
        sky[i] = weight * cover;
        seesSky = true;
      }
    }
  }
  return { sum, weights, sky: seesSky ? sky : null };
}

/** The relative luminance the meter sees: the layout, plus the sky's light of the moment (sky.ts: 3 values per sky pixel). */
export function meteredLuminance(m: MeteringWeights, skyLight: Float32Array | null): number {
  let sum = m.sum;
  if (m.sky && skyLight) for (let i = 0; i < m.sky.length; i++) if (m.sky[i]! > 0) sum += m.sky[i]! * luma(skyLight, i * 3);
  return sum / m.weights;
}

/** IMX519: analogue gain 1–16×; the stock tuning caps auto exposure at 120 ms. */
export const MAX_ANALOGUE_GAIN = 16;
export const AE_MAX_SHUTTER_US = 120_000;
const MIN_SHUTTER_US = 10;
/**
 * Lux·seconds that bring 18 % grey to mid grey at gain 1: the incident-meter
 * calibration (C = 250, ISO 100) at the lens's f/1.75.
 */
const CALIBRATION = 2.5 * 1.75 ** 2;
const MID_GREY = 0.18;

/** Linear sensor value per unit reflectance (clipping at 1.0 is the caller's). */
export function sensorScale(lux: number, shutterUs: number, gain: number): number {
  return (lux * shutterUs * 1e-6 * gain) / CALIBRATION;
}

export interface Exposure {
  shutter_us: number;
  /** Total gain; above the sensor's analogue range the rest is digital. */
  gain: number;
}

/**
 * What the camera's auto exposure settles on: gain 1 with a longer shutter up to
 * 120 ms first, then gain up to 16×; darker scenes stay underexposed. A fixed
 * shutter or gain (ISO/100) is kept; with both fixed, EV has no effect (as in libcamera).
 */
export function autoExposure(
  fixed: { shutter_us: number | null; gain: number | null },
  lux: number,
  metered: number,
  ev: number,
): Exposure {
  const needed = (MID_GREY * 2 ** ev * CALIBRATION * 1e6) / (metered * lux); // shutter µs × gain
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  if (fixed.shutter_us !== null && fixed.gain !== null) return { shutter_us: fixed.shutter_us, gain: fixed.gain };
  if (fixed.shutter_us !== null) return { shutter_us: fixed.shutter_us, gain: clamp(needed / fixed.shutter_us, 1, MAX_ANALOGUE_GAIN) };
  if (fixed.gain !== null) return { shutter_us: Math.round(clamp(needed / fixed.gain, MIN_SHUTTER_US, AE_MAX_SHUTTER_US)), gain: fixed.gain };
  const shutter_us = Math.round(clamp(needed, MIN_SHUTTER_US, AE_MAX_SHUTTER_US));
  // Gain only once the shutter is at its longest: a shorter shutter's rounding is not made up with gain.
  return { shutter_us, gain: shutter_us < AE_MAX_SHUTTER_US ? 1 : clamp(needed / shutter_us, 1, MAX_ANALOGUE_GAIN) };
}

/** Relative RGB of light at a colour temperature, normalised to 5500 K (a rough blackbody fit). */
export function kelvinRgb(kelvin: number): [number, number, number] {
  const t = Math.log2(kelvin / 5500);
  return [2 ** (-0.8 * t), 1, 2 ** t];
}
