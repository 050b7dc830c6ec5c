/**
 * Staged rollout and rollback on real processes: a hub and three agents on a shared
 * simulated clock, driven by the operator CLI (`bun hub/cli/main.ts`) as operators
 * run it. Publish v1 and v2, assign v2 to one camera and watch its agent report
 * running it, then the group, then roll one camera back and watch it converge again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sharedClock, simNow, type SimClock, startAgent, startHub, type StartedAgent, type StartedHub, tempDir, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";

const ROOT = join(import.meta.dir, "..", "..");
const CAMERAS = ["ridge", "valley", "summit"];
const POLL_S = 30;
const SPEED = 30;

const config = {
  location: DENVER,
  // 09:00–16:00 local, a capture every 2 simulated minutes (4 real seconds).
  schedules: { daytime: { start_time: "09:00", end_time: "16:00", interval_seconds: 120 } },
  cameras: Object.fromEntries(CAMERAS.map((id) => [id, { deployed_profile: "f", schedules: ["daytime"] }])),
  profiles: { f: { base: { metering: "spot", ev: 0.7 }, schedule_overrides: { daytime: { contrast: 1.2 } } } },
  sync: { poll_interval_seconds: POLL_S, plan_days: 2 },
};

// The seasonal variant: v1 in the first system's form, v2 in ours, both extending f.
const v1 = { extends: "f", settings: { base: { exposure_compensation: 1, awb_mode: 1 } } };
const v2 = { extends: "f", base: { ev: 1.3, white_balance: { mode: "daylight" } }, adaptive_wb: { table: [[10, 3200], [1000, 4600], [20000, 5600]] } };

const dir = tempDir("rollout");
let clock: SimClock;
let hub: StartedHub;
const agents: StartedAgent[] = [];

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

function cli(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawnSync(["bun", join(ROOT, "hub/cli/main.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_OPERATOR_TOKEN: hub.operatorToken, ...env },
  });
  return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

interface Status {
  camera_id: string;
  assigned: { profile_id: string; version: string; resolved_version: string | null } | null;
  running: { profile_id: string; version: string } | null;
  converged: boolean;
  since: string | null;
}

const statuses = async (): Promise<Record<string, Status>> =>
  Object.fromEntries(((await hub.json("/api/assignments")).cameras as Status[]).map((c) => [c.camera_id, c]));

/** Waits until every named camera reports running `version` of `profile`; real ms it took. */
async function converge(cameras: string[], profile: string, version: string): Promise<number> {
  const started = Date.now();
  await waitFor(`${cameras.join(", ")} running ${profile} ${version}`, async () => {
    const s = await statuses();
    return cameras.every((id) => s[id]!.converged && s[id]!.running?.profile_id === profile && s[id]!.running?.version === version);
  }, 30_000, 100);
  return Date.now() - started;
}

/** Waits until the hub holds a captured record of `camera` taken with this version, planned after `after`. */
async function capturedWith(camera: string, profile: string, version: string, after: number) {
  return waitFor(`${camera} to upload a capture with ${profile} ${version}`, async () => {
    const q = new URLSearchParams({ from: new Date(after).toISOString(), limit: "1000" });
    const { captures } = await hub.json(`/api/cameras/${camera}/captures?${q}`);
    return captures.find((r: any) => r.outcome === "captured" && r.profile_id === profile && r.profile_version === version);
  }, 30_000);
}

const timings: Record<string, number> = {};

beforeAll(async () => {
  clock = sharedClock("2026-11-24T17:00:00Z", SPEED, 2500);
  hub = await startHub({ config, clock });
  for (const [i, cameraId] of CAMERAS.entries()) agents.push(await startAgent({ cameraId, hub, clock, seed: i + 1 }));
  await converge(CAMERAS, "f", "1.0.0");
}, 60_000);

afterAll(async () => {
  await Promise.all([...agents.map((a) => a.stop()), hub?.stop()]);
  if (Object.keys(timings).length) console.log(`rollout convergence (real ms, poll every ${POLL_S / SPEED} s real): ${JSON.stringify(timings)}`);
});

describe("rollout and rollback on real agents", () => {
  test("publish v1 and v2 with the CLI: versions, no-op republish, list, show, diff", () => {
    const first = cli(["profiles-publish", "winter", file("v1.json", v1)]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^published winter 1\.0\.0  sha256:[0-9a-f]{12}…$/m);
    const second = cli(["profiles-publish", "winter", file("v2.json", v2), "--json"]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.out)).toMatchObject({ profile_id: "winter", version: "1.1.0", created: true, snapshot: { base: { metering: "spot", ev: 1.3 } } });
    const again = cli(["profiles-publish", "winter", file("v2.json", v2)]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("unchanged: winter 1.1.0 already has this content");
    // The parent, republished as it is: its child is named, and with --with-children re-checked (same content: same version).
    const f = file("f.json", JSON.parse(cli(["export", "--json"]).out).profiles.f);
    expect(cli(["profiles-publish", "f", f]).out).toContain("winter 1.1.0 extends it and keeps its version (--with-children republishes it)");
    expect(cli(["profiles-publish", "f", f, "--with-children"]).out).toContain("unchanged: winter 1.1.0 (extends f)");

    const list = cli(["profiles-list"]);
    expect(list.out.split("\n")[0]).toMatch(/^PROFILE\s+LATEST\s+VERSIONS\s+PUBLISHED\s+EXTENDS\s+NAME$/);
    expect(list.out).toMatch(/^winter\s+1\.1\.0\s+2\s+2026-11-24 \d\d:\d\d:\d\dZ\s+f$/m);
    expect(JSON.parse(cli(["profiles-list", "--json"]).out).profiles.map((p: { id: string }) => p.id)).toEqual(["f", "winter"]);

    const shown = cli(["profiles-show", "winter"]);
    expect(shown.out).toMatch(/^extends\s+f$/m);
    expect(shown.out).toMatch(/^1\.0\.0\s+sha256:/m);
    expect(shown.out).toMatch(/^1\.1\.0\s+sha256:/m);
    const version = cli(["profiles-show", "winter", "--version", "1.1.0"]);
    expect(version.out).toMatch(/^base\s+iso auto, shutter auto, ev \+1\.3, spot, wb daylight/m);
    expect(version.out).toMatch(/^wb table \(lux→K\)\s+10→3200  1000→4600  20000→5600$/m);
    expect(version.out).toMatch(/^override daytime\s+contrast 1\.2$/m);
    expect(cli(["profiles-show", "f", "--json"]).out).toContain('"extended_by": [\n    "winter"');

    const diff = cli(["profiles-diff", "winter", "1.0.0", "1.1.0"]);
    expect(diff.code).toBe(0);
    expect(diff.out).toContain("winter 1.0.0 → 1.1.0: 2 changes");
    expect(diff.out).toMatch(/^base\.ev\s+1\s+1\.3$/m);
    expect(diff.out).toMatch(/^wb_table\s+—\s+\[\[10,3200\],\[1000,4600\],\[20000,5600\]\]$/m);
    expect(JSON.parse(cli(["profiles-diff", "winter", "1.1.0", "latest", "--json"]).out).changes).toEqual([]);
  }, 30_000);

  test("v2 to one camera: its agent reports running it and captures with it; the others stay", async () => {
    const at = simNow(clock);
    const one = cli(["assign", "ridge", "winter", "--version", "1.1.0"]);
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/^ridge\s+f latest\s+winter 1\.1\.0$/m);
    expect(one.out).toContain("1 camera changed");
    const pending = cli(["assignments"]);
    expect(pending.out).toMatch(/^ridge\s+winter 1\.1\.0\s+f 1\.0\.0\s+NO\s/m);

    timings.one_camera = await converge(["ridge"], "winter", "1.1.0");
    const s = await statuses();
    expect(s.valley).toMatchObject({ assigned: { profile_id: "f", version: "latest" }, running: { profile_id: "f", version: "1.0.0" }, converged: true });
    const status = await agents[0]!.json("/status");
    expect(status.deployed_profile).toMatchObject({ profile_id: "winter", version: "1.1.0", source: "hub" });
    const record = await capturedWith("ridge", "winter", "1.1.0", at);
    // v2's settings, with the daytime override it inherits from f.
    expect(record.settings).toMatchObject({ ev: 1.3, metering: "spot", contrast: 1.2, white_balance: { mode: "kelvin" } });
    expect(record.settings.white_balance.kelvin).toBeGreaterThanOrEqual(3200);
    expect(record.settings.white_balance.kelvin).toBeLessThanOrEqual(5600);
    expect(cli(["assignments"]).out).toMatch(/^ridge\s+winter 1\.1\.0\s+winter 1\.1\.0\s+yes\s/m);
    const fleet = await hub.json("/api/fleet");
    expect(fleet.cameras.find((c: { id: string }) => c.id === "ridge").assignment).toMatchObject({ version: "1.1.0", converged: true });
  }, 60_000);

  test("then the group at once; all converge", async () => {
    const group = cli(["assign", "ridge,valley,summit", "winter", "--version", "1.1.0"]);
    expect(group.code).toBe(0);
    expect(group.out).toMatch(/^ridge\s+winter 1\.1\.0\s+winter 1\.1\.0\s+\(unchanged\)$/m);
    expect(group.out).toContain("2 cameras changed");
    timings.group = await converge(CAMERAS, "winter", "1.1.0");
    const audit = (await hub.json("/api/audit?limit=10")).entries.filter((e: { action: string }) => e.action === "camera.assign");
    expect(audit.map((e: { target: string }) => e.target).slice(0, 3).sort()).toEqual(["camera:ridge", "camera:summit", "camera:valley"]);
  }, 60_000);

  test("roll one camera back to v1: it converges and captures with v1 again", async () => {
    const at = simNow(clock);
    const back = cli(["rollback", "valley"]);
    expect(back.code).toBe(0);
    expect(back.out).toMatch(/^valley\s+winter 1\.1\.0\s+winter 1\.0\.0$/m);
    timings.rollback = await converge(["valley"], "winter", "1.0.0");
    const record = await capturedWith("valley", "winter", "1.0.0", at);
    expect(record.settings).toMatchObject({ ev: 1, metering: "spot", contrast: 1.2, white_balance: { mode: "daylight" } });
    const s = await statuses();
    expect(s.ridge!.running).toEqual({ profile_id: "winter", version: "1.1.0" });
    expect(s.summit!.running).toEqual({ profile_id: "winter", version: "1.1.0" });
    // Nothing earlier than 1.0.0: rollback refuses, exit 1.
    const none = cli(["rollback", "valley"]);
    expect(none.code).toBe(1);
    expect(none.err).toContain("winter has no version before 1.0.0");
    // --to names the version; the camera goes back to 1.1.0.
    expect(cli(["rollback", "valley", "--to", "1.1.0"]).code).toBe(0);
    timings.forward_again = await converge(["valley"], "winter", "1.1.0");
  }, 60_000);

  test("exit codes: 1 the hub refused, 2 usage, 3 hub unreachable; nothing changed by refusals", async () => {
    const held = async () => Object.values(await statuses()).map(({ assigned, since }) => ({ assigned, since }));
    const before = await held();
    const unknownVersion = cli(["assign", "ridge", "winter", "--version", "7.0.0"]);
    expect(unknownVersion.code).toBe(1);
    expect(unknownVersion.err).toContain("hub refused (422): body.version: profile 'winter' has no version 7.0.0 (versions: 1.0.0, 1.1.0)");
    const unknownCamera = cli(["assign", "ridge,nope", "winter"]);
    expect(unknownCamera.code).toBe(1);
    expect(unknownCamera.err).toContain("camera nope not found");
    const cycle = cli(["profiles-publish", "f", file("cycle.json", { extends: "winter" })]);
    expect(cycle.code).toBe(1);
    expect(cycle.err).toContain("inheritance cycle f → winter → f");
    expect(cli(["profiles-show", "nope"]).code).toBe(1);
    expect(cli(["profiles-publish", "winter", file("bad.json", { base: { ev: 12 } })]).err).toContain("body.base.ev");
    expect(await held()).toEqual(before);
    expect((await hub.json("/api/profiles/winter")).versions.length).toBe(2);

    expect(cli(["profiles-publish", "winter", join(dir, "missing.json")]).code).toBe(2);
    expect(cli(["profiles-publish", "winter", file("garbage.json", "{nope")]).code).toBe(2);
    expect(cli(["profiles-publish", "winter"]).code).toBe(2);
    expect(cli(["profiles-diff", "winter", "1.0.0", "two"]).code).toBe(2);
    expect(cli(["assign", "ridge", "winter", "--version", "newest"]).code).toBe(2);
    expect(cli(["rollback", "ridge", "--to", "latest"]).code).toBe(2);
    expect(cli(["profiles-list", "--help"]).code).toBe(0);
    const unreachable = cli(["profiles-list"], { SKYLAPSE_HUB_URL: "http://127.0.0.1:9" });
    expect(unreachable.code).toBe(3);
    expect(unreachable.err).toContain("cannot reach the hub");
    const noToken = cli(["assignments"], { SKYLAPSE_OPERATOR_TOKEN: "" });
    expect(noToken.code).toBe(1);
    expect(noToken.err).toContain("set SKYLAPSE_OPERATOR_TOKEN");
  }, 30_000);
});
