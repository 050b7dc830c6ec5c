/**
 * An earlier commit of this repository as a runnable tree, for tests that run an
 * older hub or agent beside this one (test/e2e/rolling-upgrade.test.ts):
 * `git archive COMMIT | tar -x` into a temp dir, with this checkout's
 * node_modules linked in when the lockfile is the same, else `bun install
 * --offline` from the package cache. Made once per commit per test process.
 */
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./processes";

const ROOT = join(import.meta.dir, "..", "..");
const trees = new Map<string, string>();

function git(args: string[]): { ok: boolean; out: Buffer; err: string } {
  const r = Bun.spawnSync(["git", "-C", ROOT, ...args], { stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, out: r.stdout, err: r.stderr.toString().trim() };
}

/** The directory holding `commit`'s tree, ready to run (`bun DIR/hub/main.ts`). */
export function previousRelease(commit: string): string {
  const made = trees.get(commit);
  if (made) return made;
  if (!git(["rev-parse", "--verify", "--quiet", `${commit}^{commit}`]).ok)
    throw new Error(`commit ${commit} is not in this checkout's git history (${ROOT}): a shallow or exported copy cannot run the rolling-upgrade test; fetch the history (git fetch --unshallow) first`);
  const dir = tempDir(`release-${commit}`);
  const archive = Bun.spawnSync(["sh", "-c", `git -C '${ROOT}' archive ${commit} | tar -x -C '${dir}'`], { stdout: "pipe", stderr: "pipe" });
  if (archive.exitCode !== 0 || !existsSync(join(dir, "hub", "main.ts"))) throw new Error(`git archive ${commit} failed: ${archive.stderr.toString()}`);
  const sameLock = readFileSync(join(dir, "bun.lock"), "utf8") === readFileSync(join(ROOT, "bun.lock"), "utf8");
  if (sameLock) symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  else {
    const install = Bun.spawnSync(["bun", "install", "--frozen-lockfile", "--offline"], { cwd: dir, stdout: "pipe", stderr: "pipe" });
    if (install.exitCode !== 0) throw new Error(`bun install --offline for ${commit}'s lockfile failed (its packages are not all in the cache): ${install.stderr.toString()}`);
  }
  trees.set(commit, dir);
  return dir;
}
