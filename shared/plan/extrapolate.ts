import type { PlanWindow } from "../contracts/plan";
import type { DesiredState } from "../contracts/sync";
import { addDays, localDateOf, localToUtc } from "./local-time";
import { planWindows } from "./windows";

/** How far ahead of now the agent keeps a plan when the hub's runs out. */
export const EXTRAPOLATE_DAYS = 2;

/**
 * The hub's plan, extended by the agent itself when it runs short during an
 * outage: the same schedule rules, the same solar code, windows marked
 * `extrapolated`. The hub's next plan replaces these; ticks fall on the same
 * grid, so nothing is captured twice.
 */
export function windowsWithExtrapolation(state: DesiredState, now: number, days = EXTRAPOLATE_DAYS): PlanWindow[] {
  const planEnd = Date.parse(state.plan.to);
  const tz = state.camera.timezone;
  const horizon = localToUtc(tz, addDays(localDateOf(tz, now), days + 1), 0, 0);
  if (horizon <= planEnd) return state.plan.windows;
  const extra = planWindows({
    cameraId: state.camera.id,
    position: { latitude: state.camera.latitude, longitude: state.camera.longitude, timezone: tz },
    schedules: state.schedules,
    defaultProfiles: state.assignment ? [state.assignment.profile_id] : [],
    from: planEnd,
    to: horizon,
    generatedAt: now,
    extrapolated: true,
  });
  return [...state.plan.windows, ...extra];
}
