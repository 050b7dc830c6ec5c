/**
 * Flicker on one simulated sunset (same seed, same camera, rendered in-process):
 * the camera's own auto exposure against ramped exposure, each before and after
 * our rolling-window deflicker. Flicker is |log2(Y[n]/Y[n−1])| of the mean luma
 * frame to frame (mean and p95); exposure error is the mean |log2(Y/target)| in
 * stops of luma, the target being mid-grey 118 for auto exposure and the ramp's
 * blended day-to-night target (at each frame's metered lux) for ramped exposure.
 * Rows are in thousandths of a stop (millistops).
 */
import * as SunCalc from "suncalc";
import type { RampDefinition } from "../../shared/contracts/profile";
import { DEFAULT_SETTINGS } from "../../shared/contracts/settings";
import { compileContent, snapshotOf } from "../../shared/exposure/compile";
import { deflickerGains, flickerSteps } from "../../shared/exposure/deflicker";
import { rampTargetLuma, type RampPrevious } from "../../shared/exposure/ramp";
import { resolveSettings } from "../../shared/exposure/resolve";
import { measureJpeg, stopsFromTarget, TARGET_LUMA } from "../../shared/image/measures";
import { SimulatedCamera } from "../../edge/camera/simulated";

export interface FlickerRow {
  metric: string;
  value: number;
  baseline: number;
  unit: string;
  baselineName: string;
}

const SEED = 7;
const POSITION = { latitude: 46.5, longitude: 7.5 };
const INTERVAL_S = 30;
const DEFLICKER_WINDOW = 5;

export interface SunsetRun {
  lumas: number[];
  targets: number[];
  /** The frames themselves (JPEG), for the render bench. */
  jpegs: Uint8Array[];
  plannedAts: number[];
}

export interface SunsetFigures {
  flickerMean: number;
  flickerP95: number;
  errorStops: number;
}

export function figures(lumas: number[], targets: number[]): SunsetFigures {
  const steps = flickerSteps(lumas).sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    flickerMean: mean(steps),
    flickerP95: steps[Math.min(steps.length - 1, Math.floor(0.95 * steps.length))]!,
    errorStops: mean(lumas.map((y, i) => Math.abs(stopsFromTarget(y, targets[i]!)))),
  };
}

export function deflickered(lumas: number[]): number[] {
  const gains = deflickerGains(lumas, DEFLICKER_WINDOW);
  return lumas.map((y, i) => Math.min(255, y * gains[i]!));
}

/** Frames taken before the measured window and not counted: the ramp starts from a running state, as on a camera that shot all afternoon. */
const WARM_UP_FRAMES = 4;

/** One sunset, 30 min before to 60 min after, one frame per 30 s, auto or ramped. */
export async function simulateSunset(mode: "auto" | "ramped", ramp: RampDefinition = {}, date = "2026-06-21"): Promise<SunsetRun> {
  const camera = new SimulatedCamera({ seed: SEED, position: () => POSITION });
  const sunset = SunCalc.getTimes(new Date(`${date}T12:00:00Z`), POSITION.latitude, POSITION.longitude).sunset!.getTime();
  const step = INTERVAL_S * 1000;
  const from = Math.ceil((sunset - 30 * 60_000) / step) * step;
  const to = sunset + 60 * 60_000;
  const snapshot = snapshotOf(compileContent("sunset", { base: {}, schedule_overrides: {}, ramp: mode === "ramped" ? ramp : null }), "1.0.0");
  const lumas: number[] = [];
  const targets: number[] = [];
  const jpegs: Uint8Array[] = [];
  const plannedAts: number[] = [];
  let previous: RampPrevious | null = null;
  for (let at = from - WARM_UP_FRAMES * step; at <= to; at += step) {
    const meter = await camera.meter(at);
    const settings =
      mode === "auto" ? DEFAULT_SETTINGS : resolveSettings(snapshot, "sunset", meter, undefined, { previous, now: at, interval_seconds: INTERVAL_S });
    const [frame] = await camera.capture(settings, at);
    const luma = measureJpeg(frame!.jpeg)!.mean_luma;
    previous = { exposure_time_us: frame!.exposure.exposure_time_us, analogue_gain: frame!.exposure.analogue_gain, at, measured_luma: luma, lux: meter.lux };
    if (at < from) continue;
    lumas.push(luma);
    targets.push(mode === "auto" ? TARGET_LUMA : rampTargetLuma(snapshot.ramp!, meter.lux));
    jpegs.push(frame!.jpeg);
    plannedAts.push(at);
  }
  return { lumas, targets, jpegs, plannedAts };
}

export async function sunsetFlicker(): Promise<FlickerRow[]> {
  const auto = await simulateSunset("auto");
  const ramped = await simulateSunset("ramped");
  const a = figures(auto.lumas, auto.targets);
  const aD = figures(deflickered(auto.lumas), auto.targets);
  const r = figures(ramped.lumas, ramped.targets);
  const rD = figures(deflickered(ramped.lumas), ramped.targets);
  const n = auto.lumas.length;
  const rows: FlickerRow[] = [];
  // In thousandths of a stop, so the bench table's two decimals keep the differences.
  const ms = (stops: number) => 1000 * stops;
  const add = (what: string, pick: (f: SunsetFigures) => number, autoTarget = "", rampTarget = "") => {
    rows.push({ metric: `sunset ${what}: auto exposure${autoTarget}`, value: ms(pick(a)), baseline: ms(pick(a)), unit: "mstops", baselineName: `itself (reference; ${n} frames, 30 s apart)` });
    rows.push({ metric: `sunset ${what}: auto + deflicker w=${DEFLICKER_WINDOW}${autoTarget}`, value: ms(pick(aD)), baseline: ms(pick(a)), unit: "mstops", baselineName: "auto exposure, same run" });
    rows.push({ metric: `sunset ${what}: ramped${rampTarget}`, value: ms(pick(r)), baseline: ms(pick(a)), unit: "mstops", baselineName: "auto exposure, same run" });
    rows.push({ metric: `sunset ${what}: ramped + deflicker w=${DEFLICKER_WINDOW}${rampTarget}`, value: ms(pick(rD)), baseline: ms(pick(aD)), unit: "mstops", baselineName: "auto + deflicker, same run" });
  };
  add("flicker mean |log2 Y[n]/Y[n-1]|, millistops", (f) => f.flickerMean);
  add("flicker p95 |log2 Y[n]/Y[n-1]|, millistops", (f) => f.flickerP95);
  add("mean |exposure error|, millistops", (f) => f.errorStops, " (vs 118)", " (vs blended target)");
  return rows;
}

if (import.meta.main) {
  const t = performance.now();
  for (const row of await sunsetFlicker()) console.log(row.metric.padEnd(72), row.value.toFixed(1), row.baseline.toFixed(1), (row.value / row.baseline).toFixed(2), row.baselineName);
  console.log(`${((performance.now() - t) / 1000).toFixed(1)} s`);
}
