import { decode } from "jpeg-js";
import type { ImageMeasures } from "../contracts/tests";
import { decodePixels } from "./pixels";

/** Mid-grey (18 % reflectance) in sRGB: the luma a well-exposed frame averages near. */
export const TARGET_LUMA = 118;

/** Measures of pixels (RGBA unless `channels` says otherwise; grey when fewer than 3), sampling every `step`-th pixel (pure). */
export function measurePixels(rgba: Uint8Array, width: number, height: number, step = 1, channels = 4): ImageMeasures {
  let sum = 0;
  let clipped = 0;
  let crushed = 0;
  let n = 0;
  const [g, b] = channels >= 3 ? [1, 2] : [0, 0];
  for (let i = 0; i < width * height; i += step) {
    const o = i * channels;
    const y = 0.299 * rgba[o]! + 0.587 * rgba[o + g]! + 0.114 * rgba[o + b]!;
    sum += y;
    if (y >= 250) clipped++;
    if (y <= 5) crushed++;
    n++;
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  return { mean_luma: r(sum / n), clipped_highlights_pct: r((100 * clipped) / n), crushed_shadows_pct: r((100 * crushed) / n) };
}

/**
 * The JPEG embedded in an EXIF APP1 segment (rpicam-still writes a 320×240
 * thumbnail there), so a 12-megapixel frame need not be decoded to be measured.
 */
export function exifThumbnail(jpeg: Uint8Array): Uint8Array | null {
  let i = 2;
  while (i + 4 < jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1]!;
    const length = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    if (marker === 0xe1) {
      const segment = jpeg.subarray(i + 4, i + 2 + length);
      for (let s = 1; s + 1 < segment.length; s++) {
        if (segment[s] === 0xff && segment[s + 1] === 0xd8) {
          for (let e = segment.length - 2; e > s; e--) if (segment[e] === 0xff && segment[e + 1] === 0xd9) return segment.subarray(s, e + 2);
        }
      }
    }
    if (marker === 0xda) break;
    i += 2 + length;
  }
  return null;
}

const LARGE = 2_000_000;
/** About this many pixels are sampled, whatever the frame's size. */
const SAMPLED_PIXELS = 250_000;

/** What a JPEG is measured from: its EXIF thumbnail when it is large and has one, else the image itself. */
const measuredSource = (jpeg: Uint8Array) => (jpeg.byteLength > LARGE ? (exifThumbnail(jpeg) ?? jpeg) : jpeg);
const stepFor = (width: number, height: number) => Math.max(1, Math.floor((width * height) / SAMPLED_PIXELS));

/**
 * Measures of a JPEG: from its EXIF thumbnail when it is large and has one, else
 * from the image itself; null when it cannot be decoded (measuring never fails a capture).
 * Decoded by jpeg-js, synchronously; a capture uses measureJpegNatively.
 */
export function measureJpeg(jpeg: Uint8Array): ImageMeasures | null {
  try {
    const image = decode(measuredSource(jpeg), { useTArray: true, maxMemoryUsageInMB: 1024 });
    return measurePixels(image.data, image.width, image.height, stepFor(image.width, image.height));
  } catch {
    return null;
  }
}

/** measureJpeg, decoded by Bun.Image off the JS heap and off the event loop: what every capture runs. */
export async function measureJpegNatively(jpeg: Uint8Array): Promise<ImageMeasures | null> {
  try {
    const image = await decodePixels(measuredSource(jpeg));
    return measurePixels(image.data, image.width, image.height, stepFor(image.width, image.height), image.channels);
  } catch {
    return null;
  }
}

/** How far a luma sits from the target, in stops (positive: brighter). */
export function stopsFromTarget(meanLuma: number, target = TARGET_LUMA): number {
  return Math.log2(Math.max(meanLuma, 0.5) / target);
}
