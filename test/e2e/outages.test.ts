import { afterEach, describe, expect, test } from "bun:test";
import * as SunCalc from "suncalc";
import { agentLog, duplicates, tickKey } from "../harness/agent-db";
import { realMsUntil, sharedClock, simNow, startAgent, startHub, tempDir, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER, expectedTicks, hubCaptures } from "../harness/scenario";

const HOUR = 3_600_000;
let hub: StartedHub | undefined;
let agent: StartedAgent | undefined;
afterEach(async () => {
  await agent?.stop(true);
  await hub?.stop(true);
  agent = hub = undefined;
});

/** The hub holds exactly the agent's log: same ids, nothing twice. */
async function expectHubEqualsAgent(h: StartedHub, a: StartedAgent) {
  const records = agentLog(a.dataDir).map((r) => r.record);
  const atHub = await hubCaptures(h, a.cameraId, 0, 4_000_000_000_000);
  expect(duplicates(atHub.map((r) => r.id))).toEqual([]);
  expect(duplicates(atHub.map(tickKey))).toEqual([]);
  expect(atHub.map((r) => r.id).sort()).toEqual(records.map((r) => r.id).sort());
  return records;
}

describe("hub outages", () => {
  test("72 hours without the hub, past the cached plan: the agent extends the plan itself and loses no sunrise", async () => {
    const config = {
      location: DENVER,
      schedules: {
        sunrise: { offset_minutes: -20, duration_minutes: 60, interval_seconds: 1200 },
        sunset: { offset_minutes: -20, duration_minutes: 60, interval_seconds: 1200 },
      },
      // Thumbnails only: the test is about records and the plan, not the image backlog.
      cameras: { ridge: { deployed_profile: "f", schedules: ["sunrise", "sunset"], image_sync: "thumbnails" } },
      profiles: { f: { base: { metering: "matrix" } } },
      sync: { poll_interval_seconds: 3600, plan_days: 1 },
    };
    const spanStart = Date.parse("2026-11-24T07:30:00Z"); // 00:30 local
    const outageFrom = spanStart + 2 * HOUR;
    const outageTo = outageFrom + 72 * HOUR;
    const spanEnd = Date.parse("2026-11-28T03:00:00Z"); // after the fourth sunset
    const clock = sharedClock(new Date(spanStart).toISOString(), 10_000, 2500);
    hub = await startHub({ config, clock });
    const port = Number(new URL(hub.url).port);
    agent = await startAgent({ cameraId: "ridge", hub, clock });
    await waitFor("the first plan", async () => (await agent!.json("/status")).next_capture, 10_000, 50);

    await Bun.sleep(realMsUntil(clock, outageFrom));
    await hub.stop(true);
    await Bun.sleep(realMsUntil(clock, outageFrom + 48 * HOUR));
    const during = await agent.json("/status");
    expect(during.plan_extrapolated).toBe(true);
    expect(during.hub.reachable).toBe(false);
    expect(during.backlog.count).toBeGreaterThan(0);

    await Bun.sleep(realMsUntil(clock, outageTo));
    hub = await startHub({ config, clock, dataDir: hub.dataDir, port });
    await Bun.sleep(realMsUntil(clock, spanEnd));
    await waitFor("the backlog to drain", async () => (await agent!.json("/status")).backlog.count === 0, 20_000, 100);
    await agent.stop();

    const records = await expectHubEqualsAgent(hub, agent);
    const planned = expectedTicks(config, "ridge", spanStart, spanEnd);
    const sunriseTicks = planned.filter((t) => t.schedule === "sunrise");
    expect(new Set(sunriseTicks.map((t) => new Date(t.at).toISOString().slice(0, 10))).size).toBe(4);
    expect(records.map(tickKey).sort()).toEqual(planned.map((t) => `${new Date(t.at).toISOString()}|${t.profile}||`).sort());
    // Each of the four sunrises was captured; at ×10,000 on a loaded machine a tick may come late (recorded so), never lost.
    const capturedDays = new Set(records.filter((r) => r.schedule === "sunrise" && r.outcome === "captured").map((r) => r.planned_at.slice(0, 10)));
    expect(capturedDays.size).toBe(4);
    const notCaptured = records.filter((r) => r.outcome !== "captured");
    expect(notCaptured.every((r) => r.reason_code === "late")).toBe(true);
    expect(notCaptured.length).toBeLessThanOrEqual(2);
    expect(simNow(clock)).toBeGreaterThan(spanEnd);
  }, 120_000);

  test("the hub killed again and again while it ingests a backlog ends with each record once", async () => {
    const config = {
      location: DENVER,
      schedules: { morning: { start_time: "07:00", end_time: "07:30", interval_seconds: 10 } },
      cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] } },
      profiles: { f: { base: { metering: "matrix" } } },
      sync: { poll_interval_seconds: 30, plan_days: 1 },
    };
    const spanStart = Date.parse("2026-11-24T13:58:00Z");
    const spanEnd = Date.parse("2026-11-24T14:31:00Z");
    const clock = sharedClock(new Date(spanStart).toISOString(), 120, 2500);
    hub = await startHub({ config, clock });
    const { dataDir } = hub;
    const port = Number(new URL(hub.url).port);
    agent = await startAgent({ cameraId: "ridge", hub, clock, env: { SKYLAPSE_BATCH_SIZE: "4" } });
    await waitFor("the first plan", async () => (await agent!.json("/status")).next_capture, 10_000, 50);
    await hub.stop(true);
    await Bun.sleep(realMsUntil(clock, spanEnd));
    expect((await agent.json("/status")).backlog.count).toBe(180);

    for (const upMs of [150, 250, 400, 600]) {
      hub = await startHub({ config, clock, dataDir, port });
      await agent.json("/sync", { method: "POST" });
      await Bun.sleep(upMs);
      await hub.stop(true);
    }
    hub = await startHub({ config, clock, dataDir, port });
    await agent.json("/sync", { method: "POST" });
    await waitFor("the backlog to drain", async () => (await agent!.json("/status")).backlog.count === 0, 30_000, 100);
    await agent.stop();

    const records = await expectHubEqualsAgent(hub, agent);
    expect(records.length).toBe(180);
    expect(records.map(tickKey).sort()).toEqual(expectedTicks(config, "ridge", spanStart, spanEnd).map((t) => `${new Date(t.at).toISOString()}|${t.profile}||`).sort());
  }, 120_000);
});
