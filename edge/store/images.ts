import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const TEMP_PREFIX = ".tmp-";

/** Images live under one root; every path handed in is relative and checked to stay inside it. */
export class ImageStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
    mkdirSync(this.root, { recursive: true });
  }

  pathOf(file: string): string {
    const full = resolve(this.root, file);
    if (full !== this.root && !full.startsWith(this.root + sep)) throw new Error(`image path escapes the image root: ${file}`);
    return full;
  }

  /**
   * Writes durably: temp file in the same folder, fsync, rename, fsync the folder.
   * A crash leaves either no file or the whole file under its final name.
   */
  write(file: string, bytes: Uint8Array): void {
    const target = this.pathOf(file);
    const dir = dirname(target);
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `${TEMP_PREFIX}${process.pid}-${Math.random().toString(36).slice(2)}`);
    const fd = openSync(temp, "w", 0o644);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
    const dirFd = openSync(dir, "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  /** Removes temp files a crash left behind; returns how many. */
  cleanTempFiles(): number {
    let removed = 0;
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.startsWith(TEMP_PREFIX)) {
          rmSync(full, { force: true });
          removed++;
        }
      }
    };
    walk(this.root);
    return removed;
  }

  /** A capture's files: its main image and any bracket frames beside it (`STEM_ev-2.jpg`). */
  filesOf(file: string): string[] {
    const full = this.pathOf(file);
    const dir = dirname(full);
    const stem = full.slice(dir.length + 1).replace(/\.jpg$/, "");
    let siblings: string[] = [];
    try {
      siblings = readdirSync(dir).filter((name) => name.startsWith(`${stem}_ev`) && name.endsWith(".jpg"));
    } catch {
      return [file];
    }
    return [file, ...siblings.map((name) => relative(this.root, join(dir, name)))];
  }

}
