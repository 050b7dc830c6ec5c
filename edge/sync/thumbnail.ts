import { readFileSync } from "node:fs";
import { decode, encode } from "jpeg-js";
import { exifThumbnail } from "../../shared/image/measures";

export const THUMBNAIL_WIDTH = 160;
const THUMBNAIL_QUALITY = 70;

/**
 * A small JPEG of a capture, THUMBNAIL_WIDTH pixels wide: from the EXIF thumbnail
 * when the file has one (rpicam-still writes 320×240), else from the image itself.
 * Box-filtered down, never up.
 */
export function makeThumbnail(jpeg: Uint8Array, width = THUMBNAIL_WIDTH): Uint8Array {
  const source = decode(exifThumbnail(jpeg) ?? jpeg, { useTArray: true, maxMemoryUsageInMB: 1024 });
  const w = Math.min(width, source.width);
  const h = Math.max(1, Math.round((source.height * w) / source.width));
  const out = new Uint8Array(w * h * 4);
  const sx = source.width / w;
  const sy = source.height / h;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        let i = (yy * source.width + x0) * 4;
        for (let xx = x0; xx < x1; xx++, i += 4) {
          r += source.data[i]!;
          g += source.data[i + 1]!;
          b += source.data[i + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 4;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
      out[o + 3] = 255;
    }
  }
  return new Uint8Array(encode({ data: out, width: w, height: h }, THUMBNAIL_QUALITY).data);
}


/** Reads a capture's file and makes its thumbnail (what the worker runs). */
export function thumbnailOfFile(path: string): Uint8Array {
  return makeThumbnail(readFileSync(path));
}

/**
 * Makes thumbnails in a worker thread, so the scheduler's timers are never held up
 * by a decode. Where no worker can start (a single-file build without the worker
 * file) it makes them inline.
 */
export class ThumbnailMaker {
  private worker: Worker | null = null;
  private broken = false;
  private nextId = 1;
  private pending = new Map<number, { resolve: (t: Uint8Array) => void; reject: (e: Error) => void; path: string }>();

  /** Starts the worker now (at agent start, before the first tick), not in the middle of a capture run. */
  warmUp(): void {
    this.start();
  }

  private start(): Worker | null {
    if (this.worker || this.broken) return this.worker;
    try {
      const worker = new Worker(new URL("./thumbnail-worker.ts", import.meta.url).href);
      worker.onmessage = (event: MessageEvent<{ id: number; thumb?: Uint8Array; error?: string }>) => {
        const job = this.pending.get(event.data.id);
        if (!job) return;
        this.pending.delete(event.data.id);
        if (event.data.thumb) job.resolve(event.data.thumb);
        else job.reject(new Error(event.data.error ?? "thumbnail failed"));
      };
      worker.onerror = () => this.fallBack();
      (worker as Worker & { unref?: () => void }).unref?.();
      this.worker = worker;
    } catch {
      this.broken = true;
    }
    return this.worker;
  }

  /** The worker failed: finish its jobs inline and make the rest inline. */
  private fallBack(): void {
    this.broken = true;
    this.worker?.terminate();
    this.worker = null;
    const jobs = [...this.pending.values()];
    this.pending.clear();
    for (const job of jobs) {
      try {
        job.resolve(thumbnailOfFile(job.path));
      } catch (e) {
        job.reject(e as Error);
      }
    }
  }

  async make(path: string): Promise<Uint8Array> {
    const worker = this.start();
    if (!worker) return thumbnailOfFile(path);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, path });
      worker.postMessage({ id, path });
    });
  }

  stop(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const job of this.pending.values()) job.reject(new Error("stopped"));
    this.pending.clear();
  }
}
