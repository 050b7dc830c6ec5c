/**
 * A previous release of this repository as a runnable tree, for tests that run an
 * older hub or agent beside this one (test/e2e/rolling-upgrade.test.ts).
 *
 * Releases are kept as source archives in test/fixtures/releases/, made once when
 * the release was cut and never changed afterwards, so the test runs the same old
 * code from any checkout (a shallow clone or an exported tree has no history):
 *
 *   git archive --prefix=skylapse-VERSION/ COMMIT hub shared edge migrations \
 *     package.json bun.lock tsconfig.json | gzip -9n > test/fixtures/releases/skylapse-VERSION.tar.gz
 *
 * 0.1.0 is commit f0d8941. This checkout's node_modules are linked in when the
 * lockfile is the same, else `bun install --offline` from the package cache.
 * Unpacked once per version per test process.
 */
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./processes";

const ROOT = join(import.meta.dir, "..", "..");
const trees = new Map<string, string>();

/** The directory holding release `version`'s tree, ready to run (`bun DIR/hub/main.ts`). */
export function previousRelease(version: string): string {
  const made = trees.get(version);
  if (made) return made;
  const archive = join(ROOT, "test", "fixtures", "releases", `skylapse-${version}.tar.gz`);
  if (!existsSync(archive)) throw new Error(`no archive of release ${version} at ${archive}`);
  const parent = tempDir(`release-${version}`);
  const unpack = Bun.spawnSync(["tar", "-xzf", archive, "-C", parent], { stdout: "pipe", stderr: "pipe" });
  const dir = join(parent, `skylapse-${version}`);
  if (unpack.exitCode !== 0 || !existsSync(join(dir, "hub", "main.ts"))) throw new Error(`unpacking ${archive} failed: ${unpack.stderr.toString()}`);
  const sameLock = readFileSync(join(dir, "bun.lock"), "utf8") === readFileSync(join(ROOT, "bun.lock"), "utf8");
  if (sameLock) symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  else {
    const install = Bun.spawnSync(["bun", "install", "--frozen-lockfile", "--offline"], { cwd: dir, stdout: "pipe", stderr: "pipe" });
    if (install.exitCode !== 0) throw new Error(`bun install --offline for release ${version}'s lockfile failed (its packages are not all in the cache): ${install.stderr.toString()}`);
  }
  trees.set(version, dir);
  return dir;
}
