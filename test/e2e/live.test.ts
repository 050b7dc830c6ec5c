import { afterAll, describe, expect, test } from "bun:test";
import { agentLog } from "../harness/agent-db";
import { FaultProxy } from "../harness/fault-proxy";
import { realMsUntil, sharedClock, startAgent, startHub, type StartedAgent, waitFor } from "../harness/processes";
import { DENVER, expectedTicks, hubCaptures } from "../harness/scenario";

const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
const stops: { stop: (hard?: boolean) => Promise<unknown> }[] = [];
afterAll(async () => {
  await Promise.all(stops.map((s) => s.stop(true)));
});

describe("live orchestration (development mode)", () => {
  test("the hub drives three live cameras in parallel; one down and one hanging are reported and do not delay the others", async () => {
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 20, 4000);
    const env = { SKYLAPSE_CLOCK_TRUSTED: "true" };
    const mountain = await startAgent({ cameraId: "mountain_view", clock, env, seed: 1 });
    const valley = await startAgent({ cameraId: "valley", clock, env, seed: 2 });
    const gone = await startAgent({ cameraId: "overhead", clock, env, seed: 3 });
    stops.push(mountain, valley);
    await gone.stop(true);
    const hanging = await FaultProxy.start({ target: { host: "127.0.0.1", port: Number(new URL(mountain.url).port) }, mode: "stall" });
    stops.push({ stop: () => hanging.close() });
    const port = (a: { url: string }) => Number(new URL(a.url).port);
    const live = (p: number, profile: string) => ({ mode: "live", host: "127.0.0.1", port: p, deployed_profile: profile, schedules: ["morning"] });
    const config = {
      location: DENVER,
      schedules: { morning: { start_time: "07:00", end_time: "07:05", interval_seconds: 10 } },
      cameras: { mountain_view: live(port(mountain), "f"), valley: live(port(valley), "e"), overhead: live(port(gone), "f"), tower: live(hanging.port, "f") },
      profiles: { f: { base: { metering: "spot", ev: 0.7 } }, e: { base: { metering: "matrix" }, adaptive_wb: { curve: "balanced" } } },
      sync: { poll_interval_seconds: 60, plan_days: 1 },
    };
    const hub = await startHub({ config, clock, env: { SKYLAPSE_LIVE_TIMEOUT_MS: "1000" } });
    stops.push(hub);
    await Bun.sleep(realMsUntil(clock, T("14:05") + 15_000));
    await waitFor("the last tick to be stored", async () => (await hubCaptures(hub, "valley", T("14:00"), T("14:05"))).length === 30, 10_000, 100);

    const ticks = expectedTicks(config, "valley", T("13:59"), T("14:06")).map((t) => new Date(t.at).toISOString());
    expect(ticks.length).toBe(30);
    for (const agent of [mountain, valley] as StartedAgent[]) {
      const records = await hubCaptures(hub, agent.cameraId, T("13:59"), T("14:06"));
      expect(records.map((r) => r.planned_at).sort()).toEqual(ticks);
      expect(records.filter((r) => r.outcome !== "captured").map((r) => r.reason)).toEqual([]);
      // Every capture fired within a second (simulated) of its tick, though the hanging camera holds each request for 1 s (20 s simulated).
      for (const r of records) expect(Date.parse(r.captured_at) - Date.parse(r.planned_at)).toBeLessThan(5_000);
      expect(records[0].settings.metering).toBe(agent.cameraId === "valley" ? "matrix" : "spot");
      expect(records[0].settings.white_balance.mode).toBe(agent.cameraId === "valley" ? "kelvin" : "auto");
      expect(records[0].image.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const down = await hubCaptures(hub, "overhead", T("13:59"), T("14:06"));
    expect(down.length).toBe(30);
    expect(down.every((r) => r.outcome === "failed" && r.reason_code === "camera_error" && r.reason.includes("did not capture"))).toBe(true);
    // The hanging camera: one attempt per tick at most, each given up after the timeout; ticks that come while it hangs are late.
    const hung = await hubCaptures(hub, "tower", T("13:59"), T("14:06"));
    expect(hung.length).toBe(30);
    expect(hung.filter((r) => r.reason_code === "camera_error").length).toBeGreaterThan(3);
    expect(hung.filter((r) => r.reason_code === "late").every((r) => r.reason.includes("still running"))).toBe(true);
    expect(hung.every((r) => r.outcome !== "captured")).toBe(true);
    const status = (await hub.json("/api/live")).cameras;
    expect(status.find((c: { camera_id: string }) => c.camera_id === "valley")).toMatchObject({ reachable: true, consecutive_failures: 0 });
    expect(status.find((c: { camera_id: string }) => c.camera_id === "overhead")).toMatchObject({ reachable: false, consecutive_failures: 30 });
    expect(status.find((c: { camera_id: string }) => c.camera_id === "tower").last_error).toContain("timed out");

    // The agents logged the same captures under the same ticks, so an agent that also syncs adds nothing twice.
    await mountain.stop();
    const own = agentLog(mountain.dataDir).map((r) => r.record.planned_at);
    expect(own.sort()).toEqual(ticks);
  }, 90_000);
});
