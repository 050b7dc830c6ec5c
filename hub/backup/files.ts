import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, writeSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const CHUNK = 1024 * 1024;

/** Copies a file durably (fsynced), hashing what it copied; null when the source is gone. */
export function copyHashed(from: string, to: string, mode = 0o600): { bytes: number; sha256: string } | null {
  let input: number;
  try {
    input = openSync(from, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
  const output = openSync(to, "w", mode);
  const hasher = new Bun.CryptoHasher("sha256");
  const buffer = Buffer.allocUnsafe(CHUNK);
  let bytes = 0;
  try {
    for (let n; (n = readSync(input, buffer, 0, CHUNK, null)) > 0; bytes += n) {
      const chunk = buffer.subarray(0, n);
      hasher.update(chunk);
      for (let written = 0; written < n; ) written += writeSync(output, chunk, written);
    }
    fsyncSync(output);
  } finally {
    closeSync(input);
    closeSync(output);
  }
  return { bytes, sha256: hasher.digest("hex") };
}

/** A file's size and sha256, or null when it is not there. */
export function hashFile(path: string): { bytes: number; sha256: string } | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  const hasher = new Bun.CryptoHasher("sha256");
  const buffer = Buffer.allocUnsafe(CHUNK);
  let bytes = 0;
  try {
    for (let n; (n = readSync(fd, buffer, 0, CHUNK, null)) > 0; bytes += n) hasher.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hasher.digest("hex") };
}

/** Every file under `root` (relative paths with /), sorted; folders that vanish while walked are skipped. */
export function filesUnder(root: string, skip: (relativePath: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const rel = relative(root, path).split("\\").join("/");
      if (skip(rel)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk(root);
  return out.sort();
}
