/**
 * Agent releases for the update tests and bench: `build:agent --release` builds,
 * the operator's `skylapse` CLI in-process, and a camera installed from a release
 * whose launcher runs under the stand-in systemd.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runOperatorCli } from "../../hub/cli/main";
import type { SimClock, StartedHub } from "./processes";
import { freePort, Supervisor } from "./supervisor";

const ROOT = join(import.meta.dir, "..", "..");

/** The operator CLI against `hub` with `--json`: its parsed output, or a throw on a non-zero exit. */
export function operatorJson(hub: StartedHub, dir: string) {
  return async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOperatorCli([...argv, "--json"], {
      env: { SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_OPERATOR_TOKEN: hub.operatorToken, SKYLAPSE_CLI_CONFIG: join(dir, "none.json") },
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    if (code !== 0) throw new Error(`skylapse ${argv.join(" ")}: exit ${code}: ${err.join("\n")}`);
    return out.length ? JSON.parse(out.join("\n")) : null;
  };
}

/** An x64 release of `version` into `outdir` (with `runtime` instead of this Bun); its manifest. */
export function buildRelease(outdir: string, version: string, runtime?: string) {
  const proc = Bun.spawnSync(
    ["bun", join(ROOT, "edge/deploy/build.ts"), "--release", "--version", version, "--target", "bun-linux-x64", "--outdir", outdir, ...(runtime ? ["--runtime", runtime] : [])],
    { cwd: ROOT },
  );
  if (proc.exitCode !== 0) throw new Error(`build ${version}: ${proc.stderr.toString()}`);
  return JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
}

export interface InstalledCamera {
  camera: Supervisor;
  url: string;
}

/** `release` installed into `dir`/install, its launcher started under the stand-in systemd as `cameraId` of `hub`. */
export async function installCamera(opts: {
  hub: StartedHub;
  dir: string;
  release: string;
  cameraId: string;
  publicKey: string;
  clock: SimClock;
  env?: Record<string, string>;
}): Promise<InstalledCamera> {
  const installDir = join(opts.dir, "install");
  const install = Bun.spawnSync(["bun", join(ROOT, "edge/deploy/install.ts"), "--release", opts.release, "--into", installDir], { cwd: ROOT });
  if (install.exitCode !== 0) throw new Error(`install: ${install.stderr.toString()}`);
  const token = (await opts.hub.json(`/api/cameras/${opts.cameraId}/token`, { method: "POST" })).token;
  const port = await freePort();
  mkdirSync(join(opts.dir, "data"), { recursive: true });
  const camera = new Supervisor([join(installDir, "launcher.sh")], {
    SKYLAPSE_INSTALL_DIR: installDir,
    SKYLAPSE_DATA_DIR: join(opts.dir, "data"),
    SKYLAPSE_PORT: String(port),
    SKYLAPSE_HOST: "127.0.0.1",
    SKYLAPSE_CAMERA_ID: opts.cameraId,
    SKYLAPSE_HUB_URL: opts.hub.url,
    SKYLAPSE_AGENT_TOKEN: token,
    SKYLAPSE_RELEASE_PUBKEY: opts.publicKey,
    SKYLAPSE_CLOCK_START: opts.clock.start,
    SKYLAPSE_CLOCK_SPEED: String(opts.clock.speed),
    SKYLAPSE_CLOCK_ANCHOR: opts.clock.anchor,
    ...opts.env,
  });
  return { camera, url: `http://127.0.0.1:${port}` };
}
