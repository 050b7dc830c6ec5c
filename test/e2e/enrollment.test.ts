/**
 * Enrollment with real processes: the operator registers a camera and issues a
 * one-time code with the CLI; a new agent given only SKYLAPSE_ENROLLMENT_CODE
 * exchanges it, captures and uploads; a restart reuses the stored token; after
 * revocation its polls are refused (its status says so) and it keeps capturing
 * locally. A refused code is retried with backoff, never a crash loop.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAgentEnv } from "../../edge/config";
import { sharedClock, startAgent, startHub, type StartedAgent, type StartedHub, tempDir, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";

const ROOT = join(import.meta.dir, "..", "..");
const config = {
  location: DENVER,
  schedules: { allday: { start_time: "00:00", end_time: "23:59", interval_seconds: 10 } },
  cameras: {},
  profiles: { f: { base: { metering: "spot", ev: 0.3 } } },
  sync: { poll_interval_seconds: 10, plan_days: 1 },
};

async function cli(hub: StartedHub, args: string[]) {
  const proc = Bun.spawn(["bun", join(ROOT, "hub/cli/main.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_OPERATOR_TOKEN: hub.operatorToken },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`skylapse ${args.join(" ")}: exit ${code}: ${stderr}`);
  return stdout;
}

const hubCount = async (hub: StartedHub, camera: string) => (await hub.json(`/api/cameras/${camera}/captures?limit=10000`)).captures.length as number;
const captured = async (agent: StartedAgent) => ((await agent.json("/status")).captures.captured ?? 0) as number;

describe("the agent's environment", () => {
  const base = { SKYLAPSE_HUB_URL: "http://hub:8082", SKYLAPSE_CAMERA_ID: "north" };
  test("a hub URL needs a token, an enrollment code, or a token stored by an earlier enrollment", () => {
    const dir = tempDir("env");
    expect(() => parseAgentEnv({ ...base, SKYLAPSE_DATA_DIR: dir })).toThrow(/SKYLAPSE_AGENT_TOKEN, or SKYLAPSE_ENROLLMENT_CODE/);
    expect(parseAgentEnv({ ...base, SKYLAPSE_DATA_DIR: dir, SKYLAPSE_ENROLLMENT_CODE: "AAAA-BBBB-CCCC-DDDD-EEEE" }).SKYLAPSE_ENROLLMENT_CODE).toBe("AAAA-BBBB-CCCC-DDDD-EEEE");
    expect(() => parseAgentEnv({ ...base, SKYLAPSE_DATA_DIR: dir, SKYLAPSE_ENROLLMENT_CODE: "short" })).toThrow(/SKYLAPSE_ENROLLMENT_CODE: is too short/);
    expect(() => parseAgentEnv({ SKYLAPSE_HUB_URL: "http://hub:8082", SKYLAPSE_ENROLLMENT_CODE: "AAAA-BBBB-CCCC" })).toThrow(/needs SKYLAPSE_CAMERA_ID/);
    writeFileSync(join(dir, "agent-token"), "slk_stored-token-from-before\n", { mode: 0o600 });
    expect(parseAgentEnv({ ...base, SKYLAPSE_DATA_DIR: dir }).SKYLAPSE_HUB_URL).toBe("http://hub:8082");
  });
});

describe("enrollment, real processes", () => {
  let hub: StartedHub;
  const clock = sharedClock("2026-11-24T18:00:00Z", 20, 2000);
  const running: StartedAgent[] = [];
  beforeAll(async () => {
    hub = await startHub({ config, clock });
  });
  afterAll(async () => {
    await Promise.all([...running.map((a) => a.stop()), hub?.stop()]);
  });

  test("enroll with a one-time code, capture and upload; restart on the stored token; revoked: refused, still capturing", async () => {
    await cli(hub, ["cameras-add", "north", "--lat", "39.65", "--lon", "-105.35", "--schedules", "allday", "--profile", "f"]);
    const { code } = JSON.parse(await cli(hub, ["cameras-enroll", "north", "--json"]));
    const dataDir = tempDir("edge-north");
    const env = { SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_ENROLLMENT_CODE: code, SKYLAPSE_CLOCK_TRUSTED: "true" };

    let agent = await startAgent({ cameraId: "north", clock, dataDir, env });
    running.push(agent);
    await waitFor("north to enroll, capture and upload", async () => {
      const s = await agent.json("/status");
      return s.hub.reachable && s.hub.uploaded > 0 && (await hubCount(hub, "north")) > 0;
    }, 30_000);
    expect(agent.output).toContain("enrolled north with the hub");
    const file = join(dataDir, "agent-token");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const status = await agent.json("/status");
    expect(status.deployed_profile).toMatchObject({ profile_id: "f" });
    expect((await hub.json("/api/cameras/north")).has_token).toBe(true);

    // A restart (the code still in its environment) uses the stored token: no second exchange.
    await agent.stop();
    running.pop();
    const before = await hubCount(hub, "north");
    agent = await startAgent({ cameraId: "north", clock, dataDir, env });
    running.push(agent);
    await waitFor("north to sync again after its restart", async () => {
      const s = await agent.json("/status");
      return s.hub.reachable && (await hubCount(hub, "north")) > before;
    }, 30_000);
    expect(agent.output).not.toContain("enroll");
    const enrolls = (await hub.json("/api/audit?limit=100")).entries.filter((e: { action: string }) => e.action === "camera.enroll");
    expect(enrolls.length).toBe(1);

    // Revoked: every poll is refused from now on, the status says why, and the agent keeps capturing on its own.
    expect(await cli(hub, ["cameras-revoke", "north"])).toContain("revoked north's token");
    const refused = await waitFor("north's polls to be refused", async () => {
      const s = await agent.json("/status");
      return !s.hub.reachable && s.hub.last_error?.includes("401") ? s : null;
    }, 30_000);
    expect(refused.hub.last_error).toContain("the agent token is not valid");
    const held = await hubCount(hub, "north");
    const local = await captured(agent);
    await waitFor("north to keep capturing locally", async () => (await captured(agent)) >= local + 5, 30_000);
    expect(await hubCount(hub, "north")).toBe(held);
    expect((await agent.json("/status")).backlog.count).toBeGreaterThan(0);
    expect(agent.proc.exitCode).toBeNull();
  }, 150_000);

  test("a refused code is logged and retried with backoff; the agent runs on, and enrolls with a good code", async () => {
    await cli(hub, ["cameras-add", "south", "--schedules", "allday", "--profile", "f"]);
    const dataDir = tempDir("edge-south");
    let agent = await startAgent({
      cameraId: "south",
      clock,
      dataDir,
      env: { SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_ENROLLMENT_CODE: "AAAA-BBBB-CCCC-DDDD-EEEE", SKYLAPSE_CLOCK_TRUSTED: "true" },
    });
    running.push(agent);
    const status = await waitFor("south's refusal to show", async () => {
      const s = await agent.json("/status");
      return s.hub.last_error?.includes("enrollment refused") && s.hub.last_error.includes("(401)") ? s : null;
    }, 20_000);
    expect(status.hub.reachable).toBe(false);
    expect(status.hub.last_error).toContain("enrollment code not valid");
    await waitFor("a retry", async () => (agent.output.match(/enrollment refused/g) ?? []).length >= 2, 20_000);
    expect(agent.output).toMatch(/retrying in \d+ s/);
    expect(agent.proc.exitCode).toBeNull();
    expect((await hub.json("/api/cameras/south")).has_token).toBe(false);

    await agent.stop();
    running.pop();
    const { code } = JSON.parse(await cli(hub, ["cameras-enroll", "south", "--json"]));
    agent = await startAgent({ cameraId: "south", clock, dataDir, env: { SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_ENROLLMENT_CODE: code, SKYLAPSE_CLOCK_TRUSTED: "true" } });
    running.push(agent);
    await waitFor("south to enroll and sync", async () => (await agent.json("/status")).hub.reachable, 20_000);
  }, 90_000);
});
