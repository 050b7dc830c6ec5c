/// <reference lib="webworker" />
import { setPriority } from "node:os";
import { thumbnailOfFile } from "./thumbnail";

// Lowest CPU priority for this thread (Linux nice values are per thread): captures come first.
try {
  setPriority(19);
} catch {
  // Not allowed here: run at the agent's priority.
}

/** Thumbnails off the agent's main thread: decoding a JPEG takes tens of ms, longer than a tick may wait. */
declare const self: Worker;
self.onmessage = (event: MessageEvent<{ id: number; path: string }>) => {
  const { id, path } = event.data;
  try {
    const thumb = thumbnailOfFile(path);
    self.postMessage({ id, thumb }, [thumb.buffer]);
  } catch (e) {
    self.postMessage({ id, error: (e as Error).message });
  }
};
