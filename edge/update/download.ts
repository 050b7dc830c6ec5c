/**
 * Resumable artifact downloads: the partial file on disk is the progress (its size is
 * the offset), so a download cut by kill -9, a reboot or an outage resumes with a Range
 * request where it stopped. Chunks are paced by the bandwidth cap and wait while
 * capture records are still to be uploaded.
 */
import { closeSync, fsyncSync, openSync, statSync, truncateSync, writeSync } from "node:fs";
import type { Pacer } from "../sync/images";

export class DownloadError extends Error {}

/**
 * One ranged GET of the hub (the only network call of the updater, so it can move onto
 * a shared hub client): bytes [start, end] of the artifact.
 */
export async function fetchRange(url: string, token: string, start: number, end: number, timeoutMs: number): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}`, range: `bytes=${start}-${end}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new DownloadError(`hub unreachable: ${(e as Error).message}`);
  }
  if (res.status !== 206) {
    await res.arrayBuffer().catch(() => undefined);
    throw new DownloadError(`the hub answered ${res.status} to a range request`);
  }
  let body: Uint8Array;
  try {
    body = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new DownloadError(`download cut off: ${(e as Error).message}`);
  }
  if (body.length !== end - start + 1) throw new DownloadError(`the hub sent ${body.length} bytes for a range of ${end - start + 1}`);
  return body;
}

export interface DownloadJob {
  url: string;
  token: () => string;
  /** The partial file; its size is where the download stands. */
  file: string;
  bytes: number;
  chunkBytes: number;
  timeoutMs: number;
  pacer: Pacer;
  signal: AbortSignal;
  /** Resolves when the download may go on (capture records come first). */
  mayProceed: () => Promise<void>;
  /** Each chunk as it arrives, before it is written: the bytes it moved over the network. */
  onMoved: (bytes: number) => void;
}

export function bytesOnDisk(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Brings the partial file to the artifact's full size; throws on a network failure (the bytes so far stay). */
export async function resumeDownload(job: DownloadJob): Promise<void> {
  let have = bytesOnDisk(job.file);
  if (have > job.bytes) {
    truncateSync(job.file, 0);
    have = 0;
  }
  const fd = openSync(job.file, "a");
  try {
    while (have < job.bytes) {
      await job.mayProceed();
      if (job.signal.aborted) throw new DownloadError("stopped");
      const end = Math.min(job.bytes, have + job.pacer.chunkBytes(job.chunkBytes)) - 1;
      await job.pacer.take(end - have + 1, job.signal);
      const chunk = await fetchRange(job.url, job.token(), have, end, job.timeoutMs);
      // Counted as it arrives: a chunk cut off before it reached the disk is fetched, and counted, again.
      job.onMoved(chunk.length);
      writeSync(fd, chunk);
      fsyncSync(fd);
      have += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
}
