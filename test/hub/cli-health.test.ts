/**
 * `skylapse health [CAMERA]` as operators run it: `bun hub/cli/main.ts ARGS` in its
 * own process, against a hub served from this test process (port 0) that took polls
 * with device health over three hours of its (manual) clock.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DeviceHealth } from "../../shared/contracts/health";
import { deviceHealth, observedState, sunriseGridConfig } from "../harness/fixtures";
import { callHub, inProcessHub } from "../harness/in-process";
import { operatorCli } from "../harness/operator-cli";
import { waitFor } from "../harness/processes";

const OPERATOR = "operator-token-for-cli-health-01";
const MIN = 60_000;

/** On a cellular link, two hours up. */
const health = (overrides: Partial<DeviceHealth> = {}): DeviceHealth =>
  deviceHealth({
    uptime_s: 7200,
    boot_id: "0f3c9a1e-boot",
    link: { iface: "wwan0", wifi_dbm: null, cell_quality: 40, cell_tech: "lte" },
    traffic: { day: "2026-11-24", ifaces: { wwan0: [2_000_000, 5_000_000] }, agent_sent: 4_200_000 },
    ...overrides,
  });

let hub: Awaited<ReturnType<typeof inProcessHub>>["hub"];
let url: string;
let polls = 0;
const cli = (args: string[]) => operatorCli({ url, token: OPERATOR }, args);

beforeAll(async () => {
  const started = await inProcessHub(sunriseGridConfig({ ridge: {}, valley: {}, spare: {} }), OPERATOR);
  hub = started.hub;
  const clock = started.clock;
  const token = async (id: string) => (await callHub(hub, "POST", `/api/cameras/${id}/token`, OPERATOR)).body.token;
  const [ridge, valley] = [await token("ridge"), await token("valley")];
  const poll = async (t: string, h: DeviceHealth) => {
    expect((await callHub(hub, "POST", "/agent/v1/state", t, observedState({ health: h }, { now: clock.now() }))).status).toBe(200);
    polls++;
  };
  // ridge from 12:00 to 14:55, a poll every 5 minutes: warming to 71 °C in the last hour, an under-voltage at 13:30.
  for (let i = 0; i < 36; i++) {
    const hour = Math.floor(i / 12);
    await poll(ridge, health({ soc_temp_c: 40 + hour * 10 + (i % 12) / 11, throttled: i === 18 ? 0x50005 : i > 18 ? 0x50000 : 0, load: [0.2 + hour, 0.2, 0.2] }));
    // valley polls with it, on Wi-Fi, cooler.
    await poll(valley, health({ soc_temp_c: 39, link: { iface: "wlan0", wifi_dbm: -70, cell_quality: null, cell_tech: null }, traffic: null }));
    clock.advance(5 * MIN);
  }
  clock.advance(-4 * MIN);
  await waitFor("the health buckets", async () => {
    const rows = [...(await callHub(hub, "GET", "/api/cameras/ridge/health", OPERATOR)).body.buckets, ...(await callHub(hub, "GET", "/api/cameras/valley/health", OPERATOR)).body.buckets];
    return rows.reduce((n: number, b: { samples: number }) => n + b.samples, 0) === polls;
  }, 10_000, 20);
  hub.ctx.contacts.flush();
  hub.app.listen({ port: 0, hostname: "127.0.0.1" });
  url = `http://127.0.0.1:${hub.app.server!.port}`;
});

afterAll(async () => {
  await hub.app.stop();
  await hub.ctx.contacts.close();
});

describe("skylapse health CAMERA", () => {
  test("the camera's health now, then hour by hour the worst of each hour", async () => {
    const { stdout, stderr, code } = await cli(["health", "ridge", "--hours", "3"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^health\s+ridge, last poll 2026-11-24 14:55:00Z \(1m 00s ago\)$/m);
    expect(stdout).toMatch(/^SoC temperature\s+61\.0 °C$/m);
    expect(stdout).toMatch(/^under-voltage\s+now no, since boot YES$/m);
    expect(stdout).toMatch(/^memory\s+300 of 400 MB used$/m);
    expect(stdout).toMatch(/^link\s+wwan0, cellular 40 % \(40 %\)$/m);
    expect(stdout).toMatch(/^traffic today\s+2026-11-24: received 2\.0 MB, sent 5\.0 MB, the agent's uploads 4\.2 MB$/m);
    const history = stdout.split("\n").slice(stdout.split("\n").findIndex((l) => l.startsWith("last 3 h")) + 1);
    expect(history[0]).toMatch(/^\s+from\s+polls\s+SoC °C\s+load\s+mem %\s+disk %\s+under-V\s+throttled\s+weakest\s+agent sent$/);
    expect(history.slice(1, 4).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ["2026-11-24 12:00:00Z", "12", "40.0–41.0", "0.20", "75", "75", "no", "no", "40 %", "4.2 MB"],
      ["2026-11-24 13:00:00Z", "12", "50.0–51.0", "1.20", "75", "75", "YES", "YES", "40 %", "4.2 MB"],
      ["2026-11-24 14:00:00Z", "12", "60.0–61.0", "2.20", "75", "75", "no", "no", "40 %", "4.2 MB"],
    ]);
  });

  test("a long range gets longer rows: at most 24; --json prints the hub's JSON", async () => {
    const long = await cli(["health", "ridge", "--hours", "96"]);
    expect(long.code).toBe(0);
    expect(long.stdout).toContain("last 96 h, 4 h a row");
    expect(long.stdout).toMatch(/^\s+2026-11-24 12:00:00Z\s+36\s+40\.0–61\.0\s/m);
    const { stdout, code } = await cli(["--json", "health", "valley"]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.latest).toMatchObject({ at: "2026-11-24T14:55:00.000Z", health: { soc_temp_c: 39 }, now: { link: { iface: "wlan0", signal_pct: 60 } } });
    expect(json.buckets.length).toBeGreaterThan(0);
  });

  test("a camera that never sent health, an unknown camera, bad flags", async () => {
    const spare = await cli(["health", "spare"]);
    expect(spare.code).toBe(0);
    expect(spare.stdout).toContain("spare: no health reported yet");
    expect(spare.stdout).toContain("no health reported in this range");
    const unknown = await cli(["health", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("nope");
    expect((await cli(["health", "ridge", "--hours", "0"])).code).toBe(2);
    expect((await cli(["health", "ridge", "--hours", "745"])).code).toBe(2);
    expect((await cli(["health", "--hours", "3"])).code).toBe(2);
  });
});

describe("skylapse health", () => {
  test("the fleet's worst now, then each camera's health", async () => {
    const { stdout, code } = await cli(["health"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^fleet health, worst now over the 2 camera\(s\) online:$/m);
    expect(stdout).toMatch(/^hottest\s+ridge 61\.0 °C$/m);
    expect(stdout).toMatch(/^under-voltage now\s+none$/m);
    expect(stdout).toMatch(/^since boot\s+ridge$/m);
    expect(stdout).toMatch(/^weakest link\s+ridge 40 % \(wwan0\)$/m);
    expect(stdout).toMatch(/^\s+ridge\s+online\s+61\.0\s+no \/ YES\s+no\s+40 %\s+4\.2 MB$/m);
    expect(stdout).toMatch(/^\s+valley\s+online\s+39\.0\s+no \/ no\s+no\s+60 %\s+—$/m);
    expect(stdout).toMatch(/^\s+spare\s+waiting for first contact\s+—\s+—\s+—\s+—\s+—$/m);
  });
});
