import { exifThumbnail } from "./measures";

export const THUMBNAIL_WIDTH = 160;
const THUMBNAIL_QUALITY = 70;
/** EXIF comes first in a JPEG and its APP1 segment is at most 64 KiB: a file's head this long holds any EXIF thumbnail. */
const EXIF_HEAD_BYTES = 128 * 1024;

/**
 * A small JPEG of a capture, THUMBNAIL_WIDTH pixels wide: from the EXIF thumbnail
 * when the file has one (rpicam-still writes 320×240), else from the image itself.
 * Box-filtered down, never up. Bun.Image decodes and encodes natively on its own
 * thread: no pixels in the JS heap, and the event loop never waits for a decode.
 */
export function makeThumbnail(jpeg: Uint8Array, width = THUMBNAIL_WIDTH): Promise<Uint8Array> {
  return shrink(exifThumbnail(jpeg) ?? jpeg, width);
}

function shrink(jpeg: Uint8Array | Blob, width = THUMBNAIL_WIDTH): Promise<Uint8Array> {
  return new Bun.Image(jpeg, { autoOrient: false })
    .resize(width, undefined, { filter: "box", withoutEnlargement: true })
    .jpeg({ quality: THUMBNAIL_QUALITY })
    .bytes();
}

/** The thumbnail of a file, reading only its head when that holds an EXIF thumbnail (a full frame is megabytes). */
export async function thumbnailOfFile(path: string): Promise<Uint8Array> {
  const file = Bun.file(path);
  const head = await file.slice(0, EXIF_HEAD_BYTES).bytes();
  return shrink(exifThumbnail(head) ?? (head.length < EXIF_HEAD_BYTES ? head : file));
}
