import type { ProfileSnapshot, RampParams } from "../contracts/profile";
import type { CaptureSettings, MeterReading, SettingsOverride } from "../contracts/settings";
import { UNKNOWN_LUX_KELVIN } from "./curves";
import { rampExposure, type RampPrevious } from "./ramp";
import { interpolate } from "./table";

/**
 * What a ramped profile needs beyond the meter: its previous frame and the time.
 * Without it (the hub's live mode) a ramped snapshot is captured on auto exposure.
 */
export interface RampContext {
  previous: RampPrevious | null;
  now: number;
  interval_seconds: number;
  /** The ramp to run when the profile has none of its own (a smoothed schedule: shared/exposure/smoothing). */
  params?: RampParams | null;
}

/**
 * The settings for one capture, in the fixed order:
 * base → lux tables (white balance, EV) → ramp (shutter, ISO) → schedule override → test override.
 * `meter` is null when metering failed; the WB table then falls back to 5500 K
 * and the EV table is not applied; a ramp then keeps the previous frame's exposure.
 */
export function resolveSettings(
  snapshot: ProfileSnapshot,
  schedule: string,
  meter: MeterReading | null,
  testOverride?: SettingsOverride,
  ramp?: RampContext,
): CaptureSettings {
  const settings: CaptureSettings = { ...snapshot.base };
  const lux = meter?.lux;
  if (snapshot.wb_table) {
    const kelvin = lux === undefined ? UNKNOWN_LUX_KELVIN : Math.round(interpolate(snapshot.wb_table, lux));
    settings.white_balance = { mode: "kelvin", kelvin };
  }
  if (snapshot.ev_table && lux !== undefined) settings.ev = round2(interpolate(snapshot.ev_table, lux));
  const rampParams = snapshot.ramp ?? ramp?.params ?? null;
  if (rampParams && ramp) {
    if (lux !== undefined) {
      const r = rampExposure(rampParams, { lux, previous: ramp.previous, now: ramp.now, interval_seconds: ramp.interval_seconds });
      settings.shutter_us = r.shutter_us;
      settings.iso = r.iso;
    } else if (ramp.previous) {
      settings.shutter_us = Math.max(10, Math.round(ramp.previous.exposure_time_us));
      settings.iso = Math.min(6400, Math.max(100, Math.round(ramp.previous.analogue_gain * 100)));
    }
  }
  Object.assign(settings, snapshot.schedule_overrides[schedule] ?? {});
  Object.assign(settings, testOverride ?? {});
  return settings;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
