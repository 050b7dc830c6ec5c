/** Width and height from a JPEG's start-of-frame marker, without decoding; null if there is none. */
export function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1]!;
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[i + 5]! << 8) | bytes[i + 6]!, width: (bytes[i + 7]! << 8) | bytes[i + 8]! };
    }
    i += 2 + length;
  }
  return null;
}

const BMP_HEADER_BYTES = 54;

/**
 * RGBA pixels (rows from the top) to a JPEG, encoded natively by Bun.Image on its
 * own thread: no encoder tables or output arrays in the JS heap. Bun.Image reads
 * encoded images only, so the pixels go in as an uncompressed 24-bit BMP.
 */
export function encodeJpeg(rgba: Uint8Array, width: number, height: number, quality: number): Promise<Uint8Array> {
  const rowBytes = (width * 3 + 3) & ~3;
  const bmp = new Uint8Array(BMP_HEADER_BYTES + rowBytes * height);
  const header = new DataView(bmp.buffer);
  bmp.set([0x42, 0x4d]);
  header.setUint32(2, bmp.length, true);
  header.setUint32(10, BMP_HEADER_BYTES, true);
  header.setUint32(14, 40, true);
  header.setInt32(18, width, true);
  // A negative height: rows stored from the top.
  header.setInt32(22, -height, true);
  header.setUint16(26, 1, true);
  header.setUint16(28, 24, true);
  header.setUint32(34, rowBytes * height, true);
  for (let y = 0; y < height; y++) {
    let o = BMP_HEADER_BYTES + y * rowBytes;
    for (let i = y * width * 4, end = i + width * 4; i < end; i += 4, o += 3) {
      bmp[o] = rgba[i + 2]!;
      bmp[o + 1] = rgba[i + 1]!;
      bmp[o + 2] = rgba[i]!;
    }
  }
  return new Bun.Image(bmp).jpeg({ quality: Math.min(100, Math.max(1, Math.round(quality))) }).bytes();
}
