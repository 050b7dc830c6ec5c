/**
 * Resumable artifact downloads: the partial file on disk is the progress (its size is
 * the offset), so a download cut by kill -9, a reboot or an outage resumes with a Range
 * request where it stopped. Each chunk waits for the link's budget (the hub client
 * charges it with every byte) and the update's own cap, after the gate that lets
 * capture records go first.
 */
import { closeSync, fsyncSync, openSync, statSync, truncateSync, writeSync } from "node:fs";
import { type HubClient, HubError, type LinkBudget } from "../hub-client";

export class DownloadError extends Error {}

/** Bytes [start, end] of an artifact from the hub, through the agent's one hub client. */
async function fetchRange(hub: HubClient, path: string, start: number, end: number, signal: AbortSignal): Promise<Uint8Array> {
  let body: Uint8Array;
  try {
    const download = await hub.download("update download", path, { offset: start, end, signal });
    if (download.status !== 206) {
      await download.body.cancel().catch(() => undefined);
      throw new DownloadError(`the hub answered ${download.status} to a range request`);
    }
    body = new Uint8Array(await new Response(download.body).arrayBuffer());
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    throw new DownloadError(e instanceof HubError ? e.message : `download cut off: ${(e as Error).message}`);
  }
  if (body.length !== end - start + 1) throw new DownloadError(`the hub sent ${body.length} bytes for a range of ${end - start + 1}`);
  return body;
}

export interface DownloadJob {
  hub: HubClient;
  /** The artifact's path at the hub. */
  path: string;
  /** The partial file; its size is where the download stands. */
  file: string;
  bytes: number;
  chunkBytes: number;
  /** The update's own cap (SKYLAPSE_UPDATE_BANDWIDTH_KBPS), within the link's budget. */
  cap: LinkBudget;
  signal: AbortSignal;
  /** Resolves when the download may go on (capture records come first, but not forever: gate.ts). */
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
      const end = Math.min(job.bytes, have + job.cap.chunkBytes(job.hub.budget.chunkBytes(job.chunkBytes))) - 1;
      await job.hub.budget.ready(job.signal);
      await job.cap.ready(job.signal);
      job.cap.charge(end - have + 1);
      const chunk = await fetchRange(job.hub, job.path, have, end, job.signal);
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
