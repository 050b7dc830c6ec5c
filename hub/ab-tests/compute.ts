import type { CaptureRecord } from "../../shared/contracts/sync";
import type { ImageMeasures } from "../../shared/contracts/tests";
import { stopsFromTarget, TARGET_LUMA } from "../../shared/image/measures";

export type TestStatus = "pending" | "running" | "done" | "cancelled";

export interface TestRow {
  id: string;
  cameraIds: string[];
  pairs: number | null;
  untilAt: number | null;
  fromAt: number;
  cancelledAt: number | null;
}

/** A test is done when every camera has its pairs, or its time is up. */
export function testStatus(test: TestRow, pairsByCamera: Map<string, number>, now: number): TestStatus {
  if (test.cancelledAt !== null) return "cancelled";
  const allPairs = test.pairs !== null && test.cameraIds.every((c) => (pairsByCamera.get(c) ?? 0) >= test.pairs!);
  if (allPairs || (test.untilAt !== null && now >= test.untilAt)) return "done";
  return [...pairsByCamera.values()].some((n) => n > 0) || now >= test.fromAt ? "running" : "pending";
}

export interface PairSide {
  capture_id: string;
  outcome: CaptureRecord["outcome"];
  measures: ImageMeasures | null;
  /** How far the image's mean luma sits from mid-grey, in stops (positive: brighter). */
  stops_from_target: number | null;
  ev: number | null;
  white_balance: string | null;
  exposure: CaptureRecord["exposure"];
}

export interface Pair {
  camera_id: string;
  planned_at: string;
  profile_id: string;
  baseline: PairSide;
  variant: PairSide;
  /** Variant over baseline mean luma, in stops. */
  variant_minus_baseline_stops: number | null;
}

function side(r: CaptureRecord): PairSide {
  const wb = r.settings?.white_balance;
  return {
    capture_id: r.id,
    outcome: r.outcome,
    measures: r.measures,
    stops_from_target: r.measures ? round(stopsFromTarget(r.measures.mean_luma)) : null,
    ev: r.settings?.ev ?? null,
    white_balance: wb ? (wb.mode === "kelvin" ? `${wb.kelvin} K` : wb.mode) : null,
    exposure: r.exposure,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const keyOf = (r: { camera_id: string; planned_at: string; profile_id: string }) => `${r.camera_id}|${r.planned_at}|${r.profile_id}`;

/** Each variant with the baseline of the same camera, tick and profile. */
export function pairUp(variants: (CaptureRecord & { camera_id: string })[], baselines: (CaptureRecord & { camera_id: string })[]): Pair[] {
  const baseline = new Map(baselines.map((p) => [keyOf(p), p]));
  const pairs: Pair[] = [];
  for (const v of variants) {
    const b = baseline.get(keyOf(v));
    if (!b) continue;
    const both = b.measures && v.measures ? round(Math.log2(Math.max(v.measures.mean_luma, 0.5) / Math.max(b.measures.mean_luma, 0.5))) : null;
    pairs.push({ camera_id: v.camera_id, planned_at: v.planned_at, profile_id: v.profile_id, baseline: side(b), variant: side(v), variant_minus_baseline_stops: both });
  }
  return pairs.sort((a, b) => a.planned_at.localeCompare(b.planned_at) || a.camera_id.localeCompare(b.camera_id));
}

export interface SideSummary {
  pairs: number;
  /** Mean distance from mid-grey (luma 118), in stops: lower is closer to target. */
  mean_abs_stops_from_target: number | null;
  mean_clipped_highlights_pct: number | null;
  mean_crushed_shadows_pct: number | null;
}

export interface TestSummary {
  target_luma: number;
  pairs: number;
  baseline: SideSummary;
  variant: SideSummary;
  /** Which side exposed closer to the target, and by how many stops on average. */
  closer: "baseline" | "variant" | "tie" | null;
  by_stops: number | null;
}

function summarise(sides: PairSide[]): SideSummary {
  const measured = sides.filter((s) => s.measures);
  const mean = (f: (s: PairSide) => number) => (measured.length ? round(measured.reduce((sum, s) => sum + f(s), 0) / measured.length) : null);
  return {
    pairs: sides.length,
    mean_abs_stops_from_target: mean((s) => Math.abs(s.stops_from_target!)),
    mean_clipped_highlights_pct: mean((s) => s.measures!.clipped_highlights_pct),
    mean_crushed_shadows_pct: mean((s) => s.measures!.crushed_shadows_pct),
  };
}

export function summarisePairs(pairs: Pair[]): TestSummary {
  const complete = pairs.filter((p) => p.baseline.outcome === "captured" && p.variant.outcome === "captured");
  const baseline = summarise(complete.map((p) => p.baseline));
  const variant = summarise(complete.map((p) => p.variant));
  const b = baseline.mean_abs_stops_from_target;
  const v = variant.mean_abs_stops_from_target;
  const diff = b === null || v === null ? null : round(b - v);
  return {
    target_luma: TARGET_LUMA,
    pairs: complete.length,
    baseline,
    variant,
    closer: diff === null ? null : Math.abs(diff) < 0.01 ? "tie" : diff > 0 ? "variant" : "baseline",
    by_stops: diff === null ? null : Math.abs(diff),
  };
}
