/**
 * The ffmpeg command lines of a render, built from plain inputs (pure): H.264,
 * yuv420p, +faststart; each tile scaled and padded to one size, deflickered as
 * asked, and stacked into a grid when there are several cameras.
 */
import type { DeflickerMode } from "../../shared/contracts/timelapse";
import { deflickerGains } from "../../shared/exposure/deflicker";
import { TARGET_LUMA } from "../../shared/image/measures";

/** Frames the rolling and ffmpeg deflickers look across. */
export const DEFLICKER_WINDOW = 9;
/** ffmpeg's `exposure` filter takes −3…+3 stops. */
const MAX_CORRECTION_STOPS = 3;

export interface Tile {
  /** A folder of f000000.jpg, f000001.jpg, … (one per output frame). */
  dir: string;
  /** ffmpeg sendcmd file with this tile's per-frame exposure corrections (rolling deflicker only). */
  commands?: string;
}

export interface RenderSettings {
  fps: number;
  crf: number;
  deflicker: DeflickerMode;
  tile: { width: number; height: number };
  cols: number;
  output: string;
}

/** Gaps in the measured lumas (records without measures) filled from the nearest earlier frame, else the first known, else mid-grey. */
function filled(lumas: readonly (number | null)[]): number[] {
  const first = lumas.find((y) => y !== null) ?? TARGET_LUMA;
  let last = first;
  return lumas.map((y) => (last = y ?? last));
}

/**
 * The rolling deflicker as ffmpeg commands: for each frame, the `exposure`
 * correction (stops) that brings its measured luma to the rolling geometric
 * mean, sent just before that frame's timestamp.
 */
export function deflickerCommands(lumas: readonly (number | null)[], fps: number, target: string, window = DEFLICKER_WINDOW): string {
  const gains = deflickerGains(filled(lumas), window);
  return gains
    .map((g, n) => {
      const stops = Math.max(-MAX_CORRECTION_STOPS, Math.min(MAX_CORRECTION_STOPS, Math.log2(g)));
      const at = n === 0 ? 0 : (n - 0.5) / fps;
      return `${at.toFixed(6)} ${target} exposure ${stops.toFixed(4)};`;
    })
    .join("\n");
}

function tileChain(i: number, tile: Tile, s: RenderSettings): string {
  const { width: w, height: h } = s.tile;
  const steps = [`scale=${w}:${h}:force_original_aspect_ratio=decrease`, `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2`, "setsar=1"];
  if (s.deflicker === "ffmpeg") steps.push(`deflicker=size=${DEFLICKER_WINDOW}:mode=am`);
  if (s.deflicker === "rolling") {
    if (!tile.commands) throw new Error("the rolling deflicker needs each tile's command file");
    steps.push(`sendcmd=f='${tile.commands}'`, `exposure@t${i}=exposure=0`);
  }
  steps.push("format=yuv420p");
  return `[${i}:v]${steps.join(",")}[v${i}]`;
}

/** Arguments after `ffmpeg`: reads the tiles' frame folders, writes an mp4 and its progress (key=value lines) to stdout. */
export function renderArgs(tiles: readonly Tile[], s: RenderSettings): string[] {
  const inputs = tiles.flatMap((t) => ["-framerate", String(s.fps), "-start_number", "0", "-i", `${t.dir}/f%06d.jpg`]);
  const chains = tiles.map((t, i) => tileChain(i, t, s));
  let graph = chains.join(";");
  let out = "[v0]";
  if (tiles.length > 1) {
    const layout = tiles.map((_, i) => `${(i % s.cols) * s.tile.width}_${Math.floor(i / s.cols) * s.tile.height}`).join("|");
    graph += `;${tiles.map((_, i) => `[v${i}]`).join("")}xstack=inputs=${tiles.length}:layout=${layout}:fill=black[grid]`;
    out = "[grid]";
  }
  return [
    "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
    ...inputs,
    "-filter_complex", graph,
    "-map", out,
    "-an",
    "-c:v", "libx264", "-preset", "medium", "-crf", String(s.crf), "-pix_fmt", "yuv420p",
    "-r", String(s.fps), "-movflags", "+faststart",
    "-progress", "pipe:1", "-nostats",
    s.output,
  ];
}

/** Plain ffmpeg on the same frames, nothing of ours: the bench's baseline. */
export function plainArgs(dir: string, fps: number, crf: number, output: string): string[] {
  return [
    "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
    "-framerate", String(fps), "-start_number", "0", "-i", `${dir}/f%06d.jpg`,
    "-c:v", "libx264", "-preset", "medium", "-crf", String(crf), "-pix_fmt", "yuv420p", "-movflags", "+faststart",
    output,
  ];
}

/** The poster: the video's middle frame as a JPEG. */
export function posterArgs(video: string, frames: number, fps: number, output: string): string[] {
  const at = Math.max(0, Math.floor(frames / 2)) / fps;
  return ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-ss", at.toFixed(3), "-i", video, "-frames:v", "1", "-q:v", "3", output];
}

/** The latest `frame=N` in a chunk of ffmpeg's `-progress` output, or null. */
export function framesEncoded(chunk: string): number | null {
  let n: number | null = null;
  for (const m of chunk.matchAll(/^frame=(\d+)$/gm)) n = Number(m[1]);
  return n;
}
