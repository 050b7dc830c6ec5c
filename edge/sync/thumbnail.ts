import { readFileSync } from "node:fs";
import { makeThumbnail } from "../../shared/image/thumbnail";

export { makeThumbnail, THUMBNAIL_WIDTH } from "../../shared/image/thumbnail";

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
