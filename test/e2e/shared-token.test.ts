/**
 * One token, one agent: two real agents started with one camera's token are
 * detected as soon as the first one comes back after the second appeared. The
 * fleet shows `token_shared` with an incident, the second agent's log is refused
 * with a 409 that says what to do (and stays refused across a hub restart), no
 * record of it is taken after the detection, and a new token resolves it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import * as SunCalc from "suncalc";
import { captureRecord } from "../harness/fixtures";
import { realMsUntil, sharedClock, simNow, startAgent, startHub, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER, RIDGE_SUNRISE_CONFIG, hubCaptures } from "../harness/scenario";

const config = RIDGE_SUNRISE_CONFIG;
const sunrise = SunCalc.getTimes(new Date("2026-11-24T19:00:00Z"), DENVER.latitude, DENVER.longitude).sunrise!.getTime();

const running: { stop: (hard?: boolean) => Promise<number> }[] = [];
afterAll(async () => {
  for (const s of running.reverse()) await s.stop(true);
});

/** The agent's capture log id, read from its database while it runs (WAL). */
function logIdOf(agent: StartedAgent): string {
  const db = new Database(join(agent.dataDir, "agent.sqlite"), { readonly: true });
  try {
    return (db.query("SELECT value FROM meta WHERE key = 'log_id'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}

const fleetRidge = async (hub: StartedHub) => (await hub.json("/api/fleet")).cameras.find((c: any) => c.id === "ridge");

async function upload(hub: StartedHub, token: string, logId: string, seq: number) {
  const res = await fetch(`${hub.url}/agent/v1/captures`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ log_id: logId, records: [captureRecord(seq, { id: `${logId}-${seq}` }, 1000 + seq)] }),
  });
  return { status: res.status, body: await res.json() };
}

describe("one camera token presented by two agents", () => {
  test("token_shared in the fleet with an incident, the second log refused (409) across a hub restart, until a new token", async () => {
    const clock = sharedClock(new Date(sunrise - 16 * 60_000).toISOString(), 30, 2000);
    let hub = await startHub({ config, clock });
    running.push(hub);
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const first = await startAgent({ cameraId: "ridge", hub, token, clock, seed: 1 });
    running.push(first);
    await Bun.sleep(realMsUntil(clock, sunrise - 14 * 60_000));
    await waitFor("the first agent's records at the hub", async () => (await hubCaptures(hub, "ridge", 0, 4e12)).length >= 3, 30_000);
    expect((await fleetRidge(hub)).attention).not.toContain("token_shared");

    const second = await startAgent({ cameraId: "ridge", hub, token, clock, seed: 2 });
    running.push(second);
    const [kept, refused] = [logIdOf(first), logIdOf(second)];
    expect(kept).not.toBe(refused);

    // Today both are accepted, their frames interleave, and the fleet shows nothing.
    const camera = await waitFor("token_shared in the fleet", async () => {
      const c = await fleetRidge(hub);
      return c.attention.includes("token_shared") ? c : null;
    }, 30_000);
    const incident = camera.incidents.find((i: any) => i.kind === "token_shared");
    expect(incident.detail).toContain(kept);
    expect(incident.detail).toContain(refused);
    const detectedAt = Date.parse(incident.at);

    const status = await waitFor("the second agent told 409", async () => {
      const s = await second.json("/status");
      return s.hub.last_error?.includes("409") ? s : null;
    }, 30_000);
    expect(status.hub.last_error).toContain("token_shared");

    // The first agent goes on; nothing of the second log is taken after the detection.
    await Bun.sleep(realMsUntil(clock, simNow(clock) + 2 * 60_000));
    await waitFor("the first agent's backlog to drain", async () => (await first.json("/status")).backlog.count === 0, 30_000);
    const held = await hubCaptures(hub, "ridge", 0, 4e12);
    const late = held.filter((r) => Date.parse(r.received_at) > detectedAt);
    expect(late.length).toBeGreaterThan(3);
    expect(late.filter((r) => r.log_id !== kept)).toEqual([]);

    const refusal = await upload(hub, token, refused, 9000);
    expect(refusal.status).toBe(409);
    expect(refusal.body.error).toBe("token_shared");
    expect(refusal.body.message).toContain("new token");
    expect(refusal.body.message).toContain("skylapse cameras-enroll ridge");

    // The state is the database's: a restarted hub still refuses the second log and keeps the first.
    await second.stop();
    await first.stop();
    const port = Number(new URL(hub.url).port);
    await hub.stop(true);
    hub = await startHub({ config, clock, dataDir: hub.dataDir, port });
    running.push(hub);
    expect((await fleetRidge(hub)).attention).toContain("token_shared");
    expect((await upload(hub, token, refused, 9001)).status).toBe(409);
    expect((await upload(hub, token, kept, 9001)).status).toBe(200);

    // The operator resolves it with a new token for the right device: the old one is refused, the new one binds its log.
    const { token: fresh } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    expect((await upload(hub, token, kept, 9002)).status).toBe(401);
    expect((await upload(hub, fresh, refused, 9002)).status).toBe(200);
    expect((await fleetRidge(hub)).attention).not.toContain("token_shared");
  }, 120_000);
});
