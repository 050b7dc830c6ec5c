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
  return [...state.plan.windows, ...fromRules(state, planEnd, horizon, now)];
}

/** Windows of [from, to) from the schedule rules the hub sent, marked extrapolated. */
function fromRules(state: DesiredState, from: number, to: number, generatedAt: number): PlanWindow[] {
  if (from >= to) return [];
  return planWindows({
    cameraId: state.camera.id,
    position: { latitude: state.camera.latitude, longitude: state.camera.longitude, timezone: state.camera.timezone },
    schedules: state.schedules,
    defaultProfiles: state.assignment ? [state.assignment.profile_id] : [],
    from,
    to,
    generatedAt,
    extrapolated: true,
  });
}

/**
 * The plan over any span [from, to): the hub's plan where it reaches, the same rules on either side of it — for
 * the agent to account for ticks of a past span (a restart, a clock change) that its current plan no longer covers.
 */
export function windowsBetween(state: DesiredState, from: number, to: number): PlanWindow[] {
  const planFrom = Date.parse(state.plan.from);
  const planEnd = Date.parse(state.plan.to);
  return [...fromRules(state, from, Math.min(to, planFrom), from), ...state.plan.windows, ...fromRules(state, Math.max(from, planEnd), to, from)];
}
