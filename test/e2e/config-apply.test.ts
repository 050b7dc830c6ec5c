import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startHub, tempDir, type StartedHub } from "../harness/processes";

const ROOT = join(import.meta.dir, "..", "..");
const example = JSON.parse(readFileSync(join(ROOT, "config.example.json"), "utf8"));
let hub: StartedHub;
const dir = tempDir("apply");

beforeAll(async () => {
  hub = await startHub({ config: example });
});
afterAll(async () => {
  await hub.stop(true);
});

function cli(args: string[]) {
  const proc = Bun.spawnSync(["bun", join(ROOT, "hub/cli/main.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_OPERATOR_TOKEN: hub.operatorToken },
  });
  return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};

describe("skylapse apply / export: the whole config, declaratively", () => {
  test("the file the hub started from is what it holds: a dry run finds no changes", () => {
    const r = cli(["apply", file("same.json", example), "--dry-run", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ changes: [], applied: false, kept: [], notes: [] });
    expect(cli(["apply", file("same2.json", example)]).out).toContain("no changes");
  });

  test("export prints a config that applies back without changes (seed-form profiles come out in our form)", () => {
    const exported = cli(["export", "--json"]);
    expect(exported.code).toBe(0);
    const config = JSON.parse(exported.out);
    expect(Object.keys(config.cameras).sort()).toEqual(["mountain_view", "overhead", "valley"]);
    expect(config.profiles.f.base).toMatchObject({ metering: "spot", ev: -1.7, white_balance: { mode: "daylight" } });
    expect(JSON.parse(cli(["apply", file("exported.json", config), "--dry-run", "--json"]).out).changes).toEqual([]);
  });

  test("a change is shown by --dry-run and changes nothing; applied, it is audited; applied again, nothing", async () => {
    const next = structuredClone(example);
    next.cameras.valley.deployed_profile = "e";
    next.schedules.sunset.interval_seconds = 20;
    const path = file("next.json", next);
    const dry = JSON.parse(cli(["apply", path, "--dry-run", "--json"]).out);
    expect(dry.applied).toBe(false);
    expect(dry.changes.map((c: { path: string }) => c.path)).toEqual(["schedules.sunset.interval_seconds", "cameras.valley.deployed_profile"]);
    expect((await hub.json("/api/config")).cameras.valley.deployed_profile).toBe("b");
    const table = cli(["apply", path]);
    expect(table.out).toContain("2 change(s) applied");
    expect(table.out).toMatch(/change\s+cameras\.valley\.deployed_profile\s+"b"\s+"e"/);
    expect((await hub.json("/api/config")).cameras.valley.deployed_profile).toBe("e");
    expect(JSON.parse(cli(["apply", path, "--dry-run", "--json"]).out).changes).toEqual([]);
    const audit = (await hub.json("/api/audit")).entries;
    expect(audit[0]).toMatchObject({ action: "config.apply", actor: "operator" });
  });

  test("a file that leaves out a camera and a profile keeps them; --prune removes them, shown first by the dry run", async () => {
    await hub.json("/api/cameras", { method: "POST", body: JSON.stringify({ id: "added_later", schedules: ["sunset"], deployed_profile: "e" }) });
    const older = structuredClone(example);
    older.cameras.valley.deployed_profile = "e";
    older.schedules.sunset.interval_seconds = 20;
    delete older.profiles.c;
    const path = file("older.json", older);
    const dry = cli(["apply", path, "--dry-run"]);
    expect(dry.out).toContain("no changes");
    expect(dry.out).toContain("not in the file, kept (--prune removes them): profiles.c, cameras.added_later");
    expect(cli(["apply", path]).out).toContain("no changes");
    expect(Object.keys((await hub.json("/api/config")).cameras)).toContain("added_later");
    const pruneDry = JSON.parse(cli(["apply", path, "--prune", "--dry-run", "--json"]).out);
    expect(pruneDry).toMatchObject({ applied: false, kept: [] });
    expect(pruneDry.changes.map((c: { path: string; action: string }) => `${c.action} ${c.path}`)).toEqual(["remove profiles.c", "remove cameras.added_later"]);
    expect(Object.keys((await hub.json("/api/config")).cameras)).toContain("added_later");
    expect(cli(["apply", path, "--prune"]).out).toContain("2 change(s) applied");
    const after = await hub.json("/api/config");
    expect(Object.keys(after.cameras)).not.toContain("added_later");
    expect(Object.keys(after.profiles)).not.toContain("c");
    // Put the example back for the tests that follow.
    expect(cli(["apply", file("restore.json", example)]).code).toBe(0);
  });

  test("a bad file is refused naming the field, and changes nothing; usage errors exit 2", async () => {
    const before = await hub.json("/api/config");
    const bad = structuredClone(example);
    bad.cameras.valley.deployed_profile = "nope";
    const r = cli(["apply", file("bad.json", bad)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("cameras.valley.deployed_profile: unknown profile 'nope'");
    expect(await hub.json("/api/config")).toEqual(before);
    expect(cli(["apply", file("garbage.json", "{not json")]).code).toBe(2);
    expect(cli(["apply"]).code).toBe(2);
  });

  test("tests create / list / show / cancel", () => {
    const created = cli(["tests", "create", "--id", "ev-up", "--cameras", "valley", "--override", '{"ev": 1}', "--pairs", "5"]);
    expect(created.code).toBe(0);
    expect(created.out).toContain("test ev-up created");
    expect(cli(["tests", "list"]).out).toMatch(/^ev-up\s+running\s+valley\s+0\/5/m);
    expect(cli(["tests", "show", "ev-up"]).out).toContain("no measured pairs yet");
    expect(cli(["tests", "show", "--id", "ev-up"]).out).toContain("no measured pairs yet");
    expect(cli(["tests", "cancel", "ev-up"]).out).toContain("cancelled");
    const again = cli(["tests", "cancel", "--id", "ev-up"]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("already cancelled");
    expect(cli(["tests", "create", "--cameras", "valley", "--override", "{oops"]).code).toBe(2);
    expect(cli(["tests", "fly"]).code).toBe(2);
  });
});

describe("the operator CLI's settings file", () => {
  test("URL and token from SKYLAPSE_CLI_CONFIG when the environment has none; a broken file is a usage error", () => {
    const settings = file("cli.json", { url: hub.url, token: hub.operatorToken });
    const run = (env: Record<string, string>) =>
      Bun.spawnSync(["bun", join(ROOT, "hub/cli/main.ts"), "fleet", "--json"], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env } });
    const ok = run({ SKYLAPSE_CLI_CONFIG: settings });
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout.toString()).cameras.length).toBe(3);
    expect(run({ SKYLAPSE_CLI_CONFIG: file("broken.json", "{") }).exitCode).toBe(2);
    const envWins = run({ SKYLAPSE_CLI_CONFIG: settings, SKYLAPSE_OPERATOR_TOKEN: "wrong-token-0123456789" });
    expect(envWins.exitCode).toBe(1);
    // A refused token: one line naming where it came from.
    expect(envWins.stderr.toString()).toBe("skylapse: hub refused (401): the operator token is not valid (check SKYLAPSE_OPERATOR_TOKEN)\n");
    const stale = run({ SKYLAPSE_CLI_CONFIG: file("stale.json", { url: hub.url, token: "stale-token-0123456789" }) });
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr.toString()).toBe(`skylapse: hub refused (401): the operator token is not valid (check "token" in ${join(dir, "stale.json")})\n`);
  });
});

describe("command names", () => {
  test("two words name a command as well as the hyphenated name: `profiles list`, `cameras list`", () => {
    const spaced = cli(["profiles", "list", "--json"]);
    expect(spaced.code).toBe(0);
    expect(JSON.parse(spaced.out)).toEqual(JSON.parse(cli(["profiles-list", "--json"]).out));
    expect(cli(["cameras", "list"]).out).toContain("mountain_view");
    expect(cli(["profiles", "fly"]).code).toBe(2);
  });
});
