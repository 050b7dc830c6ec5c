import { Cron, CronPattern } from "croner";
import { addDays, type LocalDate, localToUtc, offsetAt } from "./local-time";

/** Evenly spaced instants (ms): start, start + step, … — `count` of them. */
interface Run {
  start: number;
  step: number;
  count: number;
}

/** A span of the plan: its ticks are the multiples of `interval_seconds` in [start, end). */
export interface GridSpan {
  start: number;
  end: number;
  interval_seconds: number;
}

interface CronTimes {
  /** croner in UTC, asked only whether a date's day, month, weekday and year fields match. */
  days: Cron;
  /** The times of day it fires at, as runs of wall-clock ms after midnight. */
  times: Run[];
  /** croner's "fixed-time" job (one time of day): it moves out of a DST gap and fires once in a repeated hour. */
  fixed: boolean;
  /** What one fire names: a minute (five fields), or a second (six or seven). */
  resolution: number;
}

const DAY_MS = 86_400_000;
/** More runs than this a day (an uneven step finer than minutes) would make a plan of thousands of windows. */
const MAX_RUNS_PER_DAY = 288;
/** Grid steps a tick of its own may sit on; the largest that fits sets how late it may still be taken. */
const OWN_STEPS = [86_400, 43_200, 21_600, 14_400, 10_800, 7_200, 3_600, 1_800, 1_200, 900, 600, 300, 120, 60, 30, 20, 15, 10, 5, 2, 1];

// Parsed once per expression: a plan is computed on every desired-state build.
const parsed = new Map<string, CronTimes>();

/** Why an expression cannot be a schedule, or null when it can. */
export function cronProblem(expression: string): string | null {
  try {
    cronTimes(expression);
    return null;
  } catch (e) {
    return (e as Error).message.replace(/^CronPattern: /, "");
  }
}

function cronTimes(expression: string): CronTimes {
  let t = parsed.get(expression);
  if (t) return t;
  // CronPattern refuses anything but 5–7 fields; `new Cron` alone would read "…:…" as a one-off date.
  const pattern = new CronPattern(expression);
  const days = new Cron(expression, { timezone: "UTC", paused: true });
  if (days.nextRun(new Date(0)) === null) throw new Error("it never fires: no date has those day and month fields");
  const walls: number[] = [];
  for (let h = 0; h < 24; h++)
    for (let m = 0; m < 60; m++)
      for (let s = 0; s < 60; s++) if (pattern.hour[h] && pattern.minute[m] && pattern.second[s]) walls.push(((h * 60 + m) * 60 + s) * 1000);
  const times = toRuns(walls);
  if (times.length > MAX_RUNS_PER_DAY)
    throw new Error(`its times of day fall into ${times.length} uneven runs (at most ${MAX_RUNS_PER_DAY}): use an even step`);
  t = { days, times, fixed: pattern.isFixedTime, resolution: pattern.pattern.trim().split(/\s+/).length === 5 ? 60_000 : 1000 };
  if (parsed.size >= 1000) parsed.clear();
  parsed.set(expression, t);
  return t;
}

/**
 * The windows of a cron expression on one local date, in the zone, fired as
 * croner fires it (DST included); none crosses midnight. Without an interval,
 * every time it fires is a tick, and the windows put exactly those ticks on the
 * epoch-aligned grid — a run of evenly spaced times whose first is a multiple of
 * the step is one window with that interval; any other time is a window of its
 * own holding just it. With an interval, the minutes (or seconds) it names are
 * the windows, ticking every `intervalSeconds` on the grid.
 */
export function cronWindowsOn(expression: string, tz: string, date: LocalDate, intervalSeconds?: number): GridSpan[] {
  const t = cronTimes(expression);
  const midnight = Date.UTC(date.year, date.month - 1, date.day);
  if (!t.days.match(new Date(midnight + t.times[0]!.start))) return [];
  const { runs, end } = firesOn(t, tz, date, midnight);
  return intervalSeconds === undefined ? tickWindows(runs, end) : namedSpans(runs, t.resolution, intervalSeconds);
}

/** Each fire a tick: even, aligned runs as one window, any other fire a window of its own. */
function tickWindows(runs: Run[], end: number): GridSpan[] {
  const windows: GridSpan[] = [];
  runs.forEach((run, i) => {
    const next = runs[i + 1]?.start ?? end;
    if (run.count > 1 && run.start % run.step === 0) {
      windows.push({ start: run.start, end: Math.min(run.start + run.count * run.step, next), interval_seconds: run.step / 1000 });
      return;
    }
    for (let k = 0; k < run.count; k++) {
      const at = run.start + k * run.step;
      const following = k + 1 < run.count ? at + run.step : next;
      const step = OWN_STEPS.find((s) => at % (s * 1000) === 0 && s * 1000 <= following - at)!;
      windows.push({ start: at, end: Math.min(at + step * 1000, following), interval_seconds: step });
    }
  });
  return windows;
}

/** The minutes (or seconds) the fires name, adjoining ones joined, ticking every `intervalSeconds`. */
function namedSpans(runs: Run[], resolution: number, intervalSeconds: number): GridSpan[] {
  const spans: GridSpan[] = [];
  const add = (start: number, end: number) => {
    const last = spans[spans.length - 1];
    if (last && last.end === start) last.end = end;
    else spans.push({ start, end, interval_seconds: intervalSeconds });
  };
  for (const run of runs) {
    if (run.step === resolution) add(run.start, run.start + run.count * run.step);
    else for (let k = 0; k < run.count; k++) add(run.start + k * run.step, run.start + k * run.step + resolution);
  }
  return spans;
}

/** The instants of a date's fire times, as runs, and when the date ends. */
function firesOn(t: CronTimes, tz: string, date: LocalDate, midnight: number): { runs: Run[]; end: number } {
  const start = localToUtc(tz, date, 0, 0);
  const end = localToUtc(tz, addDays(date, 1), 0, 0);
  const before = offsetAt(tz, start);
  const after = offsetAt(tz, end - 1);
  if (before === after && start === midnight - before && end === midnight + DAY_MS - before)
    return { runs: t.times.map((r) => ({ ...r, start: midnight - before + r.start })), end };
  return { runs: toRuns(firesAcrossChange(t, tz, midnight, start, end, before, after)), end };
}

/**
 * A date on which the clocks change, time by time, by croner's rules: a time the
 * change skips is dropped — or, for a fixed-time job, taken at the change; a time
 * that happens twice fires twice — or once, the first, for a fixed-time job.
 */
function firesAcrossChange(t: CronTimes, tz: string, midnight: number, start: number, end: number, before: number, after: number): number[] {
  const change = before === after ? end : changeInstant(tz, start, end, before);
  const out: number[] = [];
  for (const run of t.times) {
    for (let k = 0; k < run.count; k++) {
      const wall = midnight + run.start + k * run.step;
      const early = wall - before;
      const late = wall - after;
      const earlyOk = early >= start && early < change;
      const lateOk = before !== after && late >= change && late < end;
      if (earlyOk) out.push(early);
      if (lateOk && !(earlyOk && t.fixed)) out.push(late);
      if (!earlyOk && !lateOk && t.fixed) {
        const at = early < start ? start : change;
        if (at < end) out.push(at);
      }
    }
  }
  return out.sort((a, b) => a - b);
}

/** The first instant (whole second) in [start, end) whose offset is no longer `before`. */
function changeInstant(tz: string, start: number, end: number, before: number): number {
  let lo = start;
  let hi = end - 1000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(tz, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Sorted instants as maximal runs of one step, greedily from the first. */
function toRuns(points: number[]): Run[] {
  const runs: Run[] = [];
  let i = 0;
  while (i < points.length) {
    const start = points[i]!;
    if (i + 1 === points.length) {
      runs.push({ start, step: 1000, count: 1 });
      break;
    }
    const step = points[i + 1]! - start;
    let j = i + 1;
    while (j + 1 < points.length && points[j + 1]! - points[j]! === step) j++;
    runs.push({ start, step, count: j - i + 1 });
    i = j + 1;
  }
  return runs;
}
