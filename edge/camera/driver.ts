import type { CaptureSettings, ExposureUsed, MeterReading } from "../../shared/contracts/settings";

export interface CapturedFrame {
  jpeg: Uint8Array;
  width: number;
  height: number;
  /** What the camera actually used for this frame. */
  exposure: ExposureUsed;
  /** EV offset of this frame within a bracket (0 for a single frame). */
  bracket_ev: number;
}

export type CameraFailure = "camera_busy" | "camera_missing" | "timeout" | "exit_code" | "bad_metadata" | "camera_error";

/** A capture that did not produce an image; the reason is recorded with the capture. */
export class CameraError extends Error {
  constructor(
    readonly reason: CameraFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The camera as the agent sees it: meter, capture. `at` is the clock's time of the capture. */
export interface CameraDriver {
  readonly model: string;
  ready(): Promise<boolean>;
  meter(at: number): Promise<MeterReading>;
  /** One frame, or one per bracket step when `settings.bracket` is set. */
  capture(settings: CaptureSettings, at: number): Promise<CapturedFrame[]>;
  /** Gets the first real capture up to speed (called once at start, before the scheduler runs). */
  warmUp?(): Promise<void>;
  /** The sensor's temperature (°C) from the last frame's metadata; absent or null: the camera does not report it. */
  sensorTemperature?(): number | null;
}
