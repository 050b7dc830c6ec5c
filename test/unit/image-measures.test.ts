import { describe, expect, test } from "bun:test";
import { encode } from "jpeg-js";
import { deflateSync } from "node:zlib";
import { SimulatedCamera } from "../../edge/camera/simulated";
import { DEFAULT_SETTINGS } from "../../shared/contracts/settings";
import { measureJpeg, measureJpegNatively } from "../../shared/image/measures";
import { decodePixels, pixelsOfPng } from "../../shared/image/pixels";

const camera = new SimulatedCamera({ seed: 5, position: () => ({ latitude: 46.5, longitude: 7.5 }) });

describe("measures decoded natively", () => {
  test("agree with jpeg-js's decode, by day, at dusk and overexposed", async () => {
    const cases = [
      { at: "2026-06-21T11:00:00Z", ev: 0 },
      { at: "2026-06-21T19:40:00Z", ev: 0 },
      { at: "2026-06-21T11:00:00Z", ev: 3 },
    ];
    for (const { at, ev } of cases) {
      const [frame] = await camera.capture({ ...DEFAULT_SETTINGS, ev }, Date.parse(at));
      const byJs = measureJpeg(frame!.jpeg)!;
      const natively = (await measureJpegNatively(frame!.jpeg))!;
      expect(Math.abs(natively.mean_luma - byJs.mean_luma)).toBeLessThan(1);
      expect(Math.abs(natively.clipped_highlights_pct - byJs.clipped_highlights_pct)).toBeLessThan(1);
      expect(Math.abs(natively.crushed_shadows_pct - byJs.crushed_shadows_pct)).toBeLessThan(1);
    }
  });

  test("pixels come out as rows from the top, in place", async () => {
    const width = 33;
    const height = 17;
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x * 7, y * 15, 255 - x * 7, 255], (y * width + x) * 4);
    const jpeg = new Uint8Array(encode({ data, width, height }, 100).data);
    const pixels = await decodePixels(jpeg);
    expect([pixels.width, pixels.height]).toEqual([width, height]);
    for (const [x, y] of [[0, 0], [32, 0], [0, 16], [20, 9]] as const) {
      const o = (y * width + x) * pixels.channels;
      expect(Math.abs(pixels.data[o]! - x * 7)).toBeLessThan(12);
      expect(Math.abs(pixels.data[o + 1]! - y * 15)).toBeLessThan(12);
    }
  });

  test("every PNG row filter is undone", () => {
    const width = 9;
    const height = 10;
    const bpp = 3;
    const stride = width * bpp;
    const pixels = Uint8Array.from({ length: height * stride }, (_, i) => (i * 97 + (i >> 3) * 13) % 256);
    const at = (y: number, x: number) => (y < 0 || x < 0 ? 0 : pixels[y * stride + x]!);
    const paeth = (a: number, b: number, c: number) => {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    // Each row with a filter of its own, filters 0–4 twice over, as an encoder would write them.
    const rows: number[] = [];
    for (let y = 0; y < height; y++) {
      const filter = y % 5;
      rows.push(filter);
      for (let x = 0; x < stride; x++) {
        const [a, b, c] = [at(y, x - bpp), at(y - 1, x), at(y - 1, x - bpp)];
        const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter]!;
        rows.push((at(y, x) - predicted + 256) % 256);
      }
    }
    const chunk = (type: string, body: Uint8Array) => {
      const out = new Uint8Array(12 + body.length);
      new DataView(out.buffer).setUint32(0, body.length);
      out.set(new TextEncoder().encode(type), 4);
      out.set(body, 8);
      return out;
    };
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, width);
    new DataView(ihdr.buffer).setUint32(4, height);
    ihdr.set([8, 2, 0, 0, 0], 8);
    const png = Buffer.concat([
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk("IHDR", ihdr),
      chunk("IDAT", deflateSync(new Uint8Array(rows))),
      chunk("IEND", new Uint8Array(0)),
    ]);
    const decoded = pixelsOfPng(png);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([width, height, 3]);
    expect([...decoded.data]).toEqual([...pixels]);
  });

  test("a file that is not a JPEG measures as null, never an error", async () => {
    expect(await measureJpegNatively(new Uint8Array([1, 2, 3]))).toBeNull();
  });
});
