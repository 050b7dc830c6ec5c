/**
 * The ImageStorage contract (hub/storage/index.ts), rule by rule, against both
 * implementations: the filesystem store and the S3 store on a real radosgw
 * (the test run's one-node Ceph cluster, started on first use, ≈ 12–15 s).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CephS3, sharedCephS3 } from "../harness/ceph-s3";
import { tempDir } from "../harness/processes";
import { type ImageStorage, OffsetMismatch } from "../../hub/storage";
import { FsImageStorage } from "../../hub/storage/fs";
import { S3ImageStorage } from "../../hub/storage/s3";

const MiB = 1024 * 1024;
let ceph: CephS3;
beforeAll(async () => {
  ceph = await sharedCephS3("contract");
}, 90_000);

/** Per backend: a new store, returning a maker of processes' views of it (replicas on one data dir or one bucket). */
const backends: [string, () => () => ImageStorage][] = [
  ["filesystem", () => {
    const root = tempDir("storage");
    return () => new FsImageStorage(root);
  }],
  ["S3 (radosgw)", () => () => new S3ImageStorage(ceph)],
];

let serial = 0;
/** Keys of a camera no other test uses (the S3 tests share one bucket). */
function keys() {
  const cam = `cam${++serial}`;
  return { partial: `${cam}/partial/c1.part`, full: `${cam}/full/c1.jpg`, thumb: `${cam}/thumbnails/c1.jpg`, video: `timelapses/tl_${cam}.mp4` };
}

const bytesOf = (n: number, seed = 1) => {
  const b = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
};
const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

async function readAll(storage: ImageStorage, key: string, range?: { start: number; end: number }): Promise<Uint8Array | null> {
  const stream = await storage.read(key, range);
  return stream ? new Uint8Array(await new Response(stream).arrayBuffer()) : null;
}

async function offsetMismatch(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OffsetMismatch) return e.current;
    throw e;
  }
  throw new Error("expected an OffsetMismatch");
}

for (const [name, make] of backends) {
  describe(`ImageStorage on ${name}`, () => {
    let replica: () => ImageStorage;
    let storage: ImageStorage;
    beforeAll(() => {
      replica = make();
      storage = replica();
    });

    test("nothing stored: size and read answer null, delete is not an error", async () => {
      const k = keys();
      expect(await storage.size(k.full)).toBeNull();
      expect(await storage.read(k.full)).toBeNull();
      await storage.delete(k.full);
    });

    test("put stores the whole object and replaces an earlier one; reads honour inclusive ranges", async () => {
      const k = keys();
      await storage.put(k.thumb, bytesOf(5000, 1));
      const second = bytesOf(3000, 2);
      await storage.put(k.thumb, second);
      expect(await storage.size(k.thumb)).toBe(3000);
      expect(await readAll(storage, k.thumb)).toEqual(second);
      expect(await readAll(storage, k.thumb, { start: 0, end: 0 })).toEqual(second.subarray(0, 1));
      expect(await readAll(storage, k.thumb, { start: 100, end: 2999 })).toEqual(second.subarray(100));
      expect(await readAll(storage, k.thumb, { start: 1234, end: 2345 })).toEqual(second.subarray(1234, 2346));
    });

    test("append at the current size grows the object; any other offset is refused with the current size and changes nothing", async () => {
      const k = keys();
      expect(await offsetMismatch(storage.append(k.partial, 10, bytesOf(5)))).toBe(0);
      expect(await storage.size(k.partial)).toBeNull();
      const a = bytesOf(1000, 3);
      const b = bytesOf(700, 4);
      expect(await storage.append(k.partial, 0, a)).toBe(1000);
      expect(await offsetMismatch(storage.append(k.partial, 0, b))).toBe(1000);
      expect(await offsetMismatch(storage.append(k.partial, 999, b))).toBe(1000);
      expect(await offsetMismatch(storage.append(k.partial, 1001, b))).toBe(1000);
      expect(await storage.append(k.partial, 1000, b)).toBe(1700);
      expect(await storage.append(k.partial, 1700, new Uint8Array())).toBe(1700);
      expect(await storage.size(k.partial)).toBe(1700);
      const whole = Buffer.concat([a, b]);
      expect(await readAll(storage, k.partial)).toEqual(new Uint8Array(whole));
      // A range across the seam between two appends.
      expect(await readAll(storage, k.partial, { start: 990, end: 1010 })).toEqual(new Uint8Array(whole.subarray(990, 1011)));
      expect(await readAll(storage, k.partial, { start: 1200, end: 1699 })).toEqual(b.subarray(200));
    });

    test("an empty append at 0 creates an empty object", async () => {
      const k = keys();
      expect(await storage.append(k.partial, 0, new Uint8Array())).toBe(0);
      expect(await storage.size(k.partial)).toBe(0);
      expect(await readAll(storage, k.partial)).toEqual(new Uint8Array());
    });

    test("append continues an object that was put whole", async () => {
      const k = keys();
      await storage.put(k.partial, bytesOf(100, 5));
      expect(await storage.append(k.partial, 100, bytesOf(50, 6))).toBe(150);
      expect(await readAll(storage, k.partial)).toEqual(new Uint8Array(Buffer.concat([bytesOf(100, 5), bytesOf(50, 6)])));
      await storage.put(k.partial, bytesOf(10, 7));
      expect(await readAll(storage, k.partial)).toEqual(bytesOf(10, 7));
    });

    test("move takes an upload to its final key, replacing what was there; the old key is empty", async () => {
      const k = keys();
      await storage.put(k.full, bytesOf(10, 8));
      await storage.append(k.partial, 0, bytesOf(300, 9));
      await storage.append(k.partial, 300, bytesOf(200, 10));
      await storage.move(k.partial, k.full);
      expect(await storage.size(k.partial)).toBeNull();
      expect(await readAll(storage, k.full)).toEqual(new Uint8Array(Buffer.concat([bytesOf(300, 9), bytesOf(200, 10)])));
      // The upload can start again from 0 at the old key.
      expect(await storage.append(k.partial, 0, bytesOf(3))).toBe(3);
    });

    test("delete removes an object and an upload in progress", async () => {
      const k = keys();
      await storage.append(k.partial, 0, bytesOf(100));
      await storage.append(k.partial, 100, bytesOf(100));
      await storage.delete(k.partial);
      expect(await storage.size(k.partial)).toBeNull();
      expect(await storage.read(k.partial)).toBeNull();
      expect(await storage.append(k.partial, 0, bytesOf(7, 11))).toBe(7);
      expect(await readAll(storage, k.partial)).toEqual(bytesOf(7, 11));
    });

    test("a 12 MiB upload in 1 MiB chunks: size, ranges across chunks, moved whole (multipart) with its sha256", async () => {
      const k = keys();
      const whole = bytesOf(12 * MiB + 12345, 12);
      let at = 0;
      while (at < whole.length) at = await storage.append(k.partial, at, whole.subarray(at, at + MiB));
      expect(at).toBe(whole.length);
      expect(await storage.size(k.partial)).toBe(whole.length);
      expect(sha((await readAll(storage, k.partial))!)).toBe(sha(whole));
      expect(await readAll(storage, k.partial, { start: 3 * MiB - 10, end: 5 * MiB + 10 })).toEqual(whole.subarray(3 * MiB - 10, 5 * MiB + 11));
      await storage.move(k.partial, k.full);
      expect(await storage.size(k.full)).toBe(whole.length);
      expect(sha((await readAll(storage, k.full))!)).toBe(sha(whole));
      expect(await readAll(storage, k.full, { start: 7 * MiB + 1, end: 9 * MiB })).toEqual(whole.subarray(7 * MiB + 1, 9 * MiB + 1));
      expect(await storage.size(k.partial)).toBeNull();
    }, 60_000);

    test("putFile takes in a local file (small and 12 MiB) and consumes it", async () => {
      const k = keys();
      const dir = tempDir("putfile");
      for (const size of [2000, 12 * MiB + 1]) {
        const path = join(dir, `v${size}.mp4`);
        const bytes = bytesOf(size, size);
        writeFileSync(path, bytes);
        await storage.putFile(k.video, path);
        expect(existsSync(path)).toBe(false);
        expect(await storage.size(k.video)).toBe(size);
        expect(sha((await readAll(storage, k.video))!)).toBe(sha(bytes));
      }
    }, 60_000);

    test("concurrent appends at one offset: exactly one lands, the others hear where the upload stands", async () => {
      const k = keys();
      const tries = Array.from({ length: 6 }, (_, i) => storage.append(k.partial, 0, bytesOf(100 + i, 20 + i)));
      const results = await Promise.allSettled(tries);
      const landed = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
      expect(landed.length).toBe(1);
      const size = 100 + landed[0]!;
      for (const r of results) if (r.status === "rejected") expect(r.reason).toEqual(new OffsetMismatch(size));
      expect(await readAll(storage, k.partial)).toEqual(bytesOf(size, 20 + landed[0]!));
      // Appends to different uploads at once all land.
      const others = Array.from({ length: 6 }, () => keys().partial);
      expect(await Promise.all(others.map((key, i) => storage.append(key, 0, bytesOf(50 + i))))).toEqual([50, 51, 52, 53, 54, 55]);
    });

    test("appends at one offset from several replicas of the store: exactly one lands, the others hear where the upload stands", async () => {
      const k = keys();
      const replicas = Array.from({ length: 4 }, replica);
      await replicas[0]!.append(k.partial, 0, bytesOf(64, 40));
      for (let round = 0; round < 3; round++) {
        const at = (await storage.size(k.partial))!;
        const results = await Promise.allSettled(replicas.map((r, i) => r.append(k.partial, at, bytesOf(10 + i, 50 + round * 10 + i))));
        const landed = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        expect(landed.length).toBe(1);
        const size = at + 10 + landed[0]!;
        for (const r of results) if (r.status === "rejected") expect(r.reason).toEqual(new OffsetMismatch(size));
        expect(await replicas[3]!.size(k.partial)).toBe(size);
      }
    });

    test("keys outside the shape are refused by every call", async () => {
      const bad = ["../etc/passwd", "cam/full/a.png", "cam/full/../../x.jpg", "cam/partial/a.part~chunks/000000000000000", "/cam/full/a.jpg", "timelapses/x.mp4"];
      for (const key of bad) {
        await expect(storage.put(key, bytesOf(1))).rejects.toThrow(/not an image key/);
        await expect(storage.append(key, 0, bytesOf(1))).rejects.toThrow(/not an image key/);
        await expect(storage.size(key)).rejects.toThrow(/not an image key/);
        await expect(storage.read(key)).rejects.toThrow(/not an image key/);
        await expect(storage.delete(key)).rejects.toThrow(/not an image key/);
        await expect(storage.move(key, "cam/full/a.jpg")).rejects.toThrow(/not an image key/);
        await expect(storage.move("cam/full/a.jpg", key)).rejects.toThrow(/not an image key/);
        expect(() => storage.localPath(key)).toThrow(/not an image key/);
      }
    });

    test("localPath: the file itself on a filesystem, null in a bucket", async () => {
      const k = keys();
      await storage.put(k.full, bytesOf(64, 30));
      const local = storage.localPath(k.full);
      if (storage instanceof S3ImageStorage) expect(local).toBeNull();
      else expect(new Uint8Array(readFileSync(local!))).toEqual(bytesOf(64, 30));
    });
  });
}
