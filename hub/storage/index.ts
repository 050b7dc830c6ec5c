/**
 * Where the hub keeps image and video bytes, behind one small interface: the filesystem
 * under the data dir (./fs.ts) or an S3-compatible bucket (./s3.ts: appends as chunk
 * objects every replica sees, reads as Range GETs). test/hub/storage-contract.test.ts
 * holds both to the rules below.
 *
 * Keys are built by the hub from ids it has validated (imageKey), never taken
 * from a client's path; implementations still refuse any key outside their shape.
 */
export interface ImageStorage {
  /** Stores the whole object, replacing any earlier one; durable when it resolves. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /**
   * Appends at `offset`, which must equal the object's current size (0 creates it).
   * Anything else is refused with OffsetMismatch, carrying the current size, and changes nothing.
   * Returns the new size.
   */
  append(key: string, offset: number, bytes: Uint8Array): Promise<number>;
  /** Bytes stored under the key, or null when there is nothing. */
  size(key: string): Promise<number | null>;
  /** The bytes from `start` through `end` inclusive (default: all), or null when there is nothing. */
  read(key: string, range?: { start: number; end: number }): Promise<ReadableStream<Uint8Array> | null>;
  /** Moves an object to another key (a finished upload to its final name). */
  move(from: string, to: string): Promise<void>;
  /** Removes the object; nothing there is not an error. */
  delete(key: string): Promise<void>;
  /** Takes in a finished local file (a rendered video), replacing any earlier object; the file is consumed. */
  putFile(key: string, path: string): Promise<void>;
  /** A local path the object can be read from directly (so a render links its frames instead of copying), or null. */
  localPath(key: string): string | null;
}

export class OffsetMismatch extends Error {
  constructor(readonly current: number) {
    super(`the upload is at byte ${current}`);
  }
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const KEY_SHAPE =
  /^(?:[a-z0-9][a-z0-9_-]{0,63}\/(thumbnails|full|partial)\/[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.(jpg|part)|timelapses\/tl_[A-Za-z0-9_-]{1,64}\.(mp4|jpg)|releases\/[0-9a-f]{64}\.(gz|part)|probes\/[A-Za-z0-9_-]{1,64}\.probe)$/;

/** A capture id as a file name: itself when it is plainly safe, else its hash (ids are up to 64 free characters). */
function idPart(id: string): string {
  return SAFE_ID.test(id) ? id : new Bun.CryptoHasher("sha256").update(id).digest("hex");
}

export type ImageKind = "thumbnail" | "full" | "partial";

/** The storage key of a capture's picture: CAMERA/thumbnails/ID.jpg, CAMERA/full/ID.jpg, CAMERA/partial/ID.part. */
export function imageKey(cameraId: string, captureId: string, kind: ImageKind): string {
  const folder = kind === "thumbnail" ? "thumbnails" : kind;
  const key = `${cameraId}/${folder}/${idPart(captureId)}.${kind === "partial" ? "part" : "jpg"}`;
  if (!KEY_SHAPE.test(key)) throw new Error(`not an image key: ${key}`);
  return key;
}

/** The storage key of a rendered timelapse's video or poster: timelapses/ID.mp4, timelapses/ID.jpg. */
export function timelapseKey(id: string, kind: "video" | "poster"): string {
  const key = `timelapses/${id}.${kind === "video" ? "mp4" : "jpg"}`;
  if (!KEY_SHAPE.test(key)) throw new Error(`not a timelapse key: ${key}`);
  return key;
}

/** The storage key of an agent release artifact, by its sha256: releases/SHA.gz, or releases/SHA.part while it uploads. */
export function releaseKey(sha256: string, kind: "artifact" | "partial"): string {
  const key = `releases/${sha256}.${kind === "artifact" ? "gz" : "part"}`;
  if (!KEY_SHAPE.test(key)) throw new Error(`not a release key: ${key}`);
  return key;
}

/** The storage key a readiness probe writes and removes again (hub/readiness): probes/NAME.probe. */
export function probeKey(name: string): string {
  const key = `probes/${name}.probe`;
  if (!KEY_SHAPE.test(key)) throw new Error(`not a probe key: ${key}`);
  return key;
}
