import type { PlanWindow } from "../contracts/plan";

/** One capture the plan asks for: an instant on the shared grid, a schedule and a profile. */
export interface PlannedTick {
  at: number;
  schedule: string;
  profile: string;
  interval_seconds: number;
}

/**
 * The grid is aligned to the epoch: a window's ticks are the multiples of its
 * interval inside [start, end). Cameras on different ridges, whose sunrise
 * windows start seconds apart, therefore fire at the same instants.
 */
export function firstGridPoint(atOrAfter: number, intervalSeconds: number): number {
  const step = intervalSeconds * 1000;
  return Math.ceil(atOrAfter / step) * step;
}

/** Overlapping windows: the denser schedule wins an instant; on a tie, the window listed first. */
function byPriority(a: PlanWindow, b: PlanWindow): number {
  return a.interval_seconds - b.interval_seconds;
}

/** All ticks in [from, to), at most one per instant and profile, in time order. */
export function plannedTicks(windows: PlanWindow[], from: number, to: number): PlannedTick[] {
  const seen = new Set<string>();
  const ticks: PlannedTick[] = [];
  for (const w of [...windows].sort(byPriority)) {
    const end = Math.min(Date.parse(w.end), to);
    const step = w.interval_seconds * 1000;
    for (let at = firstGridPoint(Math.max(Date.parse(w.start), from), w.interval_seconds); at < end; at += step) {
      for (const profile of w.profiles) {
        const key = `${at}|${profile}`;
        if (seen.has(key)) continue;
        seen.add(key);
        ticks.push({ at, schedule: w.schedule, profile, interval_seconds: w.interval_seconds });
      }
    }
  }
  return ticks.sort((a, b) => a.at - b.at || a.profile.localeCompare(b.profile));
}

/** A tick is attempted only while it is less than half an interval late; later ones are recorded as missed. */
export function lateness(tick: PlannedTick, now: number): { late: boolean; byMs: number } {
  const byMs = now - tick.at;
  return { late: byMs > (tick.interval_seconds * 1000) / 2, byMs };
}

/** The ticks of the earliest grid instant strictly after `after`, or [] when the plan has none. */
export function nextTicks(windows: PlanWindow[], after: number): PlannedTick[] {
  let next = Infinity;
  for (const w of windows) {
    const at = firstGridPoint(Math.max(Date.parse(w.start), after + 1), w.interval_seconds);
    if (at < Date.parse(w.end) && at < next) next = at;
  }
  return next === Infinity ? [] : plannedTicks(windows, next, next + 1);
}
