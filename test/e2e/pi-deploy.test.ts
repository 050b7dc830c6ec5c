import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { realMsUntil, sharedClock, startAgent, startHub, tempDir, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER, expectedTicks, hubCaptures } from "../harness/scenario";
import { duplicates } from "../harness/agent-db";

const ROOT = join(import.meta.dir, "..", "..");
const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:10", interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 20, plan_days: 1 },
};
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);

describe("putting it on a Pi", () => {
  const dir = tempDir("pi");
  const binary = join(dir, "skylapse-agent");
  const running: (StartedHub | StartedAgent)[] = [];
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop(true)));
  });

  test("the single-file build (x64 here, arm64 on the Pi) runs the capture scenario on its own", async () => {
    const build = Bun.spawnSync(["bun", join(ROOT, "edge/deploy/build.ts"), "--target", "bun-linux-x64", "--outfile", binary], { cwd: ROOT });
    expect(build.exitCode).toBe(0);
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    const hub = await startHub({ config, clock });
    running.push(hub);
    const agent = await startAgent({ cameraId: "ridge", hub, clock, command: [binary] });
    running.push(agent);
    await Bun.sleep(realMsUntil(clock, T("14:11")));
    await waitFor("the outbox to drain", async () => (await agent.json("/status")).backlog.count === 0, 20_000, 100);
    const records = await hubCaptures(hub, "ridge", 0, 4_000_000_000_000);
    expect(duplicates(records.map((r) => `${r.planned_at}|${r.profile_id}`))).toEqual([]);
    expect(records.map((r) => r.planned_at).sort()).toEqual(expectedTicks(config, "ridge", T("13:59"), T("14:11")).map((t) => new Date(t.at).toISOString()).sort());
    expect(records.filter((r) => r.outcome === "captured").length).toBeGreaterThanOrEqual(55);
  }, 120_000);

  test("the systemd unit passes systemd-analyze verify", () => {
    const unit = readFileSync(join(ROOT, "edge/deploy/skylapse-agent.service"), "utf8").replace("/opt/skylapse/launcher.sh", join(ROOT, "edge/deploy/skylapse-launcher.sh"));
    const copy = join(dir, "skylapse-agent.service");
    writeFileSync(copy, unit);
    const verify = Bun.spawnSync(["systemd-analyze", "verify", copy]);
    expect(verify.stderr.toString()).toBe("");
    expect(verify.exitCode).toBe(0);
  });

  test("under systemd the agent reports READY and pets the watchdog while its scheduler runs", async () => {
    const log = join(dir, "notify.log");
    const agent = await startAgent({
      cameraId: "ridge",
      env: {
        NOTIFY_SOCKET: join(dir, "notify.sock"),
        WATCHDOG_USEC: "2000000",
        FAKE_NOTIFY_LOG: log,
        PATH: `${join(ROOT, "test/fixtures")}:${process.env.PATH}`,
      },
    });
    running.push(agent);
    const lines = await waitFor("watchdog messages", async () => {
      const text = await Bun.file(log).text().catch(() => "");
      return text.split("\n").filter((l) => l === "WATCHDOG=1").length >= 3 && text;
    }, 10_000, 100);
    expect(lines.split("\n")[0]).toBe("READY=1");
  }, 30_000);
});
