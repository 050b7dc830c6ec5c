/**
 * Agent updates over the air, end to end: real x64 releases built by `build:agent
 * --release`, signed and published with the `skylapse` CLI, installed on a camera whose
 * launcher runs under a stand-in systemd (Restart=always), against a real hub.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packRelease } from "../../edge/deploy/release";
import { releaseKey } from "../../hub/storage";
import { hubImage, hubStorage } from "../harness/hub-storage";
import { sharedClock, startHub, tempDir, type StartedHub, waitFor } from "../harness/processes";
import { DENVER, expectedTicks, hubCaptures } from "../harness/scenario";
import { buildRelease, installCamera, operatorJson } from "../harness/releases";
import type { Supervisor } from "../harness/supervisor";

const ROOT = join(import.meta.dir, "..", "..");
const config = {
  location: DENVER,
  schedules: { day: { start_time: "08:00", end_time: "17:00", interval_seconds: 20 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["day"] } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 4, plan_days: 1 },
};
/** A tick every 5 real seconds: longer than a restart takes, as a real camera's interval is. */
const SPEED = 4;
const MB = 1024 * 1024;

describe("agent updates over the air", () => {
  const dir = tempDir("ota");
  const installDir = join(dir, "install");
  const releases = (v: string) => join(dir, `release-${v}`);
  let hub: StartedHub;
  let camera: Supervisor;
  let agentUrl = "";
  const clock = sharedClock("2026-11-24T16:00:00Z", SPEED, 60_000);

  let cli: ReturnType<typeof operatorJson>;
  const build = (version: string, runtime?: string) => buildRelease(releases(version), version, runtime);

  /** A release whose code exits at once (a version that crashes at start), or runs and never gets healthy (hangs, or cannot reach the hub). */
  function broken(version: string, how: "crash" | "hang") {
    const bundle = join(dir, `${how}-${version}.js`);
    const code = how === "crash" ? `console.error("agent ${version}: crashing at start"); process.exit(3);` : `console.error("agent ${version}: running, never healthy"); setInterval(() => {}, 1000);`;
    writeFileSync(bundle, `${code}\n`);
    return packRelease({ version, arch: "x64", runtimePath: process.execPath, bunVersion: Bun.version, bundlePath: bundle, outdir: releases(version), cacheDir: join(ROOT, ".build", "runtimes"), now: Date.now() });
  }

  const agents = async () => (await hub.json<any[]>("/api/agents")).find((a) => a.camera_id === "ridge");
  const agentStatus = async () => (await fetch(`${agentUrl}/status`)).json() as Promise<any>;
  const lastUpdate = (version: string, result: string) =>
    waitFor(`update ${version} ${result}`, async () => {
      const a = await agents();
      return a?.last_update?.version === version && a.last_update.result === result && a;
    }, 150_000, 500);

  beforeAll(async () => {
    const key = join(dir, "release.key");
    const other = join(dir, "other.key");
    hub = await startHub({ config, clock });
    cli = operatorJson(hub, dir);
    const keys = await cli("releases", "keygen", key);
    await cli("releases", "keygen", other);
    build("1.0.0");
    build("2.0.0");
    build("2.1.0");
    broken("2.2.0", "crash");
    broken("3.0.0", "crash");
    broken("3.1.0", "hang");
    // A runtime whose bytes differ from the installed one (this Bun with a note appended), standing in for a new Bun release.
    const runtime2 = join(dir, "bun-next");
    copyFileSync(process.execPath, runtime2);
    appendFileSync(runtime2, "\n# skylapse: the next runtime\n");
    build("4.0.0", runtime2);
    for (const v of ["1.0.0", "2.0.0", "2.1.0", "3.0.0", "3.1.0", "4.0.0"]) await cli("releases", "sign", releases(v), "--key", key);
    await cli("releases", "sign", releases("2.2.0"), "--key", other);
    for (const v of ["1.0.0", "2.0.0", "2.1.0", "2.2.0", "3.0.0", "3.1.0", "4.0.0"]) await cli("releases", "publish", releases(v));

    ({ camera, url: agentUrl } = await installCamera({
      hub,
      dir,
      release: releases("1.0.0"),
      cameraId: "ridge",
      publicKey: keys.public_key,
      clock,
      env: {
        SKYLAPSE_UPDATE_TRIAL_SECONDS: "20",
        // 40 Mbit/s: the compressed runtime (~50 MB) takes seconds, long enough to cut.
        SKYLAPSE_UPDATE_BANDWIDTH_KBPS: "40000",
      },
    }));
  }, 240_000);

  afterAll(async () => {
    await camera?.stop();
    await hub?.stop(true);
    // Seven releases with a 50 MB runtime each: not left in the temp folder.
    rmSync(dir, { recursive: true, force: true });
  });

  test("the installed release runs under the launcher and reports its version", async () => {
    const a = await waitFor("1.0.0 running", async () => {
      const a = await agents();
      return a?.running === "1.0.0" && a;
    }, 60_000);
    expect(a.assigned).toBeNull();
  }, 90_000);

  test("a code-only update converges and moves only the compressed bundle", async () => {
    const [assigned] = await cli("agents", "assign", "ridge", "2.0.0");
    expect(assigned.converged).toBe(false);
    const a = await lastUpdate("2.0.0", "installed");
    expect(a.running).toBe("2.0.0");
    expect(a.converged).toBe(true);
    const bundleBytes = JSON.parse(readFileSync(join(releases("2.0.0"), "manifest.json"), "utf8")).bundle.bytes;
    expect(a.last_update.full).toBe(false);
    expect(a.last_update.bytes_moved).toBe(bundleBytes);
    const view = (await cli("releases", "list")).find((r: any) => r.version === "2.0.0");
    expect(view.updates.map((u: any) => [u.camera_id, u.result, u.bytes_moved])).toEqual([["ridge", "installed", bundleBytes]]);
    console.log(`code-only update: ${a.last_update.bytes_moved} bytes moved (runtime ${view.arches[0].runtime_bytes} bytes not moved)`);
  }, 180_000);

  test("a tampered artifact and a manifest signed by another key are refused", async () => {
    const bundleSha = JSON.parse(readFileSync(join(releases("2.1.0"), "manifest.json"), "utf8")).bundle.sha256;
    const stored = releaseKey(bundleSha, "artifact");
    const bytes = (await hubImage(hub, stored))!;
    bytes[bytes.length >> 1]! ^= 0xff;
    await hubStorage(hub).put(stored, bytes);
    await cli("agents", "assign", "ridge", "2.1.0");
    const tampered = await lastUpdate("2.1.0", "refused");
    expect(tampered.last_update.detail).toContain("sha256");
    expect(tampered.running).toBe("2.0.0");

    await cli("agents", "assign", "ridge", "2.2.0");
    const forged = await lastUpdate("2.2.0", "refused");
    expect(forged.last_update.detail).toContain("not signed");
    expect(forged.last_update.bytes_moved).toBe(0);
    expect(forged.running).toBe("2.0.0");
    expect(JSON.stringify((await agentStatus()).incidents)).toContain("update_failed");
  }, 180_000);

  test("a release that crashes at start is rolled back by the launcher, the camera shooting on", async () => {
    const from = Date.parse((await agentStatus()).clock.now);
    await cli("agents", "assign", "ridge", "3.0.0");
    const a = await lastUpdate("3.0.0", "rolled_back");
    expect(a.running).toBe("2.0.0");
    expect(a.converged).toBe(false);
    expect(a.last_update.detail).toContain("before it confirmed healthy");
    expect(camera.output).toContain("crashing at start");
    // Shooting goes on: later ticks are captured, and every planned tick since the assignment is accounted for.
    const status = await agentStatus();
    const until = Date.parse(status.clock.now);
    await waitFor("captures after the rollback", async () => {
      const records = await hubCaptures(hub, "ridge", from, 4_000_000_000_000);
      return records.filter((r) => r.outcome === "captured" && Date.parse(r.planned_at) > until).length >= 3;
    }, 60_000, 500);
    const records = await hubCaptures(hub, "ridge", from, until);
    const planned = expectedTicks(config, "ridge", from, until).map((t) => new Date(t.at).toISOString());
    expect(records.map((r) => r.planned_at).sort()).toEqual(planned.sort());
    const missed = records.filter((r) => r.outcome !== "captured");
    console.log(`crash rollback: ${planned.length} ticks planned, ${missed.length} missed (${missed.map((r) => r.reason_code).join(", ")})`);
    // The restart comes right after a capture: the tick during it is the most that is missed, and it is recorded.
    expect(missed.length).toBeLessThanOrEqual(1);
    expect(missed.every((r) => r.reason_code === "agent_down")).toBe(true);
    expect(JSON.stringify(status.incidents)).toContain("3.0.0");
  }, 180_000);

  test("a release that runs but never gets healthy is rolled back when its trial runs out", async () => {
    const from = Date.parse((await agentStatus()).clock.now);
    await cli("agents", "assign", "ridge", "3.1.0");
    const a = await lastUpdate("3.1.0", "rolled_back");
    expect(a.running).toBe("2.0.0");
    expect(a.last_update.detail).toContain("not healthy");
    expect(camera.output).toContain("never healthy");
    const until = Date.parse((await agentStatus()).clock.now);
    await waitFor("a capture after the rollback", async () => {
      const records = await hubCaptures(hub, "ridge", until, 4_000_000_000_000);
      return records.some((r) => r.outcome === "captured");
    }, 60_000, 500);
    const records = await hubCaptures(hub, "ridge", from, until);
    expect(records.map((r) => r.planned_at).sort()).toEqual(expectedTicks(config, "ridge", from, until).map((t) => new Date(t.at).toISOString()).sort());
    expect(records.filter((r) => r.outcome !== "captured").every((r) => r.reason_code === "agent_down")).toBe(true);
  }, 180_000);

  test("a full update cut by kill -9 mid-download resumes where it stopped", async () => {
    const m = JSON.parse(readFileSync(join(releases("4.0.0"), "manifest.json"), "utf8"));
    const part = join(installDir, "downloads", `${m.runtime.sha256}.part`);
    await cli("agents", "assign", "ridge", "4.0.0");
    const atKill = await waitFor("the runtime download under way", async () => existsSync(part) && statSync(part).size > 8 * MB && statSync(part).size, 120_000, 100);
    camera.killHard();
    // The resumed download's effect on capture timing: the restarted agent's tick jitter, sampled while it downloads.
    let jitter: any = null;
    const sampling = (async () => {
      for (let i = 0; i < 600; i++) {
        const s = await agentStatus().catch(() => null);
        if (s?.agent?.update?.phase === "downloading") jitter = s.tick_jitter_ms;
        else if (jitter) return;
        await Bun.sleep(100);
      }
    })();
    const a = await lastUpdate("4.0.0", "installed");
    await sampling;
    expect(a.running).toBe("4.0.0");
    expect(a.last_update.full).toBe(true);
    const full = m.runtime.bytes + m.bundle.bytes;
    expect(camera.output).toMatch(/runtime resumes at byte \d+ of/);
    // Bytes the resumed download moved: what the update moved, less what was on disk at the kill.
    const afterResume = a.last_update.bytes_moved - atKill;
    expect(afterResume).toBeLessThan(full);
    expect(a.last_update.bytes_moved).toBeLessThanOrEqual(full + 256 * 1024);
    console.log(`full update: ${a.last_update.bytes_moved} bytes moved (runtime ${m.runtime.bytes} + bundle ${m.bundle.bytes}); ${atKill} on disk at kill -9, ${afterResume} moved after it; tick jitter while downloading ${JSON.stringify(jitter)} ms`);
  }, 240_000);

  test("agents rollback assigns the version it ran before, and only the bundle moves", async () => {
    const [a] = await cli("agents", "rollback", "ridge");
    expect(a.assigned).toBe("2.0.0");
    const back = await lastUpdate("2.0.0", "installed");
    expect(back.running).toBe("2.0.0");
    expect(back.last_update.full).toBe(false);
  }, 180_000);
});
