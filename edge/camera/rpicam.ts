/**
 * The camera on a real Pi: runs `rpicam-still` once per frame (and once per metering), reads the JPEG and the
 * metadata it writes, and turns every way that can fail into a CameraError with a reason. The mapping from
 * settings to options lives in `rpicam-args.ts`.
 */
import { mkdirSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { CaptureSettings, MeterReading } from "../../shared/contracts/settings";
import { jpegSize } from "../../shared/image/jpeg";
import { CameraError, type CameraDriver, type CapturedFrame } from "./driver";
import {
  classifyFailure,
  DEFAULT_SETTLE_MS,
  exposureFromMetadata,
  type FramePlan,
  framePlans,
  meterArgs,
  meterFromMetadata,
  parseMetadata,
  processDeadlineMs,
  type RunOutcome,
  sensorTemperatureFromMetadata,
  spawnFailure,
  stillArgs,
} from "./rpicam-args";

export interface RpicamCameraOptions {
  /** The tool: a name on PATH or a path. */
  bin?: string;
  /** Longest a run may take before it is killed (SIGKILL); long exposures get their own time on top. */
  timeoutMs?: number;
  /** Where the temporary JPEG and metadata files go (removed after reading). Default: <tmpdir>/skylapse-rpicam. */
  workDir?: string;
  /** Preview time (`-t`, ms) before a still, for AE/AWB to settle. */
  settleMs?: number;
  /** Still size; omitted = the sensor's full resolution. */
  width?: number;
  height?: number;
  /** Shown in `model`. */
  sensor?: string;
  /** Extra environment for the tool (e.g. LIBCAMERA_LOG_LEVELS, or a fake's switches in tests). */
  env?: Record<string, string | undefined>;
  /** How long a successful `--version` check is trusted by ready(). */
  readyCacheMs?: number;
}

/** stderr kept per run (the tail: the error is at the end). */
const STDERR_KEEP = 16 * 1024;
/** After the process has gone, how long to wait for its pipes to drain. */
const DRAIN_MS = 500;
const VERSION_TIMEOUT_MS = 5000;

interface RunResult extends RunOutcome {
  stdout: string;
  deadlineMs: number;
}

export class RpicamCamera implements CameraDriver {
  readonly model: string;
  private readonly bin: string;
  private readonly timeoutMs: number;
  private readonly workDir: string;
  private readonly settleMs: number;
  private readonly width?: number;
  private readonly height?: number;
  private readonly env: Record<string, string | undefined>;
  private readonly readyCacheMs: number;
  /** One run at a time: the camera can be held by one process only. */
  private queue: Promise<unknown> = Promise.resolve();
  private versionCheckedAt: number | null = null;
  /** Set when a run found no camera; cleared by the next successful run. */
  private cameraMissing = false;
  private workDirMade = false;
  private lastSensorTemperature: number | null = null;

  constructor(options: RpicamCameraOptions = {}) {
    this.bin = options.bin ?? "rpicam-still";
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.workDir = options.workDir ?? join(tmpdir(), "skylapse-rpicam");
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.width = options.width;
    this.height = options.height;
    this.env = options.env ?? {};
    this.readyCacheMs = options.readyCacheMs ?? 60_000;
    this.model = `rpicam (${options.sensor ?? "imx519"}, ${basename(this.bin)})`;
  }

  /** The tool runs (`--version`, cached while it keeps working) and the last run did not report a missing camera. */
  async ready(): Promise<boolean> {
    if (this.cameraMissing) return false;
    if (this.versionCheckedAt !== null && performance.now() - this.versionCheckedAt < this.readyCacheMs) return true;
    try {
      const run = await this.run(["--version"], Math.min(this.timeoutMs, VERSION_TIMEOUT_MS));
      if (run.timedOut || run.exitCode !== 0) return false;
    } catch {
      return false;
    }
    this.versionCheckedAt = performance.now();
    return true;
  }

  sensorTemperature(): number | null {
    return this.lastSensorTemperature;
  }

  async meter(_at: number): Promise<MeterReading> {
    return this.exclusive(async () => {
      const metadata = this.tempPath("json");
      try {
        const run = await this.runChecked(meterArgs(metadata, this.size()), this.timeoutMs);
        const reading = meterFromMetadata(parseMetadata(await this.readMetadata(metadata, run)));
        this.cameraMissing = false;
        return reading;
      } finally {
        await rm(metadata, { force: true });
      }
    });
  }

  async capture(settings: CaptureSettings, _at: number): Promise<CapturedFrame[]> {
    return this.exclusive(async () => {
      const frames: CapturedFrame[] = [];
      for (const frame of framePlans(settings)) frames.push(await this.still(settings, frame));
      this.cameraMissing = false;
      return frames;
    });
  }

  private async still(settings: CaptureSettings, frame: FramePlan): Promise<CapturedFrame> {
    const files = { output: this.tempPath("jpg"), metadata: this.tempPath("json") };
    try {
      const args = stillArgs(settings, files, { frame, settleMs: this.settleMs, ...this.size() });
      const run = await this.runChecked(args, processDeadlineMs(this.timeoutMs, frame.shutter_us, this.settleMs));
      const jpeg = await this.readJpeg(files.output);
      const size = jpegSize(jpeg);
      if (!size) throw new CameraError("camera_error", `${this.bin} wrote ${jpeg.byteLength} bytes that are not a JPEG`);
      const metadata = parseMetadata(await this.readMetadata(files.metadata, run));
      const exposure = exposureFromMetadata(metadata);
      this.lastSensorTemperature = sensorTemperatureFromMetadata(metadata);
      return { jpeg, width: size.width, height: size.height, exposure, bracket_ev: frame.bracket_ev };
    } finally {
      await Promise.all([rm(files.output, { force: true }), rm(files.metadata, { force: true })]);
    }
  }

  private async readJpeg(path: string): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      throw new CameraError("camera_error", `${this.bin} exited 0 but wrote no image (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (bytes.byteLength === 0) throw new CameraError("camera_error", `${this.bin} wrote an empty image`);
    return bytes;
  }

  private async readMetadata(path: string, run: RunResult): Promise<string> {
    try {
      return await readFile(path, "utf8");
    } catch (e) {
      const hint = run.stderr.trim() ? `; stderr: ${run.stderr.trim().split("\n").pop()}` : "";
      throw new CameraError("bad_metadata", `${this.bin} wrote no metadata (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})${hint}`);
    }
  }

  /** Runs the tool; a timeout, a start failure or a non-zero exit becomes a CameraError. */
  private async runChecked(args: string[], deadlineMs: number): Promise<RunResult> {
    let run: RunResult;
    try {
      run = await this.run(args, deadlineMs);
    } catch (e) {
      const error = spawnFailure(e, this.bin);
      if (error.reason === "camera_missing") this.cameraMissing = true;
      throw error;
    }
    if (run.timedOut || run.exitCode !== 0) {
      const error = classifyFailure(run, { bin: this.bin, deadlineMs });
      if (error.reason === "camera_missing") this.cameraMissing = true;
      throw error;
    }
    return run;
  }

  /**
   * Spawns the tool in its own process group and SIGKILLs the group at the deadline, so nothing it started
   * keeps the camera. Throws only when the process cannot be started.
   */
  private async run(args: string[], deadlineMs: number): Promise<RunResult> {
    const proc = Bun.spawn([this.bin, ...args], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, ...this.env },
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        proc.kill("SIGKILL");
      }
    }, deadlineMs);
    const stdout = collect(proc.stdout, STDERR_KEEP);
    const stderr = collect(proc.stderr, STDERR_KEEP);
    try {
      await proc.exited;
    } finally {
      clearTimeout(timer);
    }
    const drained = await Promise.race([Promise.all([stdout.done, stderr.done]).then(() => true), Bun.sleep(DRAIN_MS).then(() => false)]);
    if (!drained) {
      stdout.cancel();
      stderr.cancel();
    }
    return { exitCode: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode), stdout: stdout.text(), stderr: stderr.text(), timedOut, deadlineMs };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private tempPath(ext: string): string {
    if (!this.workDirMade) {
      mkdirSync(this.workDir, { recursive: true });
      this.workDirMade = true;
    }
    return join(this.workDir, `rpicam-${crypto.randomUUID()}.${ext}`);
  }

  private size(): { width?: number; height?: number } {
    return this.width && this.height ? { width: this.width, height: this.height } : {};
  }
}

/** Reads a stream to its end, keeping only the last `keep` characters. */
function collect(stream: ReadableStream<Uint8Array>, keep: number): { done: Promise<void>; text: () => string; cancel: () => void } {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        if (text.length > 2 * keep) text = text.slice(-keep);
      }
    } catch {
      // cancelled or broken pipe: keep what arrived
    }
  })();
  return {
    done,
    text: () => (text.length > keep ? text.slice(-keep) : text),
    cancel: () => void reader.cancel().catch(() => undefined),
  };
}
