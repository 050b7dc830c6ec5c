/**
 * The simulated sky's light at one instant, over the layout's static gradient:
 * the sun's disc and its glow where the sun stands in the frame, clouds drifting
 * with the wind (and slowly changing shape) between frames, and a warm glow along
 * the horizon below a low sun. Deterministic from the seed and the time.
 */
import type { FrameLayout } from "./scene";
import { HORIZON, randomStream, unitHash } from "./scene";

/** The frame spans east (left edge) to west (right edge): a camera facing south, 180° across. */
const FIELD_DEG = 180;
/** Relative sky radiance (the static sky is about 0.85) of the sun's disc, its near glow and its wide aureole. */
const SUN_DISC = 40;
const SUN_RADIUS_DEG = 0.9;
const NEAR_GLOW = 6;
const NEAR_GLOW_DEG = 2.5;
const WIDE_GLOW = 0.8;
const WIDE_GLOW_DEG = 20;
/** How far from the sun cloud edges are lit up (a silver lining). */
const SILVER_LINING_DEG = 8;
/** Warm light scattered along the horizon near a low sun, relative to the sky. */
const HORIZON_GLOW = 1.5;
const HORIZON_GLOW_RGB = [1.0, 0.55, 0.25] as const;
/** Cloud drift, pixels per second at 640 px across, and the softness of cloud edges in noise units. */
const WIND_PX_PER_S = [0.25, 0.8] as const;
const EDGE = 0.12;

export interface SkyModel {
  width: number;
  height: number;
  /** The row of the true horizon (the ridge hides it). */
  horizonRow: number;
  /** Rows from the top that hold any sky. */
  rows: number;
  /** Cloud noise in [0, 1] as bytes (× 255: a quarter of the memory of floats), `texWidth` wide and periodic across it, `rows` high. */
  clouds: Uint8Array;
  texWidth: number;
  /** Signed drift speed of the upper and the lower cloud layer, px/s. */
  wind: [number, number];
  seed: number;
  /** The static sky gradient's RGB by row (what the clouds cover). */
  skyByRow: Float32Array;
  /** The layout's crest row per column: pixels below it (without sky) are skipped. */
  crest: Float64Array;
}

export interface SunInSky {
  altitude: number;
  azimuth: number;
}

/** Value noise, smooth and periodic across `width`: octaves of lattice noise on cells `cellX` × `cellY` px. */
function cloudNoise(seed: number, width: number, rows: number, cellX: number, cellY: number): Uint8Array {
  const out = new Float32Array(width * rows);
  let amplitude = 0.5;
  let total = 0;
  for (let octave = 0; octave < 4; octave++, amplitude /= 2) {
    const gx = Math.max(1, Math.round(width / (cellX / 2 ** octave)));
    const gy = Math.ceil(rows / (cellY / 2 ** octave)) + 2;
    const random = randomStream(seed * 31 + octave);
    const lattice = Float32Array.from({ length: gx * gy }, () => random());
    for (let y = 0; y < rows; y++) {
      const fy = (y / rows) * (gy - 2);
      const y0 = Math.floor(fy);
      const ty = fy - y0;
      const sy = ty * ty * (3 - 2 * ty);
      for (let x = 0; x < width; x++) {
        const fx = (x / width) * gx;
        const x0 = Math.floor(fx);
        const tx = fx - x0;
        const sx = tx * tx * (3 - 2 * tx);
        const x1 = (x0 + 1) % gx;
        const top = lattice[y0 * gx + x0]! + sx * (lattice[y0 * gx + x1]! - lattice[y0 * gx + x0]!);
        const bottom = lattice[(y0 + 1) * gx + x0]! + sx * (lattice[(y0 + 1) * gx + x1]! - lattice[(y0 + 1) * gx + x0]!);
        out[y * width + x] += amplitude * (top + sy * (bottom - top));
      }
    }
    total += amplitude;
  }
  return Uint8Array.from(out, (v) => Math.round((255 * v) / total));
}

export function skyModel(seed: number, layout: FrameLayout): SkyModel {
  const { width, height, crest } = layout;
  // A row holds sky where it starts above a crest.
  let rows = 0;
  for (let x = 0; x < width; x++) rows = Math.max(rows, Math.ceil(crest[x]!));
  const scale = width / 640;
  const texWidth = 2 * width;
  const speed = (key: number) => scale * (WIND_PX_PER_S[0] + (WIND_PX_PER_S[1] - WIND_PX_PER_S[0]) * unitHash(seed, key));
  const direction = unitHash(seed, 22) < 0.5 ? -1 : 1;
  return {
    width,
    height,
    horizonRow: HORIZON * height,
    rows: Math.min(rows, height),
    clouds: cloudNoise(seed, texWidth, Math.max(1, rows), 150 * scale, 45 * scale),
    texWidth,
    wind: [direction * speed(20), direction * 0.6 * speed(21)],
    seed,
    skyByRow: layout.skyByRow,
    crest,
  };
}

/** The share of the sky clouds cover passes between clear and broken over hours; some days are clearer than others. */
export function cloudThreshold(seed: number, at: number): number {
  const minutes = at / 60_000;
  const wave = (period: number, key: number) => Math.sin((2 * Math.PI * minutes) / period + 2 * Math.PI * unitHash(seed, key));
  const day = unitHash(seed, Math.floor(at / 86_400_000), 30);
  return 0.5 + 0.12 * wave(97, 31) + 0.06 * wave(41, 32) + 0.15 * (day - 0.5);
}

/**
 * The sky's light to add, per sky pixel and channel, to the layout's albedo
 * (the caller weights it by each pixel's sky cover; where there is none the values are
 * left as they were): 3 × width × model.rows values.
 */
export function skyLight(model: SkyModel, sun: SunInSky, at: number, out: Float32Array = new Float32Array(3 * model.width * model.rows)): Float32Array {
  const { width, height, rows, clouds, texWidth, wind, skyByRow, crest, horizonRow } = model;
  // Square pixels: the same degrees per pixel up as across.
  const degPerPx = FIELD_DEG / width;
  const sunX = ((sun.azimuth - 90) / FIELD_DEG) * width;
  const sunY = horizonRow - sun.altitude / degPerPx;
  const warm = Math.exp(-((sun.altitude / 8) ** 2));
  const glowRgb = [1, 1 - 0.05 - 0.4 * warm, 1 - 0.1 - 0.65 * warm];
  const cloudRgb = [1 + 0.25 * warm, 1 - 0.15 * warm, 1 - 0.35 * warm];
  const horizonGlow = HORIZON_GLOW * Math.exp(-((sun.altitude / 5) ** 2));
  const horizonColumn = Float32Array.from({ length: width }, (_, x) => horizonGlow * Math.exp(-(((x - sunX) / (0.35 * width)) ** 2)));
  const seconds = at / 1000;
  const wrap = (v: number) => ((Math.floor(v) % texWidth) + texWidth) % texWidth;
  const offset1 = wrap(seconds * wind[0]);
  const offset2 = wrap(seconds * wind[1]);
  const threshold = cloudThreshold(model.seed, at);
  const discR2 = (SUN_RADIUS_DEG / degPerPx) ** 2;
  const nearK = (degPerPx / NEAR_GLOW_DEG) ** 2;
  const wideK = (degPerPx / WIDE_GLOW_DEG) ** 2;
  const silverK = (degPerPx / SILVER_LINING_DEG) ** 2;
  for (let y = 0; y < rows; y++) {
    const dy = y - sunY;
    const rowGlow = Math.exp(-Math.max(0, horizonRow - y) / (0.1 * height));
    const staticR = skyByRow[y * 3]!;
    const staticG = skyByRow[y * 3 + 1]!;
    const staticB = skyByRow[y * 3 + 2]!;
    const row1 = y * texWidth;
    // The second layer is the texture upside down (still smooth), so the two do not move as one.
    const row2 = (rows - 1 - y) * texWidth;
    for (let x = 0; x < width; x++) {
      if (y >= crest[x]!) continue;
      const dx = x - sunX;
      const d2 = dx * dx + dy * dy;
      const wide = WIDE_GLOW / (1 + d2 * wideK);
      const glow = NEAR_GLOW / (1 + d2 * nearK) + wide + (d2 < discR2 ? SUN_DISC : 0);
      const low = horizonColumn[x]! * rowGlow;
      const clearR = glow * glowRgb[0]! + low * HORIZON_GLOW_RGB[0];
      const clearG = glow * glowRgb[1]! + low * HORIZON_GLOW_RGB[1];
      const clearB = glow * glowRgb[2]! + low * HORIZON_GLOW_RGB[2];
      let i1 = x + offset1;
      if (i1 >= texWidth) i1 -= texWidth;
      let i2 = x + offset2;
      if (i2 >= texWidth) i2 -= texWidth;
      const n = (0.65 * clouds[row1 + i1]! + 0.35 * clouds[row2 + i2]!) / 255;
      const o = (y * width + x) * 3;
      if (n <= threshold) {
        out[o] = clearR;
        out[o + 1] = clearG;
        out[o + 2] = clearB;
        continue;
      }
      // Thick cloud is greyer underneath; cloud near the sun shines (a silver lining).
      const depth = n - threshold;
      const c = depth >= EDGE ? 1 : depth / EDGE;
      const lit = (1.5 - Math.min(0.5, 2 * depth)) * (1 + 1.5 / (1 + d2 * silverK)) + wide + low * 0.5;
      out[o] = (1 - c) * clearR + c * (lit * cloudRgb[0]! - staticR);
      out[o + 1] = (1 - c) * clearG + c * (lit * cloudRgb[1]! - staticG);
      out[o + 2] = (1 - c) * clearB + c * (lit * cloudRgb[2]! - staticB);
    }
  }
  return out;
}
