/**
 * The hub and its SQLite file: an outside process holding the write lock never
 * freezes the hub (its event loop stays free, the work completes once the lock
 * goes), and one data dir serves one hub (a second is refused at start; a hub
 * killed with -9 leaves nothing behind that stops the next one).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import * as SunCalc from "suncalc";
import { captureRecord, observedState } from "../harness/fixtures";
import { realMsUntil, sharedClock, startAgent, startHub, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { testBackend } from "../harness/postgres";
import { DENVER, hubCaptures } from "../harness/scenario";

const config = {
  location: DENVER,
  schedules: { sunrise: { offset_minutes: -15, duration_minutes: 30, interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["sunrise"] }, other: { deployed_profile: "f", schedules: [] } },
  profiles: { f: { base: { metering: "spot", ev: 0.7 } } },
  sync: { poll_interval_seconds: 10, plan_days: 2 },
};
const sunrise = SunCalc.getTimes(new Date("2026-11-24T19:00:00Z"), DENVER.latitude, DENVER.longitude).sunrise!.getTime();
const LOCK_MS = 3000;

const started: { stop: (hard?: boolean) => Promise<number> }[] = [];
afterAll(async () => {
  for (const s of started.reverse()) await s.stop(true);
});

async function timed(url: string, init?: RequestInit): Promise<{ ms: number; status: number }> {
  const t = performance.now();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return { ms: performance.now() - t, status: res.status };
}

// The SQLite file's lock: a hub on PostgreSQL has no such file.
describe.skipIf(testBackend() === "postgres")("an outside lock on the hub's database", () => {
  test(`held ${LOCK_MS} ms: /health stays fast, and the agent's polls and uploads complete once it is released`, async () => {
    const clock = sharedClock(new Date(sunrise - 16 * 60_000).toISOString(), 30, 2000);
    const hub = await startHub({ config, clock });
    started.push(hub);
    const agent: StartedAgent = await startAgent({ cameraId: "ridge", hub, clock });
    started.push(agent);
    const { token: otherToken } = await hub.json("/api/cameras/other/token", { method: "POST" });
    await Bun.sleep(realMsUntil(clock, sunrise - 14 * 60_000));
    await waitFor("the agent's first records at the hub", async () => (await hubCaptures(hub, "ridge", 0, 4e12)).length >= 3, 30_000);

    const otherPoll = () => ({ method: "POST", headers: { authorization: `Bearer ${otherToken}`, "content-type": "application/json" }, body: JSON.stringify(observedState({ log_id: "other-log" })) });
    expect((await timed(`${hub.url}/agent/v1/state`, otherPoll())).status).toBe(200);

    const outside = new Database(join(hub.dataDir, "hub.sqlite"));
    outside.exec("PRAGMA busy_timeout = 5000");
    outside.exec("BEGIN EXCLUSIVE");
    const lockedAt = Date.now();
    const upload = fetch(`${hub.url}/agent/v1/captures`, {
      method: "POST",
      headers: { authorization: `Bearer ${otherToken}`, "content-type": "application/json" },
      body: JSON.stringify({ log_id: "other-log", records: [captureRecord(1, { id: "other-1" })] }),
    });
    // A write that does not wait (an operator's) is refused at once, to be retried: nothing half done.
    const t = performance.now();
    const register = await hub.api("/api/cameras", { method: "POST", body: JSON.stringify({ id: "late", latitude: 40, longitude: -105, timezone: "UTC", schedules: [] }) });
    expect(performance.now() - t).toBeLessThan(500);
    expect(register.status).toBe(503);
    expect(register.headers.get("retry-after")).toBe("1");
    expect((await register.json()).error).toBe("busy");
    const health: number[] = [];
    const fleet: number[] = [];
    const polls: number[] = [];
    while (Date.now() - lockedAt < LOCK_MS) {
      const h = await timed(`${hub.url}/health`);
      expect(h.status).toBe(200);
      health.push(h.ms);
      const f = await timed(`${hub.url}/api/fleet`, { headers: { authorization: `Bearer ${hub.operatorToken}` } });
      expect(f.status).toBe(200);
      fleet.push(f.ms);
      const p = await timed(`${hub.url}/agent/v1/state`, otherPoll());
      expect(p.status).toBe(200);
      polls.push(p.ms);
      await Bun.sleep(50);
    }
    const heldBefore = (await hubCaptures(hub, "ridge", 0, 4e12)).length;
    const contactBefore = (await hub.json("/api/fleet")).cameras.find((c: any) => c.id === "ridge").last_contact_at;
    outside.exec("COMMIT");
    outside.close();

    // Today the hub blocks on its 5 s busy timeout whenever a write meets the lock.
    console.log(`during the lock: /health max ${Math.max(...health).toFixed(0)} ms (n=${health.length}), fleet max ${Math.max(...fleet).toFixed(0)} ms, poll max ${Math.max(...polls).toFixed(0)} ms`);
    expect(Math.max(...health)).toBeLessThan(200);
    expect(health.length).toBeGreaterThan(10);
    expect(Math.max(...fleet)).toBeLessThan(500);
    expect(Math.max(...polls)).toBeLessThan(500);
    const res = await upload;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, contiguous_through: 1, gaps: [] });

    await waitFor("the agent's records after the release", async () => (await hubCaptures(hub, "ridge", 0, 4e12)).length > heldBefore + 3, 30_000);
    await waitFor("its contacts written after the release", async () => {
      const camera = (await hub.json("/api/fleet")).cameras.find((c: any) => c.id === "ridge");
      return Date.parse(camera.last_contact_at) > Date.parse(contactBefore);
    }, 30_000);
    await waitFor("the agent's backlog to drain", async () => (await agent.json("/status")).backlog.count === 0, 30_000);
    expect(hub.output).not.toContain("internal error");
  }, 90_000);
});

function spawnSecondHub(dataDir: string, operatorToken: string) {
  return Bun.spawn(["bun", join(import.meta.dir, "..", "..", "hub/main.ts")], {
    cwd: join(import.meta.dir, "..", ".."),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SKYLAPSE_DATA_DIR: dataDir, SKYLAPSE_PORT: "0", SKYLAPSE_HOST: "127.0.0.1", SKYLAPSE_OPERATOR_TOKEN: operatorToken, SKYLAPSE_AUTO_TIMELAPSE: "0" },
    stdout: "pipe",
    stderr: "pipe",
  });
}

describe("one hub per data dir", () => {
  test("a second hub on the same data dir exits 2 with a clear message; the first keeps serving; after kill -9 a new hub starts", async () => {
    const first: StartedHub = await startHub({ config });
    started.push(first);
    const second = spawnSecondHub(first.dataDir, first.operatorToken);
    const exited = await Promise.race([second.exited, Bun.sleep(20_000).then(() => null)]);
    if (exited === null) second.kill(9);
    const stderr = await new Response(second.stderr).text();
    expect(exited).toBe(2);
    expect(stderr).toContain("another hub is already running on the data dir");
    expect(stderr).toContain(first.dataDir);

    expect((await timed(`${first.url}/health`)).status).toBe(200);
    expect((await first.json("/api/cameras")).cameras.map((c: any) => c.id)).toEqual(["other", "ridge"]);

    await first.stop(true);
    const next = await startHub({ config, dataDir: first.dataDir });
    started.push(next);
    expect((await next.json("/api/cameras")).cameras.map((c: any) => c.id)).toEqual(["other", "ridge"]);
  }, 60_000);
});
