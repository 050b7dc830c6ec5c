import { afterAll, describe, expect, test } from "bun:test";
import { realMsUntil, sharedClock, simNow, startAgent, startHub, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER, expectedTicks, hubCaptures } from "../harness/scenario";

const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const config = {
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: "07:12", interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] } },
  profiles: { f: { base: { metering: "matrix", ev: 0 } } },
  sync: { poll_interval_seconds: 10, plan_days: 1 },
};

let hub: StartedHub;
let agent: StartedAgent;
afterAll(async () => {
  await agent?.stop(true);
  await hub?.stop(true);
});

describe("A/B override tests on a simulated camera", () => {
  test("pairs under the same light, measured, summarised; production never replaced; the test ends by itself; a cancel works from the next poll", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    hub = await startHub({ config, clock });
    agent = await startAgent({ cameraId: "ridge", hub, clock });
    const created = await hub.json("/api/tests", {
      method: "POST",
      body: JSON.stringify({ id: "brighter", camera_id: "ridge", schedule: "morning", override: { ev: 1.5 }, pairs: 8 }),
    });
    expect(created).toMatchObject({ id: "brighter", status: "running", pairs_target: 8 });
    const bad = await hub.api("/api/tests", { method: "POST", body: JSON.stringify({ camera_id: "ridge", override: { ev: 1 } }) });
    expect(bad.status).toBe(422);
    expect((await bad.json()).message).toContain("pairs or until");
    await agent.json("/sync", { method: "POST" });

    const done = await waitFor("the test to finish", async () => {
      const t = await hub.json("/api/tests/brighter");
      return t.status === "done" && t;
    }, 40_000, 200);
    expect(done.pairs.length).toBe(8);
    for (const pair of done.pairs) {
      expect(pair.baseline.outcome).toBe("captured");
      expect(pair.variant.outcome).toBe("captured");
      expect(pair.baseline.ev).toBe(0);
      expect(pair.variant.ev).toBe(1.5);
      expect(pair.variant.measures.mean_luma).toBeGreaterThan(pair.baseline.measures.mean_luma);
      expect(pair.variant_minus_baseline_stops).toBeGreaterThan(0.3);
      expect(pair.baseline.white_balance).toBe("auto");
    }
    expect(done.summary.pairs).toBe(8);
    expect(["baseline", "variant"]).toContain(done.summary.closer);
    expect(done.summary.by_stops).toBeGreaterThan(0);
    // The list tells the same: the pairs per camera and the summary, without the pairs themselves.
    const listed = (await hub.json("/api/tests")).tests.find((t: { id: string }) => t.id === "brighter");
    expect(listed).toMatchObject({ status: "done", pairs_done: done.pairs_done, summary: done.summary });
    expect(Object.values(listed.pairs_done)).toEqual([8]);
    expect(listed.pairs).toBeUndefined();

    // A second test, cancelled: no variants after the agent's next poll.
    await hub.json("/api/tests", { method: "POST", body: JSON.stringify({ id: "warmer", camera_id: "ridge", override: { white_balance: { mode: "tungsten" } }, until: "2026-11-24T20:00:00Z" }) });
    await agent.json("/sync", { method: "POST" });
    await waitFor("a pair of the second test", async () => (await hub.json("/api/tests/warmer")).pairs.length >= 2, 20_000, 200);
    const cancelled = await hub.json("/api/tests/warmer/cancel", { method: "POST" });
    expect(cancelled.status).toBe("cancelled");
    await agent.json("/sync", { method: "POST" });
    await Bun.sleep(realMsUntil(clock, simNow(clock) + 30_000));
    const atCancel = (await hub.json("/api/tests/warmer")).pairs.length;
    await Bun.sleep(realMsUntil(clock, T("14:12") + 20_000));
    await agent.json("/sync", { method: "POST" });
    await waitFor("the backlog to drain", async () => (await agent.json("/status")).backlog.count === 0, 20_000, 100);
    expect((await hub.json("/api/tests/warmer")).pairs.length).toBe(atCancel);
    expect((await hub.json("/api/tests/warmer/cancel", { method: "POST" }).catch((e) => e.message))).toContain("409");

    // Production: every planned tick has its own capture, test or no test.
    const records = await hubCaptures(hub, "ridge", T("13:59"), T("14:13"));
    const production = records.filter((r) => r.test_role !== "variant");
    expect(production.map((r) => r.planned_at).sort()).toEqual(expectedTicks(config, "ridge", T("13:59"), T("14:13")).map((t) => new Date(t.at).toISOString()).sort());
    expect(records.filter((r) => r.test_id === "brighter").map((r) => r.test_role).sort()).toEqual([...Array(8).fill("baseline"), ...Array(8).fill("variant")]);
    // Every captured frame is measured (a tick that came late on a loaded machine is a recorded miss, without a picture).
    const shot = production.filter((r) => r.outcome === "captured");
    expect(shot.length).toBeGreaterThanOrEqual(Math.floor(production.length * 0.9));
    expect(shot.every((r) => r.measures && r.measures.mean_luma > 0)).toBe(true);
    const misses = production.filter((r) => r.outcome !== "captured").map((r) => r.reason_code);
    expect(misses).toEqual(misses.map(() => "late"));
    const audit = (await hub.json("/api/audit")).entries.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(["test.create", "test.cancel"]));
  }, 90_000);
});
