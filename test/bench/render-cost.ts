/**
 * What one frame of a timelapse costs to render from full-resolution pictures
 * (12 MP, 3–5 MB JPEGs, as a Pi HQ camera takes them): CPU seconds of the hub's
 * render pipeline (ffmpeg included) per frame, beside plain ffmpeg encoding the
 * same JPEGs to the same output size — the figure the capacity note projects
 * render core-hours from.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { jpegSize } from "../../shared/image/jpeg";
import { imageKey } from "../../hub/storage";
import { FsImageStorage } from "../../hub/storage/fs";
import type { Frame } from "../../hub/timelapses/frames";
import { render } from "../../hub/timelapses/render";
import { tempDir } from "../harness/processes";

const WIDTH = 4056;
const HEIGHT = 3040;

/** This process's CPU seconds plus its reaped children's (ffmpeg), from /proc. */
function cpuWithChildren(): number {
  const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}

/** `n` noisy full-size JPEGs made by ffmpeg (noise keeps them 3–5 MB, like real skies with detail). */
function fullFrames(dir: string, n: number): Uint8Array[] {
  mkdirSync(dir, { recursive: true });
  const p = Bun.spawnSync(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", `testsrc2=size=${WIDTH}x${HEIGHT}:rate=24`, "-vf", "noise=alls=8:allf=t", "-frames:v", String(n), "-q:v", "2", join(dir, "f%03d.jpg")]);
  if (p.exitCode !== 0) throw new Error(`ffmpeg: ${p.stderr.toString()}`);
  return readdirSync(dir).sort().map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

export async function renderCostPerFrame(n = 24): Promise<{ cpuPerFrame: number; wallPerFrame: number; meanBytes: number; width: number; height: number }> {
  const root = tempDir("render-cost");
  try {
    const jpegs = fullFrames(join(root, "src"), n);
    const storage = new FsImageStorage(join(root, "images"));
    const frames: Frame[] = [];
    for (const [i, jpeg] of jpegs.entries()) {
      const captureId = `full-${i}`;
      await storage.put(imageKey("cost", captureId, "full"), jpeg);
      frames.push({ cameraId: "cost", captureId, plannedAt: Date.parse("2026-06-21T12:00:00Z") + i * 15_000, luma: 0.4, ...jpegSize(jpeg)! });
    }
    const cpu0 = cpuWithChildren();
    const t = performance.now();
    const result = await render(
      { id: "tl_cost", tiles: [frames], fps: 24, crf: 20, deflicker: "rolling", source: "full" },
      { storage, workDir: join(root, "work"), ffmpeg: "ffmpeg", signal: new AbortController().signal, onProgress: () => {} },
    );
    const wall = (performance.now() - t) / 1000;
    const cpu = cpuWithChildren() - cpu0;
    result.cleanup();
    return { cpuPerFrame: cpu / n, wallPerFrame: wall / n, meanBytes: jpegs.reduce((s, j) => s + j.length, 0) / n, width: WIDTH, height: HEIGHT };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(await renderCostPerFrame(Number(process.argv[2] ?? 24)));

/** The bench's row (index.ts). */
export async function renderCostRows(quick: boolean) {
  const c = await renderCostPerFrame(quick ? 12 : 24);
  return [{ metric: `timelapse render from full-size pictures (${c.width}×${c.height}, ${(c.meanBytes / 1e6).toFixed(1)} MB), CPU s per frame`, value: c.cpuPerFrame, baseline: c.wallPerFrame, unit: "s", baselineName: "wall-clock s per frame, same render" }];
}
