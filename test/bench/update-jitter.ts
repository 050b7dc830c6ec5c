/**
 * What a full agent update (runtime + bundle) costs capture timing: an installed
 * agent (launcher under the stand-in systemd, simulated camera, a tick every 3 s)
 * against a real hub; its tick jitter (`tick_jitter_ms` in /status, clock ms at ×1)
 * while idle, beside the same figure while it downloads a full update throttled by
 * SKYLAPSE_UPDATE_BANDWIDTH_KBPS so that the download spans 20 ticks or more.
 * Each window is a fresh agent process (restarted by kill -9 in between), so neither
 * figure carries the other's ticks. `bun test/bench/update-jitter.ts` runs it alone.
 */
import { appendFileSync, copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { FlickerRow as Row } from "./flicker";
import { sharedClock, startHub, type StartedHub, tempDir, waitFor } from "../harness/processes";
import { buildRelease, type InstalledCamera, installCamera, operatorJson } from "../harness/releases";
import { benchConfig } from "./records";

const MB = 1024 * 1024;
/**
 * A tick every 3 s, records sent at a 1 s poll: the download yields to waiting capture
 * records (they go first) but keeps a share of the link, so it converges at any tick.
 */
const TICK_SECONDS = 3;
const config = {
  ...benchConfig,
  schedules: { bench: { ...benchConfig.schedules.bench, interval_seconds: TICK_SECONDS } },
  sync: { poll_interval_seconds: 1, plan_days: 1 },
};

interface Jitter {
  p50: number;
  p99: number;
  n: number;
}

/** `downloadSeconds`: the throttled download's length at the cap (longer while records go first); ≥ 20 ticks. */
export async function updateJitter(downloadSeconds = 75): Promise<Row[]> {
  const dir = tempDir("bench-update-jitter");
  const releases = (v: string) => join(dir, `release-${v}`);
  // 10 s before the bench schedule's ticks, at real speed.
  const clock = sharedClock("2026-06-21T11:59:50Z", 1, 60_000);
  let hub: StartedHub | undefined;
  let installed: InstalledCamera | undefined;
  try {
    hub = await startHub({ config, clock });
    const cli = operatorJson(hub, dir);
    const keys = await cli("releases", "keygen", join(dir, "release.key"));
    buildRelease(releases("1.0.0"), "1.0.0");
    // A runtime whose bytes differ from the installed one: the update is the rare full transfer.
    const runtime2 = join(dir, "bun-next");
    copyFileSync(process.execPath, runtime2);
    appendFileSync(runtime2, "\n# skylapse: the next runtime\n");
    const manifest = buildRelease(releases("2.0.0"), "2.0.0", runtime2);
    for (const v of ["1.0.0", "2.0.0"]) {
      await cli("releases", "sign", releases(v), "--key", join(dir, "release.key"));
      await cli("releases", "publish", releases(v));
    }
    const fullBytes = manifest.runtime.bytes + manifest.bundle.bytes;
    const kbps = Math.max(1, Math.round((fullBytes * 8) / 1000 / downloadSeconds));
    installed = await installCamera({
      hub,
      dir,
      release: releases("1.0.0"),
      cameraId: "bench_cam",
      publicKey: keys.public_key,
      clock,
      env: { SKYLAPSE_UPDATE_BANDWIDTH_KBPS: String(kbps) },
    });
    const { camera, url } = installed;
    const status = async () => (await fetch(`${url}/status`)).json() as Promise<any>;

    // Idle: the fresh agent capturing, nothing to download, for about as many ticks as the download will span.
    const idleTicks = Math.ceil(downloadSeconds / TICK_SECONDS);
    const idle: Jitter = await waitFor("idle ticks", async () => {
      const s = await status().catch(() => null);
      return (s?.tick_jitter_ms?.n ?? 0) >= idleTicks && s.tick_jitter_ms;
    }, 120_000 + downloadSeconds * 2000, 200);

    camera.killHard();
    await Bun.sleep(500);
    await waitFor("the restarted agent", () => status().then((s) => s.tick_jitter_ms != null, () => false), 60_000, 100);
    await cli("agents", "assign", "bench_cam", "2.0.0");
    let during: Jitter | null = null;
    let ticksBefore = 0;
    // Sampled until the download ends: the last summary taken while downloading is the figure.
    const until = Date.now() + (downloadSeconds * 4 + 60) * 1000;
    while (Date.now() < until) {
      const s = await status().catch(() => null);
      if (s?.agent?.update?.phase === "downloading") {
        if (!during) ticksBefore = s.tick_jitter_ms.n;
        during = s.tick_jitter_ms;
      } else if (during) break;
      await Bun.sleep(50);
    }
    if (!during) throw new Error("the update was never seen downloading");
    const update = await waitFor("2.0.0 installed", async () => {
      const a = (await hub!.json<any[]>("/api/agents")).find((x) => x.camera_id === "bench_cam");
      return a?.last_update?.version === "2.0.0" && a.last_update.result === "installed" && a.last_update;
    }, 120_000, 500);

    const what = `n=${during.n - ticksBefore} ticks downloading (+${ticksBefore} before it) vs n=${idle.n} idle`;
    return [
      { metric: `agent tick jitter p50 during a full update download, ms (${what})`, value: during.p50, baseline: idle.p50, unit: "ms", baselineName: "the same agent idle (capturing, no download)" },
      { metric: "agent tick jitter p99 during a full update download, ms", value: during.p99, baseline: idle.p99, unit: "ms", baselineName: "the same agent idle (capturing, no download)" },
      {
        metric: `full update bytes moved, MB (throttled to ${kbps} kbit/s)`,
        value: update.bytes_moved / MB,
        baseline: fullBytes / MB,
        unit: "MB",
        baselineName: "the release's compressed runtime + bundle",
      },
    ];
  } catch (e) {
    console.error(`update-jitter: the agent's last output:\n${installed?.camera.output.slice(-3000)}`);
    throw e;
  } finally {
    await installed?.camera.stop();
    await hub?.stop(true);
    // Two releases with a ~50 MB runtime each: not left in the temp folder.
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  for (const r of await updateJitter()) console.log(`${r.metric}: ${r.value.toFixed(2)} vs ${r.baseline.toFixed(2)} (${r.baselineName}; ratio ${(r.value / r.baseline).toFixed(2)})`);
  process.exit(0);
}
