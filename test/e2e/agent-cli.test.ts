import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startAgent, tempDir, type StartedAgent } from "../harness/processes";

const ROOT = join(import.meta.dir, "..", "..");
const TOKEN = "technician-token-0123456789";
let agent: StartedAgent;

beforeAll(async () => {
  agent = await startAgent({ cameraId: "ridge", env: { SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_EDGE_TOKEN: TOKEN } });
});
afterAll(async () => {
  await agent.stop(true);
});

function cli(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawnSync(["bun", join(ROOT, "edge/cli/main.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", SKYLAPSE_AGENT_URL: agent.url, SKYLAPSE_EDGE_TOKEN: TOKEN, ...env },
  });
  return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

describe("skylapse-agent, the technician's CLI", () => {
  test("status as a table, and as JSON for scripts", () => {
    const table = cli(["status"]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^camera\s+ridge — simulated-imx519, ready$/m);
    expect(table.out).toMatch(/^mode\s+live_orchestration$/m);
    expect(table.out).toMatch(/^hub\s+none \(standalone\)$/m);
    expect(table.out).toMatch(/^image sync\s+none \(standalone\)$/m);
    const json = cli(["status", "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ status: "online", camera_id: "ridge" });
    expect(JSON.parse(cli(["--json", "status"]).out).camera_id).toBe("ridge");
  });

  test("capture before any profile: exit 1 with the agent's reason", () => {
    const r = cli(["capture"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("No profile deployed");
  });

  test("profile --deploy FILE, capture with it, an override, captures, profile --clear", () => {
    const file = join(tempDir("cli"), "profile.json");
    writeFileSync(file, JSON.stringify({ profile_id: "winter", version: "2.0.0", settings: { base: { ae_metering_mode: 1, exposure_compensation: 0.7 } } }));
    const deployed = cli(["profile", "--deploy", file]);
    expect(deployed.code).toBe(0);
    expect(deployed.out).toContain("deployed winter 2.0.0");
    expect(cli(["profile"]).out).toMatch(/^profile\s+winter 2\.0\.0 \(deployed by hand\)$/m);
    const shot = cli(["capture", "--schedule", "sunrise"]);
    expect(shot.code).toBe(0);
    expect(shot.out).toMatch(/^captured\s+\/.*\/sunrise\/winter\/.*\.jpg$/m);
    expect(shot.out).toContain("ev 0.7, spot");
    const variant = cli(["capture", "--override-ev", "1.3", "--test-id", "t1"]);
    expect(variant.out).toContain("ev 1.3");
    const explicit = cli(["capture", "--iso", "400", "--shutter", "1/250", "--ev", "0"]);
    expect(explicit.out).toContain("iso 400, shutter 4000 µs");
    const log = cli(["captures", "--limit", "2"]);
    expect(log.out.split("\n")[0]).toMatch(/^seq\s+planned\s+schedule\s+profile\s+outcome\s+uploaded\s+image \/ reason$/);
    expect(log.out).toContain("more: --before");
    expect(JSON.parse(cli(["captures", "--json", "--pending"]).out).captures.length).toBe(3);
    expect(cli(["profile", "--clear"]).out).toContain("live orchestration");
  });

  test("plan, meter", () => {
    expect(cli(["plan"]).out).toContain("no windows ahead");
    expect(cli(["meter"]).out).toMatch(/^lux\s+\d/m);
  });

  test("exit codes: 1 refused (no hub, wrong token), 2 usage, 3 agent not running", () => {
    const standalone = cli(["sync"]);
    expect(standalone.code).toBe(1);
    expect(standalone.err).toContain("no hub");
    const unauthorised = cli(["capture", "--iso", "100"], { SKYLAPSE_EDGE_TOKEN: "" });
    expect(unauthorised.code).toBe(1);
    expect(unauthorised.err).toContain("set SKYLAPSE_EDGE_TOKEN");
    expect(cli(["fly"]).code).toBe(2);
    expect(cli(["captures", "--limit"]).code).toBe(2);
    expect(cli(["capture", "--iso", "many"]).code).toBe(2);
    expect(cli(["capture", "--iso", "400", "--override-ev", "1"]).code).toBe(2);
    expect(cli(["captures", "--from", "yesterday"]).code).toBe(2);
    const down = cli(["status"], { SKYLAPSE_AGENT_URL: "http://127.0.0.1:9" });
    expect(down.code).toBe(3);
    expect(down.err).toContain("cannot reach the agent");
    const help = cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("status");
  });
});
