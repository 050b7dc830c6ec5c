import { MAX_THUMBNAIL_BYTES } from "../../../shared/contracts/sync";
import { statusOf } from "../../hub-client";
import type { ThumbnailMaker } from "../thumbnail";
import { type Capture, capturePath, type UploadRun } from "./uploads";

/**
 * Thumbnails of captures whose records the hub holds, one PUT each. A file that
 * is gone gets none (never asked again); a capture the hub refuses for good is
 * set aside; anything else stops the round for the loop's backoff.
 */
export async function uploadThumbnails(run: UploadRun, maker: ThumbnailMaker, rows: Capture[]): Promise<void> {
  const { deps, status } = run;
  for (const { seq, record } of rows) {
    if (!run.running()) return;
    let thumb: Uint8Array;
    try {
      thumb = await maker.make(deps.images.pathOf(record.image!.file));
    } catch (e) {
      if (!run.running()) return;
      // The file is gone or unreadable: no thumbnail can be made; do not try again.
      deps.onSetAside?.(record.id, `no thumbnail: ${(e as Error).message}`);
      run.mark(seq, "thumb");
      continue;
    }
    if (thumb.length > MAX_THUMBNAIL_BYTES) thumb = thumb.subarray(0, 0);
    await run.budget.ready(run.stopping);
    const path = capturePath(record, "thumbnail");
    try {
      await run.send(`PUT ${path}`, path, { method: "PUT", body: thumb, contentType: "image/jpeg" });
    } catch (e) {
      const refused = statusOf(e);
      if (refused === 404 || refused === 413 || refused === 422) {
        // 404: the hub holds this tick under another id (a record rebuilt after the database was lost).
        run.strike(record.id, (e as Error).message, true);
        continue;
      }
      throw e;
    }
    status.bytes += thumb.length;
    status.thumbnails++;
    run.mark(seq, "thumb");
  }
}
