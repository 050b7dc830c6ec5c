/**
 * Which pictures go into a timelapse, in which order: pure functions of the
 * capture rows the hub holds and the ticks the plan asked for.
 */

/** One capture record as the frame selection needs it. */
export interface CaptureRow {
  cameraId: string;
  captureId: string;
  plannedAt: number;
  schedule: string;
  profileId: string;
  outcome: string;
  /** The variant side of an A/B pair (never a timelapse frame; the baseline is the production capture). */
  variant: boolean;
  /** The hub holds the picture the render is made of (full image or thumbnail). */
  hasPicture: boolean;
  luma: number | null;
  width: number | null;
  height: number | null;
}

export interface Frame {
  cameraId: string;
  captureId: string;
  plannedAt: number;
  luma: number | null;
  width: number;
  height: number;
}

/** The frames of one camera's render, in time order, and the ticks that had no picture. */
export interface FrameSequence {
  frames: Frame[];
  missing: number;
  /** Every tick of the range: planned or recorded. */
  ticks: number;
}

export interface FrameFilter {
  schedule?: string | null;
  profileId?: string | null;
  /** Schedules whose captures belong in a timelapse when no schedule is named (the camera's rules): not manual or focus shots. */
  schedules: ReadonlySet<string>;
}

const usable = (r: CaptureRow) => r.outcome === "captured" && r.hasPicture && !r.variant && r.width !== null && r.height !== null;

/**
 * One camera's frames: for every tick the plan asked for or a record exists at,
 * the production capture with a picture; a tick without one is missing (missed,
 * failed, or its picture not synced) and is left out rather than held, so an
 * outage shortens the video instead of freezing it.
 */
export function frameSequence(rows: readonly CaptureRow[], plannedAts: readonly number[], filter: FrameFilter): FrameSequence {
  const wanted = (r: CaptureRow) =>
    (filter.schedule ? r.schedule === filter.schedule : filter.schedules.has(r.schedule)) && (!filter.profileId || r.profileId === filter.profileId);
  const ticks = new Set(plannedAts);
  const byTick = new Map<number, { profileId: string; frame: Frame }>();
  for (const r of rows) {
    if (!wanted(r) || r.variant) continue;
    ticks.add(r.plannedAt);
    if (!usable(r)) continue;
    const held = byTick.get(r.plannedAt);
    // Two profiles at one instant: the first by profile id (then capture id), so every frame is of one profile and a re-render picks the same.
    if (held && (held.profileId < r.profileId || (held.profileId === r.profileId && held.frame.captureId <= r.captureId))) continue;
    byTick.set(r.plannedAt, { profileId: r.profileId, frame: { cameraId: r.cameraId, captureId: r.captureId, plannedAt: r.plannedAt, luma: r.luma, width: r.width!, height: r.height! } });
  }
  const frames = [...byTick.values()].map((h) => h.frame).sort((a, b) => a.plannedAt - b.plannedAt);
  return { frames, missing: ticks.size - frames.length, ticks: ticks.size };
}

/** Several cameras on their shared grid: one row per tick, one cell per camera. */
export interface GridSequence {
  /** cells[c][t]: camera c's picture at tick t, or its nearest earlier one held (the first one before it has any). */
  cells: Frame[][];
  ticks: number[];
  /** Camera-ticks without a picture of their own (each camera's own missing ticks). */
  missing: number;
}

/**
 * Side by side: every tick at which at least one camera has a picture; a camera
 * without one at that tick shows its previous picture (or its first, before it
 * has any), so every column stays on the same instant.
 */
export function gridSequence(cameras: readonly FrameSequence[]): GridSequence | { error: string; cameraIndex: number } {
  const empty = cameras.findIndex((c) => c.frames.length === 0);
  if (empty >= 0) return { error: "no pictures in the range", cameraIndex: empty };
  const ticks = [...new Set(cameras.flatMap((c) => c.frames.map((f) => f.plannedAt)))].sort((a, b) => a - b);
  const cells = cameras.map((c) => {
    const own = new Map(c.frames.map((f) => [f.plannedAt, f]));
    let held = c.frames[0]!;
    return ticks.map((t) => (held = own.get(t) ?? held));
  });
  return { cells, ticks, missing: cameras.reduce((sum, c) => sum + c.missing, 0) };
}

/** Columns × rows for n tiles: as square as possible, wider than tall. */
export function gridShape(n: number): { cols: number; rows: number } {
  const cols = Math.ceil(Math.sqrt(n));
  return { cols, rows: Math.ceil(n / cols) };
}

const even = (x: number) => Math.max(2, Math.floor(x / 2) * 2);

/**
 * The output size: the first frame's, shrunk to fit `max` (the whole grid when
 * tiled), even in both dimensions as yuv420p requires.
 */
export function outputSize(first: { width: number; height: number }, tiles: number, max = { width: 3840, height: 2160 }): { tile: { width: number; height: number }; width: number; height: number; cols: number; rows: number } {
  const { cols, rows } = gridShape(tiles);
  const scale = Math.min(1, max.width / (first.width * cols), max.height / (first.height * rows));
  const tile = { width: even(first.width * scale), height: even(first.height * scale) };
  return { tile, width: tile.width * cols, height: tile.height * rows, cols, rows };
}
