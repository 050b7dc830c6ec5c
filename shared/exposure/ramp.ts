/**
 * Ramped exposure: manual shutter and gain from the metered lux, toward a target
 * luma blended from a day to a night value, rate-limited, shutter before gain,
 * with a feedback term from the previous frame's measured luma. Pure.
 *
 * Photometric model (the simulated IMX519's, edge/camera/scene.ts): the linear
 * sensor value of a surface is reflectance · lux · t · gain / K, K ≈ 7.66 lux·s
 * (`calibration_lux_s`). The open-loop exposure puts 18 % grey at the target
 * luma; the scene's real reflectances differ, which the feedback term learns.
 */
import type { RampParams } from "../contracts/profile";

/** The reflectance the open-loop exposure places at the target luma. */
export const REFERENCE_REFLECTANCE = 0.18;
/** Shortest shutter we ask for (CaptureSettings' minimum). */
export const MIN_SHUTTER_US = 10;
/** The feedback never moves the exposure more than this many stops from the open-loop figure. */
export const MAX_CORRECTION_STOPS = 3;
/** A previous frame older than this gives no feedback (the light and scene may have changed). */
export const FEEDBACK_MAX_AGE_MS = 3_600_000;

/** The previous capture of the same profile, as its record holds it. */
export interface RampPrevious {
  exposure_time_us: number;
  analogue_gain: number;
  /** Epoch ms of the capture. */
  at: number;
  /** Its mean luma (0–255); null when it was not measured: no feedback then. */
  measured_luma: number | null;
  /** The lux it was metered at; null: no feedback (its target is unknown). */
  lux: number | null;
}

export interface RampInput {
  lux: number;
  previous: RampPrevious | null;
  /** Epoch ms of this capture. */
  now: number;
  interval_seconds: number;
}

export interface RampOutput {
  shutter_us: number;
  /** 100 × gain. */
  iso: number;
  /** The luma this frame aims at. */
  target_luma: number;
  /** Stops the feedback added to the open-loop exposure (negative: darker). */
  correction_stops: number;
  /** True when the rate limit held the exposure back. */
  rate_limited: boolean;
  /** Stops short of the wanted exposure at the shutter and gain caps (0 when reachable). */
  short_stops: number;
}

/** sRGB byte (0–255, fractional allowed) → linear 0–1. */
export function lumaToLinear(luma: number): number {
  const v = Math.min(1, Math.max(0, luma / 255));
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** Linear 0–1 → sRGB byte (fractional). */
export function linearToLuma(linear: number): number {
  const v = Math.min(1, Math.max(0, linear));
  return 255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** How far toward day a lux is: 0 at or below night_lux, 1 at or above day_lux, linear in log lux (scene EV) between. */
export function dayWeight(p: RampParams, lux: number): number {
  const lo = Math.log2(p.night_lux);
  const hi = Math.log2(p.day_lux);
  return clamp((Math.log2(Math.max(lux, 1e-9)) - lo) / (hi - lo), 0, 1);
}

/** The target luma at a lux: day and night values blended in stops of exposure (linear light). */
export function rampTargetLuma(p: RampParams, lux: number): number {
  const w = dayWeight(p, lux);
  const stops = w * Math.log2(lumaToLinear(p.day_luma)) + (1 - w) * Math.log2(lumaToLinear(p.night_luma));
  return linearToLuma(2 ** stops);
}

/** Shutter µs × gain that puts 18 % grey at `targetLuma` under `lux` (open loop). */
export function openLoopExposure(p: RampParams, lux: number, targetLuma: number): number {
  return (p.calibration_lux_s * 1e6 * lumaToLinear(targetLuma)) / (REFERENCE_REFLECTANCE * Math.max(lux, 1e-9));
}

/** The longest shutter allowed at this interval. */
export function maxShutterUs(p: RampParams, intervalSeconds: number): number {
  return Math.max(MIN_SHUTTER_US, Math.min(p.max_shutter_us, p.max_shutter_fraction_of_interval * intervalSeconds * 1e6));
}

/**
 * The model error the previous frame showed, in stops of exposure: how much
 * brighter it came out than its target, less the offset from the open-loop
 * exposure it was taken at (rate limit, caps, earlier correction). It does not
 * depend on this controller's own past actions, so correcting a share of it
 * each frame cannot oscillate.
 */
export function previousBias(p: RampParams, previous: RampPrevious): number | null {
  if (previous.measured_luma === null || previous.lux === null) return null;
  const target = rampTargetLuma(p, previous.lux);
  const used = previous.exposure_time_us * previous.analogue_gain;
  if (!(used > 0)) return null;
  const offset = Math.log2(used / openLoopExposure(p, previous.lux, target));
  const error = Math.log2(lumaToLinear(Math.max(previous.measured_luma, 0.5)) / lumaToLinear(target));
  return error - offset;
}

/**
 * This frame's manual exposure. Order: open-loop exposure for the blended
 * target → feedback correction (a share `feedback` of the previous frame's
 * model error, at most ±3 stops) → rate limit (max_stops_per_minute × minutes
 * since the previous frame; none for a first frame) → caps → split: the shutter
 * lengthens first up to min(max_shutter_us, fraction × interval), then gain
 * rises up to max_gain; beyond that the frame stays under-exposed.
 */
export function rampExposure(p: RampParams, input: RampInput): RampOutput {
  const { lux, previous, now, interval_seconds } = input;
  const target = rampTargetLuma(p, lux);
  let stops = Math.log2(openLoopExposure(p, lux, target));

  let correction = 0;
  const age = previous ? now - previous.at : Infinity;
  if (previous && p.feedback > 0 && age >= 0 && age <= FEEDBACK_MAX_AGE_MS) {
    const bias = previousBias(p, previous);
    if (bias !== null) correction = clamp(-p.feedback * bias, -MAX_CORRECTION_STOPS, MAX_CORRECTION_STOPS);
  }
  stops += correction;
  const wanted = stops;

  let rateLimited = false;
  if (previous && previous.exposure_time_us * previous.analogue_gain > 0) {
    const before = Math.log2(previous.exposure_time_us * previous.analogue_gain);
    const step = p.max_stops_per_minute * (Math.max(0, now - previous.at) / 60_000);
    const limited = clamp(stops, before - step, before + step);
    rateLimited = limited !== stops;
    stops = limited;
  }

  const shutterCap = maxShutterUs(p, interval_seconds);
  const highest = Math.log2(shutterCap * p.max_gain);
  stops = clamp(stops, Math.log2(MIN_SHUTTER_US), highest);

  const exposure = 2 ** stops;
  const shutter = clamp(exposure, MIN_SHUTTER_US, shutterCap);
  const gain = clamp(exposure / shutter, 1, p.max_gain);
  return {
    shutter_us: Math.round(shutter),
    iso: clamp(Math.round(gain * 100), 100, 6400),
    target_luma: target,
    correction_stops: correction,
    rate_limited: rateLimited,
    short_stops: Math.max(0, wanted - highest),
  };
}
