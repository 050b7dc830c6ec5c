
export interface Pixels {
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA) bytes per pixel. */
  channels: number;
  /** Rows from the top, `width × channels` bytes each. */
  data: Uint8Array;
}

const PNG_SIGNATURE_BYTES = 8;
const CHANNELS_OF_COLOUR_TYPE: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * A JPEG's pixels, decoded natively by Bun.Image on its own thread: it hands
 * them over as a PNG, whose rows are inflated and unfiltered here, so no decoder
 * state is built in the JS heap (jpeg-js leaves megabytes of it per frame).
 */
export async function decodePixels(jpeg: Uint8Array): Promise<Pixels> {
  // Uncompressed: the rows come unfiltered too, so undoing them is a copy.
  return pixelsOfPng(await new Bun.Image(jpeg, { autoOrient: false }).png({ compressionLevel: 0 }).bytes());
}

/** The pixels of an 8-bit, non-interlaced PNG. */
export function pixelsOfPng(png: Uint8Array): Pixels {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  for (let i = PNG_SIGNATURE_BYTES; i + 8 <= png.length; ) {
    const length = view.getUint32(i);
    const type = String.fromCharCode(png[i + 4]!, png[i + 5]!, png[i + 6]!, png[i + 7]!);
    const body = png.subarray(i + 8, i + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(i + 8);
      height = view.getUint32(i + 12);
      channels = CHANNELS_OF_COLOUR_TYPE[body[9]!] ?? 0;
      if (body[8] !== 8 || !channels || body[12] !== 0) throw new Error(`unexpected PNG layout (depth ${body[8]}, colour ${body[9]}, interlace ${body[12]})`);
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    i += 12 + length;
  }
  const stride = width * channels;
  // IDAT is zlib-wrapped deflate (windowBits 15); Bun.inflateSync alone reads raw deflate.
  const rows = Bun.inflateSync((idat.length === 1 ? idat[0]! : Buffer.concat(idat)) as Uint8Array<ArrayBuffer>, { windowBits: 15 });
  if (rows.length < height * (stride + 1)) throw new Error("PNG data cut short");
  // In place, top down: each row moves up over the filter bytes before it, onto bytes already read.
  for (let y = 0; y < height; y++) unfilterRow(rows, rows[y * (stride + 1)]!, y * (stride + 1) + 1, y * stride, stride, channels);
  return { width, height, channels, data: rows.subarray(0, height * stride) };
}

/** PNG's five row filters: the row at `from` in `buf` undone to `at` (at ≤ from; the row above is already there). */
function unfilterRow(buf: Uint8Array, filter: number, from: number, at: number, stride: number, bpp: number): void {
  const up = at - stride;
  if (filter === 0 || (filter === 2 && up < 0)) {
    buf.copyWithin(at, from, from + stride);
    return;
  }
  for (let x = 0; x < stride; x++) {
    const a = x >= bpp ? buf[at + x - bpp]! : 0;
    const b = up >= 0 ? buf[up + x]! : 0;
    let predicted: number;
    if (filter === 1) predicted = a;
    else if (filter === 2) predicted = b;
    else if (filter === 3) predicted = (a + b) >> 1;
    else {
      const c = x >= bpp && up >= 0 ? buf[up + x - bpp]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    buf[at + x] = (buf[from + x]! + predicted) & 0xff;
  }
}
