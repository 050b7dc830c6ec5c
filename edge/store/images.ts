import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { durableWrite, TEMP_PREFIX } from "../../shared/durable-file";

/** A write that would replace the image of a committed capture. */
export class ImageTaken extends Error {
  constructor(readonly file: string) {
    super(`${file} already holds the image of a logged capture; it is never replaced`);
  }
}

/** A bracket frame (`STEM_ev-2.jpg`) belongs to the capture whose main image is `STEM.jpg`. */
const mainImageOf = (file: string) => file.replace(/_ev[+-]?\d+(\.\d+)?\.jpg$/, ".jpg");

/**
 * Images live under one root; every path handed in is relative and checked to stay
 * inside it. An image a committed capture record names is never overwritten
 * (`committed` says which files those are; without it, no existing file is).
 */
export class ImageStore {
  readonly root: string;
  constructor(
    root: string,
    private readonly committed: (file: string) => boolean = () => true,
  ) {
    this.root = resolve(root);
    mkdirSync(this.root, { recursive: true });
  }

  pathOf(file: string): string {
    const full = resolve(this.root, file);
    if (full !== this.root && !full.startsWith(this.root + sep)) throw new Error(`image path escapes the image root: ${file}`);
    return full;
  }

  /** True when `file` is on disk and belongs to a committed capture (a file left by an interrupted capture does not). */
  holds(file: string): boolean {
    return existsSync(this.pathOf(file)) && this.committed(mainImageOf(file));
  }

  /**
   * Writes durably (shared/durable-file): a crash leaves either no file or the whole
   * file under its final name. Throws ImageTaken rather than replace a committed image.
   */
  write(file: string, bytes: Uint8Array): void {
    if (this.holds(file)) throw new ImageTaken(file);
    durableWrite(this.pathOf(file), bytes);
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
