/**
 * One render on disk: stage the frames as a numbered sequence per tile (links to
 * the stored pictures where storage is local), run ffmpeg with progress, cut
 * the poster. Everything happens in a work folder that is removed afterwards.
 */
import { mkdirSync, openSync, closeSync, readSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DeflickerMode, FrameSource } from "../../shared/contracts/timelapse";
import { jpegSize } from "../../shared/image/jpeg";
import { type ImageStorage, imageKey } from "../storage";
import { deflickerCommands, framesEncoded, posterArgs, renderArgs, type Tile } from "./ffmpeg";
import { type Frame, outputSize } from "./frames";

export interface RenderRequest {
  id: string;
  /** tiles[c][n]: camera c's picture for output frame n (every tile has the same length). */
  tiles: Frame[][];
  fps: number;
  crf: number;
  deflicker: DeflickerMode;
  source: FrameSource;
}

export interface RenderDeps {
  storage: ImageStorage;
  workDir: string;
  ffmpeg: string;
  signal: AbortSignal;
  onProgress: (framesDone: number) => void;
}

export interface RenderResult {
  video: string;
  poster: string;
  width: number;
  height: number;
  bytes: number;
  /** Removes the work folder (after the files were taken into storage). */
  cleanup: () => void;
}

export class RenderError extends Error {}

const NICE = Bun.which("nice") ? ["nice", "-n", "10"] : [];

const frameName = (n: number) => `f${String(n).padStart(6, "0")}.jpg`;

async function stagePicture(storage: ImageStorage, key: string, target: string): Promise<void> {
  const local = storage.localPath(key);
  if (local) return symlinkSync(local, target);
  const stream = await storage.read(key);
  if (!stream) throw new RenderError(`picture ${key} is no longer stored`);
  await Bun.write(target, new Response(stream));
}

/** Pictures fetched at once from a remote store (an object store's latency, not its bandwidth, is the limit). */
const STAGE_CONCURRENCY = 8;

async function stageTile(storage: ImageStorage, keys: string[], dir: string, signal: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < keys.length; n = next++) {
      if (signal.aborted) throw new RenderError("cancelled");
      await stagePicture(storage, keys[n]!, join(dir, frameName(n)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAGE_CONCURRENCY, keys.length) }, worker));
}

function headerSize(path: string): { width: number; height: number } | null {
  const fd = openSync(path, "r");
  try {
    const head = new Uint8Array(256 * 1024);
    const n = readSync(fd, head, 0, head.length, 0);
    return jpegSize(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

async function run(ffmpeg: string, args: string[], cwd: string, signal: AbortSignal, onStdout?: (text: string) => void): Promise<void> {
  // Below the hub's own priority: a render never slows the API or ingestion down.
  const proc = Bun.spawn([...NICE, ffmpeg, ...args], { cwd, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const kill = () => proc.kill("SIGKILL");
  signal.addEventListener("abort", kill, { once: true });
  const stderr = new Response(proc.stderr).text();
  try {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) onStdout?.(decoder.decode(chunk, { stream: true }));
    const code = await proc.exited;
    if (signal.aborted) throw new RenderError("cancelled");
    if (code !== 0) throw new RenderError(`ffmpeg exited with ${code}: ${(await stderr).trim().split("\n").slice(-3).join(" | ").slice(0, 400) || "no message"}`);
  } finally {
    signal.removeEventListener("abort", kill);
  }
}

export async function render(req: RenderRequest, deps: RenderDeps): Promise<RenderResult> {
  const dir = join(deps.workDir, req.id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const kind = req.source === "full" ? "full" : "thumbnail";
    const tiles: Tile[] = [];
    for (const [c, frames] of req.tiles.entries()) {
      const tileDir = `t${c}`;
      mkdirSync(join(dir, tileDir));
      await stageTile(deps.storage, frames.map((f) => imageKey(f.cameraId, f.captureId, kind)), join(dir, tileDir), deps.signal);
      const tile: Tile = { dir: tileDir };
      if (req.deflicker === "rolling") {
        tile.commands = `${tileDir}.cmd`;
        writeFileSync(join(dir, tile.commands), deflickerCommands(frames.map((f) => f.luma), req.fps, `exposure@t${c}`));
      }
      tiles.push(tile);
    }
    // The thumbnails' own size, not the record's (which is the full image's).
    const first = headerSize(join(dir, "t0", frameName(0))) ?? req.tiles[0]![0]!;
    const size = outputSize(first, tiles.length);
    const video = join(dir, "out.mp4");
    let pending = "";
    await run(deps.ffmpeg, renderArgs(tiles, { fps: req.fps, crf: req.crf, deflicker: req.deflicker, tile: size.tile, cols: size.cols, output: "out.mp4" }), dir, deps.signal, (text) => {
      pending += text;
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) return;
      const done = framesEncoded(pending.slice(0, cut));
      pending = pending.slice(cut + 1);
      if (done !== null) deps.onProgress(done);
    });
    await run(deps.ffmpeg, posterArgs("out.mp4", req.tiles[0]!.length, req.fps, "poster.jpg"), dir, deps.signal);
    return { video, poster: join(dir, "poster.jpg"), width: size.width, height: size.height, bytes: statSync(video).size, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}
