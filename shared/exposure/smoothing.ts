/**
 * The first system's per-schedule smoothing, run as our ramped exposure: its
 * rule limited each frame's ISO change to `max_change_per_frame` of the last,
 * then moved only `iso_weight` of the way. The same bound as a rate — stops per
 * minute at the schedule's interval — drives the ramp, which moves shutter and
 * gain together toward the metered target (the first system smoothed ISO alone,
 * with the camera's auto exposure free to undo it). Pure: no I/O.
 */
import type { RampParams } from "../contracts/profile";
import { RAMP_DEFAULTS } from "../contracts/profile";
import type { Smoothing } from "../contracts/schedule";

/** The ramp a smoothed schedule runs at `intervalSeconds`, or null when smoothing is off. */
export function smoothingRamp(smoothing: Smoothing | undefined, intervalSeconds: number): RampParams | null {
  if (!smoothing?.enabled || intervalSeconds <= 0) return null;
  const stopsPerFrame = Math.log2(1 + smoothing.max_change_per_frame * smoothing.iso_weight);
  return { ...RAMP_DEFAULTS, max_stops_per_minute: Math.min(60, (stopsPerFrame * 60) / intervalSeconds) };
}
