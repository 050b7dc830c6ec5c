import { decode, encode } from "jpeg-js";
import { exifThumbnail } from "./measures";

export const THUMBNAIL_WIDTH = 160;
const THUMBNAIL_QUALITY = 70;

/**
 * A small JPEG of a capture, THUMBNAIL_WIDTH pixels wide: from the EXIF thumbnail
 * when the file has one (rpicam-still writes 320×240), else from the image itself.
 * Box-filtered down, never up.
 */
export function makeThumbnail(jpeg: Uint8Array, width = THUMBNAIL_WIDTH): Uint8Array {
  const source = decode(exifThumbnail(jpeg) ?? jpeg, { useTArray: true, maxMemoryUsageInMB: 1024 });
  const w = Math.min(width, source.width);
  const h = Math.max(1, Math.round((source.height * w) / source.width));
  const out = new Uint8Array(w * h * 4);
  const sx = source.width / w;
  const sy = source.height / h;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        let i = (yy * source.width + x0) * 4;
        for (let xx = x0; xx < x1; xx++, i += 4) {
          r += source.data[i]!;
          g += source.data[i + 1]!;
          b += source.data[i + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * w + x) * 4;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
      out[o + 3] = 255;
    }
  }
  return new Uint8Array(encode({ data: out, width: w, height: h }, THUMBNAIL_QUALITY).data);
}
