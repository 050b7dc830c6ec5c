import type { CaptureRecord, ImageUploadState } from "../../shared/contracts/sync";
import { MAX_IMAGE_CHUNK_BYTES, MAX_THUMBNAIL_BYTES } from "../../shared/contracts/sync";
import { HttpError, notFound, tooLarge } from "../../shared/http";
import type { HubDb } from "../db/client";
import { type ImageStorage, imageKey, OffsetMismatch } from "../storage";
import { storedResponse } from "../storage/serve";
import {
  captureRecord,
  fullImagesPlannedBefore,
  heldPictures,
  markFullImagePurged,
  markThumbnailPurged,
  type PictureOwner,
  savePictures,
  saveThumbnail,
  thumbnailsPlannedBefore,
} from "./data";

const DAY_MS = 86_400_000;

export interface ImageRetention {
  /** Days of full-resolution images to keep, by capture time (null: forever). */
  keepFullDays: number | null;
  /** Days of thumbnails to keep (null: forever). */
  keepThumbnailsDays: number | null;
}

/** A binary upload's bytes (read by the app's body reader within the route's limit), refused unless of one of `types`. */
export function uploadedBytes(request: Request, body: unknown, types: string[]): Uint8Array {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!types.includes(type)) throw new HttpError(415, "unsupported_media_type", `the body must be ${types.join(" or ")}`);
  return body instanceof Uint8Array ? body : new Uint8Array(0);
}

/**
 * Thumbnails and resumable full-image uploads for the capture records the hub
 * holds, and the hub's image retention. Every operation on one capture runs
 * after the previous one finished (a per-capture queue), so a retried chunk can
 * never interleave with the one it retries.
 */
export class CaptureImages {
  private queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: HubDb,
    private readonly storage: ImageStorage,
  ) {}

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.queues.set(key, next);
    next
      .finally(() => {
        if (this.queues.get(key) === next) this.queues.delete(key);
      })
      .catch(() => undefined);
    return next;
  }

  /** The record of this camera's capture, or 404: a picture is only taken for a record the hub holds. */
  private async record(cameraId: string, captureId: string): Promise<CaptureRecord> {
    const record = await captureRecord(this.db, cameraId, captureId);
    if (!record) throw notFound(`capture ${captureId} of camera ${cameraId}`);
    return record;
  }

  private async withImage(cameraId: string, captureId: string): Promise<CaptureRecord & { image: NonNullable<CaptureRecord["image"]> }> {
    const record = await this.record(cameraId, captureId);
    if (!record.image) throw new HttpError(422, "no_image", `capture ${captureId} has no image`);
    return record as CaptureRecord & { image: NonNullable<CaptureRecord["image"]> };
  }

  async putThumbnail(cameraId: string, captureId: string, bytes: Uint8Array, now: number): Promise<{ bytes: number }> {
    const record = await this.withImage(cameraId, captureId);
    if (bytes.length > MAX_THUMBNAIL_BYTES) throw tooLarge(MAX_THUMBNAIL_BYTES);
    if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new HttpError(422, "not_jpeg", "a thumbnail must be a JPEG");
    return this.serial(`t:${captureId}`, async () => {
      await this.storage.put(imageKey(cameraId, captureId, "thumbnail"), bytes);
      await saveThumbnail(this.db, owner(cameraId, record), bytes.length, now);
      return { bytes: bytes.length };
    });
  }

  /**
   * A whole picture the hub fetched itself (a live capture from a first-system Pi):
   * checked against the record's sha256, stored as the full image with its thumbnail,
   * as an agent's finished upload would be.
   */
  async storeFetched(cameraId: string, captureId: string, jpeg: Uint8Array, thumbnail: Uint8Array, now: number): Promise<void> {
    const record = await this.withImage(cameraId, captureId);
    const actual = new Bun.CryptoHasher("sha256").update(jpeg).digest("hex");
    if (actual !== record.image.sha256 || jpeg.length !== record.image.bytes) throw new Error(`capture ${captureId}'s image does not match its record (sha256 ${actual})`);
    await this.serial(`i:${captureId}`, async () => {
      await this.storage.put(imageKey(cameraId, captureId, "full"), jpeg);
      await this.storage.put(imageKey(cameraId, captureId, "thumbnail"), thumbnail);
      await savePictures(this.db, owner(cameraId, record), { imageBytes: jpeg.length, imageCompleteAt: now, imagePurgedAt: null, thumbnailBytes: thumbnail.length, thumbnailAt: now, thumbnailPurgedAt: null });
    });
  }

  async imageState(cameraId: string, captureId: string): Promise<ImageUploadState> {
    const record = await this.withImage(cameraId, captureId);
    return this.serial(`i:${captureId}`, () => this.stateOf(cameraId, record));
  }

  private async stateOf(cameraId: string, record: CaptureRecord & { image: NonNullable<CaptureRecord["image"]> }): Promise<ImageUploadState> {
    // Complete stays complete after hub retention removed the bytes: the agent need not send them again.
    if ((await heldPictures(this.db, record.id))?.imageCompleteAt != null) return { bytes_received: record.image.bytes, complete: true };
    return { bytes_received: (await this.storage.size(imageKey(cameraId, record.id, "partial"))) ?? 0, complete: false };
  }

  /**
   * Appends one chunk at `offset` (which must be where the upload stands: 409
   * otherwise). When the bytes reach the record's size they are checked against its
   * sha256: a match completes the image, a mismatch discards the upload (422).
   */
  async appendChunk(cameraId: string, captureId: string, offset: number, bytes: Uint8Array, now: number): Promise<ImageUploadState> {
    const record = await this.withImage(cameraId, captureId);
    if (bytes.length > MAX_IMAGE_CHUNK_BYTES) throw tooLarge(MAX_IMAGE_CHUNK_BYTES);
    const total = record.image.bytes;
    return this.serial(`i:${captureId}`, async () => {
      const state = await this.stateOf(cameraId, record);
      if (state.complete) return state;
      const partial = imageKey(cameraId, captureId, "partial");
      if (offset !== state.bytes_received)
        throw new HttpError(409, "offset_mismatch", `the upload of capture ${captureId} is at byte ${state.bytes_received}, not ${offset}`);
      if (offset + bytes.length > total)
        throw new HttpError(422, "too_long", `capture ${captureId}'s image is ${total} bytes; this chunk ends at ${offset + bytes.length}`);
      let size = offset;
      if (bytes.length) {
        try {
          size = await this.storage.append(partial, offset, bytes);
        } catch (e) {
          if (e instanceof OffsetMismatch)
            throw new HttpError(409, "offset_mismatch", `the upload of capture ${captureId} is at byte ${e.current}, not ${offset}`);
          throw e;
        }
      }
      if (size < total) return { bytes_received: size, complete: false };
      const actual = await this.hash(partial);
      if (actual !== record.image.sha256) {
        await this.storage.delete(partial);
        throw new HttpError(422, "hash_mismatch", `capture ${captureId}'s image does not match the record's sha256 (got ${actual}); the upload was discarded, start again at 0`);
      }
      await this.storage.move(partial, imageKey(cameraId, captureId, "full"));
      await savePictures(this.db, owner(cameraId, record), { imageBytes: total, imageCompleteAt: now, imagePurgedAt: null });
      return { bytes_received: total, complete: true };
    });
  }

  private async hash(key: string): Promise<string> {
    const hasher = new Bun.CryptoHasher("sha256");
    const stream = await this.storage.read(key);
    if (stream) for await (const chunk of stream) hasher.update(chunk);
    return hasher.digest("hex");
  }

  /** The stored thumbnail for the operator API, or 404. */
  async thumbnail(cameraId: string, captureId: string): Promise<{ stream: ReadableStream<Uint8Array>; bytes: number }> {
    await this.record(cameraId, captureId);
    const row = await heldPictures(this.db, captureId);
    const stream = row?.thumbnailAt != null && row.thumbnailPurgedAt == null ? await this.storage.read(imageKey(cameraId, captureId, "thumbnail")) : null;
    if (!stream) throw notFound(`thumbnail of capture ${captureId}`);
    return { stream, bytes: row!.thumbnailBytes ?? 0 };
  }

  /** The full image (or a byte range of it) for the operator API, or 404 while it has not arrived (or was removed). */
  async image(cameraId: string, captureId: string, rangeHeader: string | null): Promise<Response> {
    const record = await this.withImage(cameraId, captureId);
    const row = await heldPictures(this.db, captureId);
    if (row?.imageCompleteAt == null || row.imagePurgedAt != null) throw notFound(`full image of capture ${captureId}`);
    const headers = { "content-type": "image/jpeg", etag: `"${record.image.sha256}"`, "cache-control": "private, max-age=31536000, immutable" };
    return storedResponse(this.storage, imageKey(cameraId, captureId, "full"), record.image.bytes, rangeHeader, headers, `full image of capture ${captureId}`);
  }

  /** Removes full images and thumbnails older than the policy allows; returns how many of each. */
  async applyRetention(policy: ImageRetention, now: number): Promise<{ full: number; thumbnails: number }> {
    let full = 0;
    let thumbnails = 0;
    if (policy.keepFullDays !== null) {
      for (const r of await fullImagesPlannedBefore(this.db, now - policy.keepFullDays * DAY_MS)) {
        // The row first: a crash in between leaves a stray file, never a row pointing at nothing.
        await markFullImagePurged(this.db, r.captureId, now);
        await this.storage.delete(imageKey(r.cameraId, r.captureId, "full"));
        full++;
      }
    }
    if (policy.keepThumbnailsDays !== null) {
      for (const r of await thumbnailsPlannedBefore(this.db, now - policy.keepThumbnailsDays * DAY_MS)) {
        await markThumbnailPurged(this.db, r.captureId, now);
        await this.storage.delete(imageKey(r.cameraId, r.captureId, "thumbnail"));
        thumbnails++;
      }
    }
    return { full, thumbnails };
  }
}

/** Whose pictures a record's are: the capture, its camera and when it was planned. */
function owner(cameraId: string, record: CaptureRecord): PictureOwner {
  return { captureId: record.id, cameraId, plannedAt: Date.parse(record.planned_at) };
}
