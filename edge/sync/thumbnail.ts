import { thumbnailOfFile } from "../../shared/image/thumbnail";

export { makeThumbnail, THUMBNAIL_WIDTH } from "../../shared/image/thumbnail";

/**
 * Thumbnails for the image sync, made off the agent's main thread by Bun.Image
 * (so no worker, a whole second JS heap, is needed). `stop` answers the calls
 * still waiting at once, so the image loop can end without waiting for them.
 */
export class ThumbnailMaker {
  private stopping = new AbortController();

  make(path: string): Promise<Uint8Array> {
    const { signal } = this.stopping;
    return new Promise((resolve, reject) => {
      const stopped = () => reject(new Error("stopped"));
      signal.addEventListener("abort", stopped, { once: true });
      thumbnailOfFile(path)
        .then(resolve, reject)
        .finally(() => signal.removeEventListener("abort", stopped));
    });
  }

  stop(): void {
    this.stopping.abort();
    this.stopping = new AbortController();
  }
}
