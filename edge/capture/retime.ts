import type { PlanWindow } from "../../shared/contracts/plan";
import { plannedTicks } from "../../shared/plan/ticks";
import type { NewCaptureRecord, Retimed } from "./log";

type Logged = NewCaptureRecord & { seq: number };

/**
 * Records made before the clock was trusted, moved to the times their monotonic
 * readings give (`timeAt`: boot-monotonic ms → trusted time). They keep their
 * schedule (`clock_untrusted` for safety captures): they answer no planned tick.
 */
export function retimeUntrusted(records: Logged[], timeAt: (monotonicMs: number) => number): Map<number, Retimed> {
  const moves = new Map<number, Retimed>();
  for (const r of records) {
    const shiftMs = Math.round(timeAt(r.monotonic_ms) - Date.parse(r.captured_at ?? r.planned_at));
    moves.set(r.seq, { plannedAt: Date.parse(r.planned_at) + shiftMs, capturedAt: r.captured_at === null ? null : Date.parse(r.captured_at) + shiftMs, shiftMs });
  }
  return moves;
}

/**
 * Records made on a trusted clock that the hub then stepped by `offsetMs`. A capture moves by the offset and answers
 * the planned tick of its profile its true time falls on (within half that tick's interval: a tick the scheduler
 * would have shot then), or none — a capture off the plan at its true time. A miss stays where it is when its
 * tick had really come by the time it was recorded, and is dropped from the plan when it claimed a tick still ahead.
 */
export function retimeStepped(
  records: Logged[],
  offsetMs: number,
  timeAt: (monotonicMs: number) => number,
  windowsBetween: (from: number, to: number) => PlanWindow[],
): { moves: Map<number, Retimed>; drop: number[] } {
  const moves = new Map<number, Retimed>();
  const drop: number[] = [];
  const captured = records.filter((r) => r.captured_at !== null);
  for (const r of records) if (r.captured_at === null && Date.parse(r.planned_at) > timeAt(r.monotonic_ms)) drop.push(r.seq);
  if (!captured.length) return { moves, drop };
  const times = captured.map((r) => Date.parse(r.captured_at!) + offsetMs);
  const margin = 3_600_000;
  const windows = windowsBetween(Math.min(...times) - margin, Math.max(...times) + margin);
  const ticks = new Map(plannedTicks(windows, Math.min(...times) - margin, Math.max(...times) + margin).map((t) => [`${t.profile}|${t.at}`, t]));
  const steps = [...new Set(windows.map((w) => w.interval_seconds * 1000))];
  captured.forEach((r, i) => {
    const at = times[i]!;
    const tick = r.test_id
      ? undefined
      : steps
          .map((step) => ticks.get(`${r.profile_id}|${Math.round(at / step) * step}`))
          .find((t) => t && Math.abs(t.at - at) <= t.interval_seconds * 500);
    moves.set(r.seq, { plannedAt: tick?.at ?? at, capturedAt: at, shiftMs: offsetMs, schedule: tick?.schedule });
  });
  return { moves, drop };
}
