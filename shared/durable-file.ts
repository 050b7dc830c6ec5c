import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
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
