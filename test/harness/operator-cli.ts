import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

export interface CliRun {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * `skylapse ARGS` as an operator runs it, in its own process (async: the hub
 * answering it may live in this one), against `hubUrl` with the operator token.
 * HOME is the test's (never the developer's saved settings); `env` adds to it.
 */
export async function operatorCli(hub: { url: string; token: string; home?: string }, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const proc = Bun.spawn(["bun", join(ROOT, "hub/cli/main.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: hub.home ?? "/nonexistent", SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_OPERATOR_TOKEN: hub.token, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}
