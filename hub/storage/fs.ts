import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { durableWrite, durableWriteAsync, FolderSyncs, fsyncAsync } from "../../shared/durable-file";
import { type ImageStorage, KEY_SHAPE, OffsetMismatch } from "./index";

/**
 * Image storage on the local filesystem: DATA_DIR/images/CAMERA/{thumbnails,full,partial}/ID,
 * and rendered timelapses in DATA_DIR/images/timelapses/.
 * Whole objects are written to a temp file, fsynced and renamed; appends check the
 * offset and write in one synchronous step, so two requests for the same upload
 * cannot interleave within this process. The fsyncs run off the JavaScript thread
 * (a request waits for them, the other requests do not), folder fsyncs shared by
 * concurrent writes.
 */
export class FsImageStorage implements ImageStorage {
  readonly root: string;
  private readonly folders = new FolderSyncs();
  constructor(root: string) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    if (!KEY_SHAPE.test(key)) throw new Error(`not an image key: ${key}`);
    const full = resolve(this.root, key);
    if (!full.startsWith(this.root + sep)) throw new Error(`image key escapes the image root: ${key}`);
    return full;
  }

  private sizeSync(path: string): number | null {
    try {
      return statSync(path).size;
    } catch {
      return null;
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await durableWriteAsync(this.pathOf(key), bytes, this.folders);
  }

  async append(key: string, offset: number, bytes: Uint8Array): Promise<number> {
    const path = this.pathOf(key);
    const current = this.sizeSync(path) ?? 0;
    if (offset !== current) throw new OffsetMismatch(current);
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, "a", 0o644);
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
    } finally {
      closeSync(fd);
    }
    await fsyncAsync(path);
    return current + bytes.length;
  }

  async size(key: string): Promise<number | null> {
    return this.sizeSync(this.pathOf(key));
  }

  async read(key: string, range?: { start: number; end: number }): Promise<ReadableStream<Uint8Array> | null> {
    const path = this.pathOf(key);
    if (this.sizeSync(path) === null) return null;
    const file = Bun.file(path);
    return (range ? file.slice(range.start, range.end + 1) : file).stream();
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.pathOf(to);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(this.pathOf(from), target);
  }

  async delete(key: string): Promise<void> {
    rmSync(this.pathOf(key), { force: true });
  }

  async putFile(key: string, path: string): Promise<void> {
    const target = this.pathOf(key);
    mkdirSync(dirname(target), { recursive: true });
    try {
      renameSync(path, target);
      await this.folders.sync(dirname(target));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
      // Another filesystem: copied in, then the original removed.
      durableWrite(target, readFileSync(path));
      rmSync(path, { force: true });
    }
  }

  localPath(key: string): string | null {
    const path = this.pathOf(key);
    return this.sizeSync(path) === null ? null : path;
  }
}
