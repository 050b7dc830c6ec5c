/**
 * Pure mapping for the rpicam driver: our CaptureSettings → `rpicam-still` argv, the tool's metadata JSON →
 * ExposureUsed / MeterReading, and its exit status + stderr → CameraError. No I/O here; `rpicam.ts` runs the tool.
 *
 * Names, not numbers: our contracts name white balance and metering; rpicam-still takes names too
 * (`--awb daylight`, `--metering average`). libcamera's numeric enums are listed below only to document the
 * trap the first system fell into (its `awb_mode` codes passed straight into libcamera's AwbMode).
 */
import type { CaptureSettings, ExposureUsed, MeterReading, Metering, WhiteBalance, WhiteBalanceMode } from "../../shared/contracts/settings";
import { CameraError } from "./driver";

/** The stock IMX519 tuning's auto exposure stops at 120 ms (rpi.agc exposure_modes, every mode); longer needs `--shutter`. */
export const IMX519_AE_MAX_SHUTTER_US = 120_000;
/** IMX519 analogue gain range. The tool clamps to it; we clamp before passing. */
export const IMX519_MIN_ANALOGUE_GAIN = 1;
export const IMX519_MAX_ANALOGUE_GAIN = 16;
/** `--ev` range documented for rpicam-apps. */
export const RPICAM_EV_LIMIT = 10;
/** rpicam-apps clamps sharpness, contrast and saturation to 0..15.99 ("limits are arbitrary"); we pass what it will use. */
export const RPICAM_PROCESSING_MAX = 15.99;
/** Default time (`-t`, ms) the preview runs before the still, so AE/AWB settle. */
export const DEFAULT_SETTLE_MS = 1000;

export type RpicamMetering = "centre" | "spot" | "average";
export type RpicamAwb = "auto" | "incandescent" | "tungsten" | "fluorescent" | "indoor" | "daylight" | "cloudy";

/** Our metering names → rpicam-still's. Our "matrix" is libcamera's MeteringMatrix, which rpicam-still calls "average". */
export const RPICAM_METERING: Record<Metering, RpicamMetering> = { centre: "centre", spot: "spot", matrix: "average" };

/** Our named white-balance modes → `--awb` names (identical by design; "kelvin" goes through `--awbgains`). */
export const RPICAM_AWB: Record<Exclude<WhiteBalanceMode, "kelvin">, RpicamAwb> = {
  auto: "auto",
  daylight: "daylight",
  cloudy: "cloudy",
  tungsten: "tungsten",
  fluorescent: "fluorescent",
  incandescent: "incandescent",
  indoor: "indoor",
};

/** libcamera's `AwbMode` enum values (reference only: nothing is passed by number). The seed's code 1 ("daylight") is Incandescent here. */
export const LIBCAMERA_AWB_MODE = { auto: 0, incandescent: 1, tungsten: 2, fluorescent: 3, indoor: 4, daylight: 5, cloudy: 6, custom: 7 } as const;
/** libcamera's `AeMeteringMode` enum values (reference only). */
export const LIBCAMERA_METERING_MODE = { centre: 0, spot: 1, average: 2, custom: 3 } as const;

/**
 * The IMX519 tuning's AWB colour-temperature curve: `rpi.awb.ct_curve` in libcamera's
 * `src/ipa/rpi/vc4/data/imx519.json`, rows of [kelvin, R/G, B/G] — the camera's raw red/green and blue/green
 * ratios for a grey surface lit by that colour temperature. The gains that neutralise it are the reciprocals
 * (libcamera's rpi AWB: gainR = 1 / ctR(T), gainB = 1 / ctB(T)).
 */
export const IMX519_CT_CURVE: readonly (readonly [kelvin: number, r: number, b: number])[] = [
  [2890, 0.7328, 0.3734],
  [3550, 0.6228, 0.4763],
  [4500, 0.5208, 0.5825],
  [5700, 0.4467, 0.6671],
  [7900, 0.3858, 0.7411],
];

/**
 * Fixed colour temperature → `--awbgains` red and blue gains for the IMX519.
 *
 * Inside the tuned range (2890–7900 K) this is exactly what libcamera does for a colour temperature: linear
 * interpolation of the ct_curve in kelvin, gains the reciprocals. Outside it libcamera clamps (every
 * temperature beyond an end gets the same gains); we extrapolate the end segment instead, with ln(ratio)
 * linear in mired (10⁶/K) — the Planckian locus is close to straight in mired, and the logarithm keeps the
 * ratios positive — so the mapping stays strictly monotonic over our whole 1500–15000 K range.
 *
 * Direction: warm light (low K) has a high raw R/G and a low B/G, so it gets a LOW red gain and a HIGH blue
 * gain (3000 K → r 1.40, b 2.56; 5700 K → r 2.24, b 1.50). Red gain rises with kelvin, blue gain falls.
 */
export function kelvinToAwbGains(kelvin: number): { red: number; blue: number } {
  const curve = IMX519_CT_CURVE;
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  let r: number;
  let b: number;
  if (kelvin < first[0]) [r, b] = extrapolateMired(kelvin, first, curve[1]!);
  else if (kelvin > last[0]) [r, b] = extrapolateMired(kelvin, curve[curve.length - 2]!, last);
  else {
    let i = 0;
    while (i < curve.length - 2 && kelvin > curve[i + 1]![0]) i++;
    const [k0, r0, b0] = curve[i]!;
    const [k1, r1, b1] = curve[i + 1]!;
    const f = (kelvin - k0) / (k1 - k0);
    r = r0 + f * (r1 - r0);
    b = b0 + f * (b1 - b0);
  }
  return { red: round(1 / r, 4), blue: round(1 / b, 4) };
}

function extrapolateMired(
  kelvin: number,
  [k0, r0, b0]: readonly [number, number, number],
  [k1, r1, b1]: readonly [number, number, number],
): [number, number] {
  const m = 1e6 / kelvin;
  const m0 = 1e6 / k0;
  const m1 = 1e6 / k1;
  const at = (y0: number, y1: number) => Math.exp(Math.log(y0) + ((m - m0) * (Math.log(y1) - Math.log(y0))) / (m1 - m0));
  return [at(r0, r1), at(b0, b1)];
}

/** ISO → analogue gain (ISO 100 = 1×), clamped to the sensor's range; null (auto ISO) → null (gain floats). */
export function isoToGain(iso: number | null): number | null {
  if (iso === null) return null;
  return clamp(iso / 100, IMX519_MIN_ANALOGUE_GAIN, IMX519_MAX_ANALOGUE_GAIN);
}

/** One rpicam-still run: the exposure it asks for and its place in a bracket. */
export interface FramePlan {
  bracket_ev: number;
  /** `--shutter`, µs; null = auto exposure picks it. */
  shutter_us: number | null;
  /** `--gain`; null = gain floats. */
  gain: number | null;
  /** `--ev`; null when exposure is fully manual (libcamera ignores EV without AE). */
  ev: number | null;
}

/**
 * The runs a capture needs: one, or one per bracket step. Fully manual (shutter and ISO fixed): the shutter
 * is multiplied by 2^offset and no `--ev` is passed. Otherwise auto exposure does the bracketing with
 * `--ev base+offset` — with a fixed shutter and floating gain, AE would undo a longer shutter with less gain,
 * so the offset must go to AE (the gain moves).
 */
export function framePlans(settings: CaptureSettings): FramePlan[] {
  const gain = isoToGain(settings.iso);
  const manual = settings.shutter_us !== null && gain !== null;
  return (settings.bracket?.ev ?? [0]).map((offset) =>
    manual
      ? { bracket_ev: offset, shutter_us: Math.max(1, Math.round(settings.shutter_us! * 2 ** offset)), gain, ev: null }
      : { bracket_ev: offset, shutter_us: settings.shutter_us, gain, ev: clamp(settings.ev + offset, -RPICAM_EV_LIMIT, RPICAM_EV_LIMIT) },
  );
}

/**
 * `-t` for a still: the preview time before the capture. Normally `settleMs` (AE/AWB converge); for an
 * exposure longer than the AE limit every preview frame lasts the whole exposure, so give it at least two.
 */
export function previewMs(shutterUs: number | null, settleMs = DEFAULT_SETTLE_MS): number {
  const settle = Math.max(1, Math.round(settleMs)); // -t 0 would mean "run until a key is pressed"
  if (shutterUs === null || shutterUs <= IMX519_AE_MAX_SHUTTER_US) return settle;
  return Math.max(settle, Math.ceil((2 * shutterUs) / 1000));
}

/**
 * How long a run may take before it is killed. `timeoutMs` covers a normal capture; a long exposure gets its
 * own time on top: the preview, then up to four frames of the exposure (last preview frame, mode switch,
 * the frame the pipeline may drop, the still).
 */
export function processDeadlineMs(timeoutMs: number, shutterUs: number | null, settleMs = DEFAULT_SETTLE_MS): number {
  if (shutterUs === null || shutterUs <= IMX519_AE_MAX_SHUTTER_US) return timeoutMs;
  return timeoutMs + previewMs(shutterUs, settleMs) + 4 * Math.ceil(shutterUs / 1000);
}

/** The options that carry the settings (no files, no timing). */
export function settingsArgs(settings: CaptureSettings, frame: FramePlan = framePlans(settings)[0]!): string[] {
  const args: string[] = [];
  if (frame.shutter_us !== null) args.push("--shutter", String(Math.round(frame.shutter_us)));
  if (frame.gain !== null) args.push("--gain", num(frame.gain));
  if (frame.ev !== null) args.push("--ev", num(frame.ev));
  args.push("--metering", RPICAM_METERING[settings.metering]);
  args.push(...whiteBalanceArgs(settings.white_balance));
  args.push(...focusArgs(settings));
  args.push("-q", String(Math.round(clamp(settings.quality, 1, 100))));
  args.push("--sharpness", num(clamp(settings.sharpness, 0, RPICAM_PROCESSING_MAX)));
  args.push("--contrast", num(clamp(settings.contrast, 0, RPICAM_PROCESSING_MAX)));
  args.push("--saturation", num(clamp(settings.saturation, 0, RPICAM_PROCESSING_MAX)));
  return args;
}

export function whiteBalanceArgs(wb: WhiteBalance): string[] {
  if (wb.mode === "kelvin") {
    if (wb.kelvin === undefined) throw new CameraError("camera_error", "white balance mode 'kelvin' needs a kelvin value");
    const { red, blue } = kelvinToAwbGains(wb.kelvin);
    return ["--awbgains", `${num(red)},${num(blue)}`];
  }
  return ["--awb", RPICAM_AWB[wb.mode]];
}

/**
 * Focus: manual holds the lens (at `lens_position` dioptres, 0 = infinity, when given); auto scans once just
 * before the still (`--autofocus-on-capture`, otherwise AfModeAuto never triggers); continuous keeps hunting.
 * The stock IMX519 tuning has no AF algorithm (Arducam's packages add it); without one libcamera ignores these.
 */
export function focusArgs(settings: Pick<CaptureSettings, "focus" | "lens_position">): string[] {
  if (settings.focus === "manual") {
    return ["--autofocus-mode", "manual", ...(settings.lens_position === null ? [] : ["--lens-position", num(settings.lens_position)])];
  }
  if (settings.focus === "auto") return ["--autofocus-mode", "auto", "--autofocus-on-capture"];
  return ["--autofocus-mode", "continuous"];
}

export interface StillFiles {
  /** `-o`: the JPEG. */
  output: string;
  /** `--metadata`: the JSON metadata. */
  metadata: string;
}

export interface StillArgsOptions {
  frame?: FramePlan;
  settleMs?: number;
  /** Still size; omitted = the sensor's full resolution. */
  width?: number;
  height?: number;
}

/** The whole argv (without the program) for one still. */
export function stillArgs(settings: CaptureSettings, files: StillFiles, options: StillArgsOptions = {}): string[] {
  const frame = options.frame ?? framePlans(settings)[0]!;
  return [
    "-n",
    "-t",
    String(previewMs(frame.shutter_us, options.settleMs)),
    "-o",
    files.output,
    "--metadata",
    files.metadata,
    "--metadata-format",
    "json",
    ...sizeArgs(options),
    ...settingsArgs(settings, frame),
  ];
}

/**
 * A metering run: `--immediate` skips the preview phase (the pipeline still holds back the frames AE/AWB need
 * to converge on a cold start), the JPEG goes to /dev/null, only the metadata is kept.
 */
export function meterArgs(metadata: string, options: { width?: number; height?: number } = {}): string[] {
  return ["-n", "--immediate", "-o", "/dev/null", "--metadata", metadata, "--metadata-format", "json", ...sizeArgs(options)];
}

function sizeArgs(options: { width?: number; height?: number }): string[] {
  return options.width && options.height ? ["--width", String(options.width), "--height", String(options.height)] : [];
}

/** The keys we read from rpicam-still's `--metadata-format json` output. */
export interface RpicamMetadata {
  ExposureTime: number;
  AnalogueGain: number;
  DigitalGain?: number;
  ColourGains?: [number, number];
  ColourTemperature?: number;
  Lux?: number;
  FocusFoM?: number;
  SensorTemperature?: number;
  FrameDuration?: number;
  AeLocked?: boolean;
  SensorTimestamp?: number;
  [key: string]: unknown;
}

/** Parses the metadata file; anything unparseable or without ExposureTime/AnalogueGain is `bad_metadata`. */
export function parseMetadata(text: string): RpicamMetadata {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CameraError("bad_metadata", `metadata is not JSON (${(e as Error).message}): ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CameraError("bad_metadata", "metadata is not a JSON object");
  const md = value as Record<string, unknown>;
  const problems: string[] = [];
  if (!isNumber(md.ExposureTime) || md.ExposureTime < 0) problems.push(`ExposureTime=${JSON.stringify(md.ExposureTime ?? null)}`);
  if (!isNumber(md.AnalogueGain) || md.AnalogueGain <= 0) problems.push(`AnalogueGain=${JSON.stringify(md.AnalogueGain ?? null)}`);
  if (problems.length) throw new CameraError("bad_metadata", `metadata lacks a usable ${problems.join(", ")}`);
  return md as RpicamMetadata;
}

/** What the camera did for this frame. Optional keys the tool did not report become null. */
export function exposureFromMetadata(md: RpicamMetadata): ExposureUsed {
  return {
    exposure_time_us: md.ExposureTime,
    analogue_gain: md.AnalogueGain,
    colour_temperature: positiveOrNull(md.ColourTemperature),
    focus_fom: isNumber(md.FocusFoM) && md.FocusFoM >= 0 ? md.FocusFoM : null,
  };
}

/** libcamera's SensorTemperature (°C), when the sensor reports one. */
export function sensorTemperatureFromMetadata(md: RpicamMetadata): number | null {
  const t = md.SensorTemperature;
  return isNumber(t) && t > -60 && t < 200 ? Math.round(t * 10) / 10 : null;
}

/** A metering run's reading; `Lux` (the tuning's exposure-independent scene estimate) is required. */
export function meterFromMetadata(md: RpicamMetadata): MeterReading {
  if (!isNumber(md.Lux) || md.Lux < 0) throw new CameraError("bad_metadata", `metadata lacks a usable Lux=${JSON.stringify(md.Lux ?? null)}`);
  return {
    lux: md.Lux,
    exposure_time_us: md.ExposureTime,
    analogue_gain: md.AnalogueGain,
    colour_temperature: positiveOrNull(md.ColourTemperature),
  };
}

/** How a run ended. */
export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  stderr: string;
  timedOut: boolean;
}

const BUSY = [/device or resource busy/i, /failed to acquire camera/i, /pipeline handler in use by another process/i];
const MISSING = [/no cameras available/i, /selected camera is not available/i, /failed to find camera/i];

/** The CameraError for a run that did not succeed: timeout, busy, missing camera, or another exit. */
export function classifyFailure(run: RunOutcome, context: { bin: string; deadlineMs: number }): CameraError {
  if (run.timedOut) return new CameraError("timeout", `${context.bin} did not finish within ${context.deadlineMs} ms; killed with SIGKILL`);
  const lines = stderrLines(run.stderr);
  const busy = lines.find((line) => BUSY.some((re) => re.test(line)));
  if (busy) return new CameraError("camera_busy", `camera busy (another process holds it): ${tidy(busy)}`);
  const missing = lines.find((line) => MISSING.some((re) => re.test(line)));
  if (missing) return new CameraError("camera_missing", `no camera: ${tidy(missing)}`);
  const last = lines.length ? `: ${tidy(lines[lines.length - 1]!)}` : " (no error output)";
  if (run.signal) return new CameraError("exit_code", `${context.bin} was killed by ${run.signal}${last}`);
  return new CameraError("exit_code", `${context.bin} exited with code ${run.exitCode}${last}`);
}

/** The binary could not be started at all. */
export function spawnFailure(error: unknown, bin: string): CameraError {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return new CameraError("camera_missing", `${bin} not found: is rpicam-apps installed? (${(error as Error).message})`);
  return new CameraError("camera_error", `could not start ${bin}: ${(error as Error).message}`);
}

/** The last non-empty stderr line, without rpicam's `ERROR: *** … ***` decoration. */
export function lastStderrLine(stderr: string): string | null {
  const lines = stderrLines(stderr);
  return lines.length ? tidy(lines[lines.length - 1]!) : null;
}

function stderrLines(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function tidy(line: string): string {
  const m = /^ERROR: \*\*\* (.*) \*\*\*$/.exec(line);
  const text = m ? m[1]! : line;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function isNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function positiveOrNull(v: unknown): number | null {
  return isNumber(v) && v > 0 ? v : null;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** A number as rpicam-apps reads it: plain decimal, at most 4 places, no "-0". */
function num(v: number): string {
  const r = round(v, 4);
  return String(r === 0 ? 0 : r);
}
