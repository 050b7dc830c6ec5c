import { ImageUploadState, MAX_IMAGE_CHUNK_BYTES } from "../../../shared/contracts/sync";
import { statusOf } from "../../hub-client";
import { type Capture, capturePath, type UploadRun } from "./uploads";

/** How much of the image the hub holds. */
async function uploadState(run: UploadRun, path: string): Promise<ImageUploadState> {
  const what = `GET ${path}`;
  return run.deps.hub.decode(what, await run.send(what, path, {}), ImageUploadState);
}

/** A file's SHA-256, read in pieces: a full frame is megabytes. */
async function sha256Of(file: Blob): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const piece of file.stream()) hasher.update(piece);
  return hasher.digest("hex");
}

/**
 * One capture's full image in chunks, from where the hub's copy ends: any
 * interruption (agent or hub restart, a dropped link) resumes at the last stored
 * byte. Stops between chunks when records wait (the hub keeps what it has).
 * The file is read a chunk at a time (a recorded image is never rewritten), so
 * a frame of many megabytes is never whole in memory.
 */
export async function uploadFullImage(run: UploadRun, { seq, record }: Capture): Promise<void> {
  const { deps, status } = run;
  const path = capturePath(record, "image");
  let state = await uploadState(run, path);
  if (state.complete) return run.mark(seq, "image");
  const file = Bun.file(deps.images.pathOf(record.image!.file));
  let sha256: string;
  try {
    sha256 = await sha256Of(file);
  } catch (e) {
    run.strike(record.id, (e as Error).message, true);
    return;
  }
  if (file.size !== record.image!.bytes || sha256 !== record.image!.sha256) {
    // The file here no longer matches its record: the hub would refuse it every time.
    run.strike(record.id, "the local file does not match its record's sha256", true);
    return;
  }
  const chunkBytes = run.budget.chunkBytes(Math.min(deps.chunkBytes, MAX_IMAGE_CHUNK_BYTES));
  while (!state.complete) {
    if (!run.running()) return;
    // Records first: stop between chunks when some are queued; the hub keeps what it has.
    if (run.yieldToRecords()) return;
    const offset = state.bytes_received;
    const chunk = await file.slice(offset, Math.min(file.size, offset + chunkBytes)).bytes();
    await run.budget.ready(run.stopping);
    if (!run.running()) return;
    try {
      const what = `PUT ${path}?offset=${offset}`;
      const reply = await run.send(what, `${path}?offset=${offset}`, { method: "PUT", body: chunk, contentType: "application/octet-stream" });
      state = deps.hub.decode(what, reply, ImageUploadState);
      status.bytes += chunk.length;
    } catch (e) {
      // Out of step (a chunk that arrived though its answer was lost, another upload): ask where it stands.
      if (statusOf(e) === 409) state = await uploadState(run, path);
      else if (statusOf(e) === 422 && /sha256/.test((e as Error).message)) {
        run.strike(record.id, (e as Error).message);
        state = await uploadState(run, path);
      } else throw e;
    }
  }
  run.mark(seq, "image");
  status.images++;
}
