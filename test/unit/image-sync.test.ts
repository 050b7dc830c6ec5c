import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode, encode } from "jpeg-js";
import { writeFileSync } from "node:fs";
import { makeThumbnail, wantsFullImage } from "../../edge/sync/images";
import { LinkBudget } from "../../edge/hub-client";
import { ThumbnailMaker } from "../../edge/sync/thumbnail";
import { parseRange } from "../../hub/storage/serve";
import { imageKey, OffsetMismatch } from "../../hub/storage";
import { FsImageStorage } from "../../hub/storage/fs";

describe("hub image storage", () => {
  test("keys come from ids only: unsafe ids are hashed, nothing escapes the camera's folder", () => {
    expect(imageKey("ridge", "0192-abc", "full")).toBe("ridge/full/0192-abc.jpg");
    expect(imageKey("ridge", "0192-abc", "partial")).toBe("ridge/partial/0192-abc.part");
    expect(imageKey("ridge", "../../etc/passwd", "thumbnail")).toMatch(/^ridge\/thumbnails\/[0-9a-f]{64}\.jpg$/);
    expect(() => imageKey("../x", "a", "full")).toThrow();
  });

  test("appends only at the current size; reads ranges; moves and deletes", async () => {
    const storage = new FsImageStorage(mkdtempSync(join(tmpdir(), "skylapse-storage-")));
    const key = imageKey("ridge", "c1", "partial");
    expect(await storage.size(key)).toBeNull();
    expect(await storage.append(key, 0, new Uint8Array([1, 2, 3]))).toBe(3);
    await expect(storage.append(key, 2, new Uint8Array([9]))).rejects.toBeInstanceOf(OffsetMismatch);
    expect(await storage.append(key, 3, new Uint8Array([4, 5]))).toBe(5);
    const full = imageKey("ridge", "c1", "full");
    await storage.move(key, full);
    expect(new Uint8Array(await new Response(await storage.read(full, { start: 1, end: 3 })).arrayBuffer())).toEqual(new Uint8Array([2, 3, 4]));
    expect(readFileSync(join(storage.root, full))).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    await storage.delete(full);
    expect(await storage.read(full)).toBeNull();
    await expect(storage.put("../escape.jpg", new Uint8Array(1))).rejects.toThrow();
  });

  test("range headers", () => {
    expect(parseRange(null, 100)).toBeNull();
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=50-500", 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange("bytes=100-", 100)).toBe("invalid");
    expect(parseRange("bytes=5-2", 100)).toBe("invalid");
    expect(parseRange("items=0-1", 100)).toBe("invalid");
  });
});

describe("agent image sync", () => {
  test("a thumbnail is 160 px wide, a few KB, and keeps the picture's brightness", async () => {
    const width = 640;
    const height = 360;
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([(i % width) / 3, 120, 200, 255], i * 4);
    const jpeg = new Uint8Array(encode({ data, width, height }, 90).data);
    const thumb = await makeThumbnail(jpeg);
    const image = decode(thumb);
    expect([image.width, image.height]).toEqual([160, 90]);
    expect(thumb.length).toBeLessThan(8 * 1024);
    expect(Math.abs(image.data[(45 * 160 + 80) * 4 + 1]! - 120)).toBeLessThan(8);
  });

  test("a file with an EXIF thumbnail (as rpicam-still writes) is thumbnailed from it, not from the full image", async () => {
    const solid = (width: number, height: number, green: number) => {
      const data = new Uint8Array(width * height * 4);
      for (let i = 0; i < width * height; i++) data.set([green, green, green, 255], i * 4);
      return new Uint8Array(encode({ data, width, height }, 90).data);
    };
    // The full frame is dark and 16:9; the EXIF thumbnail (320×240, like rpicam-still's) is bright and 4:3.
    const full = solid(640, 360, 40);
    const exifThumb = solid(320, 240, 200);
    const exif = new Uint8Array([...new TextEncoder().encode("Exif\0\0II*\0"), 8, 0, 0, 0, 0, 0, ...exifThumb]);
    const app1 = new Uint8Array([0xff, 0xe1, (exif.length + 2) >> 8, (exif.length + 2) & 0xff, ...exif]);
    const withExif = new Uint8Array([...full.subarray(0, 2), ...app1, ...full.subarray(2)]);
    expect(decode(withExif).width).toBe(640);

    const fromExif = decode(await makeThumbnail(withExif));
    expect([fromExif.width, fromExif.height]).toEqual([160, 120]);
    expect(Math.abs(fromExif.data[(60 * 160 + 80) * 4 + 1]! - 200)).toBeLessThan(8);
    // Without one, the image itself.
    const fromImage = decode(await makeThumbnail(full));
    expect([fromImage.width, fromImage.height]).toEqual([160, 90]);
    expect(Math.abs(fromImage.data[(45 * 160 + 80) * 4 + 1]! - 40)).toBeLessThan(8);
  });

  test("a full frame's file is thumbnailed from its EXIF thumbnail when it has one, else from the frame itself", async () => {
    // Noise, so that the frames are far larger than the head read for EXIF.
    const noisy = (width: number, height: number, level: number) => {
      const data = new Uint8Array(width * height * 4);
      for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : level + ((i * 2654435761) >>> 28);
      return new Uint8Array(encode({ data, width, height }, 95).data);
    };
    const full = noisy(1600, 1200, 20);
    expect(full.length).toBeGreaterThan(512 * 1024);
    const exif = new Uint8Array([...new TextEncoder().encode("Exif\0\0II*\0"), 8, 0, 0, 0, 0, 0, ...noisy(320, 240, 200)]);
    const app1 = new Uint8Array([0xff, 0xe1, (exif.length + 2) >> 8, (exif.length + 2) & 0xff, ...exif]);
    const dir = mkdtempSync(join(tmpdir(), "skylapse-thumb-"));
    writeFileSync(join(dir, "exif.jpg"), new Uint8Array([...full.subarray(0, 2), ...app1, ...full.subarray(2)]));
    writeFileSync(join(dir, "plain.jpg"), full);
    const maker = new ThumbnailMaker();
    const fromExif = decode(await maker.make(join(dir, "exif.jpg")));
    const fromFrame = decode(await maker.make(join(dir, "plain.jpg")));
    expect([fromExif.width, fromExif.height, fromFrame.width, fromFrame.height]).toEqual([160, 120, 160, 120]);
    expect(fromExif.data[(60 * 160 + 80) * 4 + 1]!).toBeGreaterThan(190);
    expect(fromFrame.data[(60 * 160 + 80) * 4 + 1]!).toBeLessThan(50);
  });

  test("thumbnails of files, made off the main thread; a missing file is an error, not a hang", async () => {
    const width = 320;
    const height = 240;
    const data = new Uint8Array(width * height * 4).fill(128);
    const dir = mkdtempSync(join(tmpdir(), "skylapse-thumb-"));
    const path = join(dir, "a.jpg");
    writeFileSync(path, encode({ data, width, height }, 90).data);
    const maker = new ThumbnailMaker();
    try {
      const thumbs = await Promise.all([maker.make(path), maker.make(path)]);
      for (const t of thumbs) expect([decode(t).width, decode(t).height]).toEqual([160, 120]);
      const missing = await maker.make(join(dir, "missing.jpg")).then(() => "made", (e: Error) => e.message);
      expect(missing).toContain("ENOENT");
    } finally {
      maker.stop();
    }
  });

  test("the policy decides which full images go", () => {
    expect(wantsFullImage(undefined, "a")).toBe(true);
    expect(wantsFullImage("all", "a")).toBe(true);
    expect(wantsFullImage("thumbnails", "a")).toBe(false);
    expect(wantsFullImage({ schedules: ["sunset"] }, "sunset")).toBe(true);
    expect(wantsFullImage({ schedules: ["sunset"] }, "noon")).toBe(false);
  });

  test("the link budget holds a rate in real time: each piece waits for the bytes charged before it", async () => {
    const budget = new LinkBudget(100_000);
    expect(budget.chunkBytes(1024 * 1024)).toBe(25_000);
    const signal = new AbortController().signal;
    const t0 = performance.now();
    for (let i = 0; i < 9; i++) {
      await budget.ready(signal);
      budget.charge(25_000);
    }
    const seconds = (performance.now() - t0) / 1000;
    // 225 kB at 100 kB/s, less the first chunk's free start and the 0.25 s burst credit.
    expect(seconds).toBeGreaterThan(1.6);
    expect(seconds).toBeLessThan(2.6);
  });
});
