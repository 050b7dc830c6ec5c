/**
 * The operator CLI as operators run it: `bun hub/cli/main.ts ARGS` in its own
 * process, against a hub served from this test process on 127.0.0.1 (port 0).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ManualClock } from "../../shared/clock";
import type { ObservedState } from "../../shared/contracts/sync";
import { createHub } from "../../hub/app";
import { hubOn, testHubDb } from "../harness/in-process";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { DENVER } from "../harness/scenario";
import { captureRecord, observedState } from "../harness/fixtures";
import { operatorCli } from "../harness/operator-cli";

const OPERATOR = "operator-token-for-cli-tests-01";
const MIN = 60_000;

const config = {
  location: DENVER,
  schedules: { sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 15 } },
  cameras: {
    ridge: { deployed_profile: "f", schedules: ["sunrise"] },
    valley: { deployed_profile: "f", schedules: ["sunrise"] },
    // Registered, never installed: it never polls.
    spare: { deployed_profile: "f", schedules: ["sunrise"] },
  },
  profiles: { f: { base: { metering: "spot" } } },
  sync: { poll_interval_seconds: 60, plan_days: 7 },
};

const observed = (at: number, overrides: Partial<ObservedState> = {}) => observedState(overrides, { now: at, offsetMs: 120 });

const record = captureRecord;

let hub: Awaited<ReturnType<typeof createHub>>;
let clock: ManualClock;
let url: string;

async function send(method: string, path: string, token: string, body?: unknown) {
  const res = await hub.app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  return res.status === 304 ? null : res.json();
}

/** Runs the CLI in its own process (async: the hub answering it lives in this one). */
const cli = (args: string[], env: Record<string, string> = {}) => operatorCli({ url, token: OPERATOR }, args, env);

beforeAll(async () => {
  clock = new ManualClock(Date.parse("2026-11-24T12:00:00Z"));
  const db = await testHubDb();
  await applyConfig(db, parseConfig(config), clock.now());
  hub = await hubOn(db, clock, OPERATOR);
  const ridge = (await send("POST", "/api/cameras/ridge/token", OPERATOR)).token;
  const valley = (await send("POST", "/api/cameras/valley/token", OPERATOR)).token;
  // ridge: polls at 12:00, silent until 14:00 (backlog 240 pending since 13:30), caught up at 14:02.
  await send("POST", "/agent/v1/state", ridge, observed(clock.now()));
  clock.set(Date.parse("2026-11-24T14:00:00Z"));
  await send("POST", "/agent/v1/state", ridge, observed(clock.now(), { backlog: 240, oldest_pending_at: "2026-11-24T13:30:15.000Z" }));
  await send("POST", "/agent/v1/captures", ridge, {
    log_id: "log-1",
    records: [record(1), record(2), record(3, { outcome: "failed", reason_code: "camera_error", reason: "timeout", image: null }), record(4, { outcome: "missed", reason_code: "late", reason: "late", image: null })],
  });
  clock.advance(2 * MIN);
  await send("POST", "/agent/v1/state", ridge, observed(clock.now()));
  // valley: last heard at 14:02 with records pending; then the day ends.
  await send("POST", "/agent/v1/state", valley, observed(clock.now(), { backlog: 30, oldest_pending_at: "2026-11-24T13:55:00.000Z" }));
  clock.set(Date.parse("2026-11-25T00:00:00Z"));
  await send("POST", "/agent/v1/state", ridge, observed(clock.now()));
  hub.app.listen({ port: 0, hostname: "127.0.0.1" });
  url = `http://127.0.0.1:${hub.app.server!.port}`;
});

afterAll(async () => {
  await hub.app.stop();
  await hub.ctx.contacts.close();
});

describe("skylapse report", () => {
  test("a table of counts, misses by reason, outages, backlog and clock, over the last 24 h by the hub's clock", async () => {
    const { stdout, stderr, code } = await cli(["report", "ridge"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // Times in the camera's zone (Denver), the zone named.
    expect(stdout).toContain("ridge  2026-11-23 17:00:00 MST → 2026-11-24 17:00:00 MST");
    expect(stdout).toMatch(/^planned\s+240\s*$/m);
    expect(stdout).toMatch(/^captured\s+2\s+0\.8%$/m);
    expect(stdout).toMatch(/^missed\s+238\s+99\.2%$/m);
    expect(stdout).toMatch(/^ {2}camera_error\s+1\s*$/m);
    expect(stdout).toMatch(/^ {2}late\s+1\s*$/m);
    expect(stdout).toMatch(/^ {2}not_reported\s+236\s*$/m);
    expect(stdout).toMatch(/^uploaded\s+4\s+records at the hub$/m);
    // The 12:00–14:00 silence, and the 14:02–00:00 one ended by the midnight poll (nothing pending: caught up at once).
    expect(stdout).toContain("Outages (2)");
    expect(stdout).toMatch(/FROM\s+TO\s+DURATION\s+BACKLOG AT RETURN\s+CAUGHT UP\s+CATCH-UP/);
    expect(stdout).toMatch(/2026-11-24 05:00:00 MST\s+2026-11-24 07:00:00 MST\s+2h 00m\s+240\s+2026-11-24 07:02:00 MST\s+2m 00s/);
    expect(stdout).toMatch(/2026-11-24 07:02:00 MST\s+2026-11-24 17:00:00 MST\s+9h 58m\s+0\s+2026-11-24 17:00:00 MST\s+0s/);
    expect(stdout).toMatch(/^Backlog\s+0 pending$/m);
    expect(stdout).toMatch(/^Clock\s+trusted \(hub\), offset \+120 ms/m);
    // The outage table's columns line up under their headers.
    const lines = stdout.split("\n");
    const header = lines.find((l) => l.includes("BACKLOG AT RETURN"))!;
    const row = lines[lines.indexOf(header) + 1]!;
    expect(row.indexOf("2026-11-24 07:00:00 MST")).toBe(header.indexOf("TO"));
  });

  test("--json prints the hub's JSON; --from/--to choose the range", async () => {
    const { stdout, code } = await cli(["report", "ridge", "--json", "--from", "2026-11-24T13:00:00Z", "--to=2026-11-24T15:00:00Z"]);
    expect(code).toBe(0);
    const api = await send("GET", "/api/cameras/ridge/report?from=2026-11-24T13:00:00.000Z&to=2026-11-24T15:00:00.000Z", OPERATOR);
    expect(JSON.parse(stdout)).toEqual(api);
    expect(api).toMatchObject({ from: "2026-11-24T13:00:00.000Z", to: "2026-11-24T15:00:00.000Z", planned: 240, captured: 2 });
  });

  test("a range reaching into tomorrow: tomorrow's ticks are upcoming, outside planned and the missed percentage", async () => {
    const { stdout, code } = await cli(["report", "ridge", "--from", "2026-11-24T00:00:00Z", "--to", "2026-11-26T00:00:00Z"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^first contact 2026-11-24 05:00:00 MST: nothing before it is planned$/m);
    expect(stdout).toMatch(/^planned\s+240\s*$/m);
    expect(stdout).toMatch(/^missed\s+238\s+99\.2%$/m);
    expect(stdout).toMatch(/^upcoming\s+240\s+not due yet \(not in planned\)$/m);
  });

  test("a camera never installed: waiting for first contact, nothing planned or missed", async () => {
    const { stdout, code } = await cli(["report", "spare"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^waiting for first contact: nothing is planned or missed before it$/m);
    expect(stdout).toMatch(/^planned\s+0\s*$/m);
    expect(stdout).toMatch(/^missed\s+0\s/m);
  });

  test("exit 1 with the hub's message when it refuses", async () => {
    const unknown = await cli(["report", "nowhere"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("camera nowhere not found");
    const backwards = await cli(["report", "ridge", "--from", "2026-11-25", "--to", "2026-11-24"]);
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain("query.to: must be after query.from");
    const badToken = await cli(["fleet"], { SKYLAPSE_OPERATOR_TOKEN: "not-the-operator-token" });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain("the operator token is not valid");
  });
});

describe("skylapse fleet", () => {
  test("a table with the cameras needing attention first", async () => {
    const { stdout, code } = await cli(["fleet"]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^CAMERA\s+STATUS\s+LAST CONTACT\s+BACKLOG\s+OLDEST PENDING\s+BEHIND SINCE\s+DISK\s+CLOCK\s+INCIDENTS\s+EXPOSURE\s+ATTENTION$/);
    expect(lines[1]).toMatch(/^valley\s+OFFLINE\s+9h 58m ago\s+30\s+10h 05m ago\s+2026-11-24 06:55:00 MST\s+—\s+ok\s+—\s+—\s+offline, behind$/);
    expect(lines[2]).toMatch(/^ridge\s+online\s+0s ago\s+0\s+—\s+—\s+—\s+ok\s+—\s+—\s+—$/);
    // Never heard from: waiting, not offline, no attention.
    expect(lines[3]).toMatch(/^spare\s+waiting for first contact\s+never\s+—\s+—\s+—\s+—\s+—\s+—\s+—\s+—$/);
    expect(lines.at(-1)).toBe("3 cameras, 1 online, 1 waiting for first contact, 1 need attention (hub time 2026-11-25 00:00:00Z)");
  });

  test("assignments: the camera never installed is waiting for its first contact, not unconverged", async () => {
    const { stdout, code } = await cli(["assignments"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^spare\s+f latest \(1\.0\.0\)\s+—\s+waiting for first contact\s/m);
  });

  test("--json prints the hub's JSON", async () => {
    const { stdout, code } = await cli(["--json", "fleet"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(await send("GET", "/api/fleet", OPERATOR));
  });
});

describe("usage and reachability", () => {
  test("exit 2 on an unknown command or flag, a missing argument, or a bad date", async () => {
    for (const args of [["frobnicate"], ["fleet", "--verbose"], ["report"], ["report", "ridge", "--from", "yesterday"], ["report", "ridge", "--to"], []]) {
      const { code, stderr, stdout } = await cli(args);
      expect([args, code]).toEqual([args, 2]);
      expect(stderr).toContain("skylapse");
      expect(stdout).toBe("");
    }
    const bad = await cli(["report", "ridge", "--from", "yesterday"]);
    expect(bad.stderr).toContain("--from: 'yesterday' is not a date");
  });

  test("help is exit 0", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("report CAMERA");
    expect((await cli(["report", "--help"])).stdout).toContain("--from ISO");
  });

  test("exit 3 with a clear message when the hub cannot be reached", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = closed.port;
    await closed.stop(true);
    const { code, stderr } = await cli(["fleet"], { SKYLAPSE_HUB_URL: `http://127.0.0.1:${port}` });
    expect(code).toBe(3);
    expect(stderr).toContain(`cannot reach the hub at http://127.0.0.1:${port}`);
    expect((await cli(["report", "ridge"], { SKYLAPSE_HUB_URL: `http://127.0.0.1:${port}` })).code).toBe(3);
  });
});
