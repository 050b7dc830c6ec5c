/**
 * A fresh machine without ffmpeg: the README's commands say so at once, in one
 * line with the install command, instead of failing renders at the end.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

/** A PATH holding bun and nothing else. */
function pathWithOnlyBun(): string {
  const dir = mkdtempSync(join(tmpdir(), "skylapse-path-"));
  symlinkSync(process.execPath, join(dir, "bun"));
  return dir;
}

async function run(args: string[]) {
  const proc = Bun.spawn(args, { cwd: ROOT, env: { HOME: process.env.HOME ?? "/tmp", PATH: pathWithOnlyBun() }, stdout: "pipe", stderr: "pipe" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  return { code, lines: stderr.trim().split("\n") };
}

test("the demo without ffmpeg stops before starting anything, naming the one command that installs it", async () => {
  const started = Date.now();
  const { code, lines } = await run(["bun", "test/demo/index.ts"]);
  expect(code).toBe(1);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^skylapse: demo needs ffmpeg \(timelapse renders\): run `(sudo )?apt-get update && (sudo )?apt-get install -y --no-install-recommends ffmpeg` and try again$/);
  expect(Date.now() - started).toBeLessThan(10_000);
});

test("the test command's check names every missing program in one line", async () => {
  const { code, lines } = await run(["bun", "test/prerequisites.ts", "test"]);
  expect(code).toBe(1);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain("ffmpeg (timelapse renders)");
  // The real servers of the hub's scaled-out tests, with the packages that bring them.
  expect(lines[0]).toContain("ceph (the hub on S3 (a real radosgw))");
  expect(lines[0]).toContain("haproxy (hub replicas behind a load balancer)");
  expect(lines[0]).toMatch(/install -y --no-install-recommends .*radosgw ceph-mon ceph-osd curl haproxy/);
});
