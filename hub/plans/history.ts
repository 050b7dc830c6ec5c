/**
 * The plan in force over time, pure: which plan content governed which span of
 * hub time, and the windows those spans give over a range. The past is planned
 * from the revisions the hub served (hub/plans/revisions); from `now` on, from the
 * camera's current setup (what its next poll will get). Nothing is planned before
 * the first revision (the camera's first contact) nor from its retirement on.
 */
import type { GeoPosition, PlanWindow } from "../../shared/contracts/plan";
import type { ScheduleRule } from "../../shared/contracts/schedule";
import { planWindows } from "../../shared/plan/windows";

/** What a camera's plan is made of: the hub serves it, the agent plans from it. */
export interface PlanContent {
  position: GeoPosition;
  rules: Record<string, ScheduleRule>;
  /** Profiles captured at a tick whose schedule names none: the assigned profile, or none. */
  defaultProfiles: string[];
}

export interface PlanRevision extends PlanContent {
  revision: number;
  /** Hub time of the poll that first served it. */
  effectiveAt: number;
}

/** Content in force over [from, to). */
export interface PlanSpan {
  from: number;
  to: number;
  content: PlanContent;
}

/**
 * Each revision until the next one, the last until `now`, then the current
 * content; all cut at the retirement. A camera never in contact has only the
 * current content from `now` on: its past holds no plan.
 */
export function spansInForce(revisions: readonly PlanRevision[], current: PlanContent, now: number, retiredAt: number | null): PlanSpan[] {
  const end = retiredAt ?? Infinity;
  const spans: PlanSpan[] = revisions.map((r, i) => ({ from: r.effectiveAt, to: Math.min(revisions[i + 1]?.effectiveAt ?? now, now), content: r }));
  spans.push({ from: Math.max(now, revisions.at(-1)?.effectiveAt ?? now), to: Infinity, content: current });
  return spans.map((s) => ({ ...s, to: Math.min(s.to, end) })).filter((s) => s.to > s.from);
}

const sameShape = (a: PlanWindow, b: PlanWindow) =>
  a.schedule === b.schedule && a.interval_seconds === b.interval_seconds && a.profiles.join("\n") === b.profiles.join("\n");

/**
 * The windows of [from, to) under the spans in force. A window a revision cut in
 * two is one window again when the revision left it unchanged (only other parts of
 * the content changed); a window whose profiles or interval changed stays in its two parts.
 */
export function windowsInForce(cameraId: string, spans: readonly PlanSpan[], from: number, to: number): PlanWindow[] {
  const pieces = spans.flatMap((s) => {
    const a = Math.max(from, s.from);
    const b = Math.min(to, s.to);
    if (b <= a) return [];
    const { position, rules, defaultProfiles } = s.content;
    return planWindows({ cameraId, position, schedules: rules, defaultProfiles, from: a, to: b, generatedAt: a });
  });
  const merged: PlanWindow[] = [];
  for (const w of pieces.sort((x, y) => x.start.localeCompare(y.start) || x.schedule.localeCompare(y.schedule))) {
    const before = merged.findLast((m) => m.end === w.start && sameShape(m, w));
    if (before) before.end = w.end;
    else merged.push({ ...w });
  }
  return merged;
}

/** Schedules of the contents in force over [from, to): their records belong to the plan, even where no window fell. */
export function schedulesInForce(spans: readonly PlanSpan[], from: number, to: number): Set<string> {
  return new Set(spans.filter((s) => s.from < to && s.to > from).flatMap((s) => Object.keys(s.content.rules)));
}
