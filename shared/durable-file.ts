import { closeSync, fsync, fsyncSync, mkdirSync, openSync, renameSync, write, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Prefix of the temp files durableWrite leaves behind when a crash interrupts it. */
export const TEMP_PREFIX = ".tmp-";

/**
 * Writes a file durably: a temp file in the same folder, fsync, rename, fsync the
 * folder. A crash or power cut leaves the old file or the whole new one under its
 * final name (and at most a TEMP_PREFIX file beside it).
 */
export function durableWrite(target: string, bytes: Uint8Array | string, mode = 0o644): void {
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `${TEMP_PREFIX}${basename(target)}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(temp, "w", mode);
  try {
    writeSync(fd, typeof bytes === "string" ? Buffer.from(bytes) : bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
  fsyncDir(dir);
}

/** Makes the folder's entries (a rename into it) durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Above this a write leaves the JavaScript thread; a thumbnail is written in place (one system call, no thread hand-off). */
const INLINE_WRITE_BYTES = 256 * 1024;

const fsyncFd = (fd: number) => new Promise<void>((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
const writeFd = (fd: number, bytes: Uint8Array, offset: number) =>
  new Promise<number>((resolve, reject) => write(fd, bytes, offset, bytes.length - offset, null, (e, n) => (e ? reject(e) : resolve(n))));

/** Opens a new file for writing; its folder is made only when missing (no mkdir per write). */
function createFile(path: string, mode: number): number {
  try {
    return openSync(path, "w", mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, "w", mode);
  }
}

/**
 * durableWrite for a server's request path: the same steps, the fsyncs off the
 * JavaScript thread, and the folder's fsync shared by the writes renamed into it
 * meanwhile (`folders`). Resolves once the file is durable under its name.
 */
export async function durableWriteAsync(target: string, bytes: Uint8Array, folders: FolderSyncs, mode = 0o644): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, `${TEMP_PREFIX}${basename(target)}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = createFile(temp, mode);
  try {
    let written = 0;
    while (written < bytes.length) written += bytes.length - written > INLINE_WRITE_BYTES ? await writeFd(fd, bytes, written) : writeSync(fd, bytes, written);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
  await folders.sync(dir);
}

/** fsync of a file (or folder) already written, off the JavaScript thread. */
export async function fsyncAsync(path: string): Promise<void> {
  const fd = openSync(path, "r");
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Folder fsyncs shared by concurrent writers: a caller waits for one fsync of
 * the folder that starts after it asked (so it covers the caller's rename);
 * callers asking while one runs share the next.
 */
export class FolderSyncs {
  private next = new Map<string, Promise<void>>();
  private running = new Map<string, Promise<void>>();

  sync(dir: string): Promise<void> {
    const queued = this.next.get(dir);
    if (queued) return queued;
    const before = this.running.get(dir) ?? Promise.resolve();
    const turn = before
      .catch(() => {})
      .then(async () => {
        this.next.delete(dir);
        const run = fsyncAsync(dir);
        this.running.set(dir, run);
        try {
          await run;
        } finally {
          if (this.running.get(dir) === run) this.running.delete(dir);
        }
      });
    this.next.set(dir, turn);
    return turn;
  }
}
