import type { ProfileSnapshot } from "../contracts/profile";
import type { CaptureSettings, MeterReading, SettingsOverride } from "../contracts/settings";
import { UNKNOWN_LUX_KELVIN } from "./curves";
import { interpolate } from "./table";

/**
 * The settings for one capture, in the fixed order:
 * base → lux tables (white balance, EV) → schedule override → test override.
 * `meter` is null when metering failed; the WB table then falls back to 5500 K
 * and the EV table is not applied.
 */
export function resolveSettings(
  snapshot: ProfileSnapshot,
  schedule: string,
  meter: MeterReading | null,
  testOverride?: SettingsOverride,
): CaptureSettings {
  const settings: CaptureSettings = { ...snapshot.base };
  const lux = meter?.lux;
  if (snapshot.wb_table) {
    const kelvin = lux === undefined ? UNKNOWN_LUX_KELVIN : Math.round(interpolate(snapshot.wb_table, lux));
    settings.white_balance = { mode: "kelvin", kelvin };
  }
  if (snapshot.ev_table && lux !== undefined) settings.ev = round2(interpolate(snapshot.ev_table, lux));
  Object.assign(settings, snapshot.schedule_overrides[schedule] ?? {});
  Object.assign(settings, testOverride ?? {});
  return settings;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
