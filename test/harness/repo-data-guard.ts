/**
 * Preloaded by `bun test` (bunfig.toml): tests keep their files in their own
 * temporary directories, never in the repo's `.data/` (a developer's demo and
 * hub live there). After the run, anything a test wrote there fails it.
 */
import { afterAll } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const DATA = join(import.meta.dir, "..", "..", ".data");

function snapshot(): Map<string, number> {
  const files = new Map<string, number>();
  if (!existsSync(DATA)) return files;
  for (const name of readdirSync(DATA, { recursive: true }) as string[]) {
    const path = join(DATA, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile()) files.set(relative(DATA, path), stat.mtimeMs);
  }
  return files;
}

const before = snapshot();

afterAll(() => {
  const written = [...snapshot()].filter(([path, mtime]) => before.get(path) !== mtime).map(([path]) => path);
  if (written.length) throw new Error(`tests wrote into the repo's .data/ (use a temporary directory): ${written.slice(0, 5).join(", ")}`);
});
