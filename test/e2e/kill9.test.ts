import { afterAll, describe, expect, test } from "bun:test";
import * as SunCalc from "suncalc";
import { agentLog, brokenImages, duplicates, tempFiles, tickKey } from "../harness/agent-db";
import { realMsUntil, sharedClock, simNow, startAgent, startHub, tempDir, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER, RIDGE_SUNRISE_CONFIG, expectedTicks, hubCaptures } from "../harness/scenario";

const KILLS = Number(process.env.SKYLAPSE_SOAK_KILLS ?? 20);
// The window grows with the kills (30 min for 20), so a soak's restarts all fall on planned ticks.
const WINDOW_MINUTES = Math.min(1380, Math.max(30, Math.round((30 * KILLS) / 20)));
const config = {
  ...RIDGE_SUNRISE_CONFIG,
  schedules: { sunrise: { ...RIDGE_SUNRISE_CONFIG.schedules.sunrise, duration_minutes: WINDOW_MINUTES } },
};
const sunrise = SunCalc.getTimes(new Date("2026-11-24T19:00:00Z"), DENVER.latitude, DENVER.longitude).sunrise!.getTime();
const spanStart = sunrise - 16 * 60_000;
const spanEnd = sunrise + (WINDOW_MINUTES - 14) * 60_000;

/** Deterministic pseudo-random kill points, so a failure can be replayed. */
function* randomMs(seed: number, min: number, max: number) {
  let s = seed;
  for (;;) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    yield min + (s % (max - min));
  }
}

describe("kill -9 at random instants", () => {
  let hub: StartedHub;
  let agent: StartedAgent | undefined;
  afterAll(async () => {
    await agent?.stop(true);
    await hub?.stop();
  });

  test(`${KILLS} kills during capture, commit and upload, a third of them in a hub outage, lose no committed record, duplicate none and account for every tick`, async () => {
    const clock = sharedClock(new Date(spanStart).toISOString(), 90, 2000);
    hub = await startHub({ config, clock });
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const dataDir = tempDir("kill9");
    const start = () => startAgent({ cameraId: "ridge", hub, token, clock, dataDir, env: { SKYLAPSE_BATCH_SIZE: "7" } });
    const delays = randomMs(42, 40, 700);
    const port = Number(new URL(hub.url).port);
    const outage = { from: 0, to: 0 };
    await Bun.sleep(realMsUntil(clock, sunrise - 14 * 60_000));
    for (let i = 0; i < KILLS; i++) {
      // The middle third of the kills fall in a hub outage: each new process must run the plan on its own.
      if (i === Math.floor(KILLS / 3)) {
        await hub.stop(true);
        outage.from = simNow(clock);
      }
      if (i === Math.floor((2 * KILLS) / 3)) {
        outage.to = simNow(clock);
        hub = await startHub({ config, clock, dataDir: hub.dataDir, port });
      }
      agent = await start();
      await Bun.sleep(delays.next().value!);
      await agent.stop(true);
    }
    agent = await start();
    expect(agent.output).not.toContain("Error");
    await Bun.sleep(realMsUntil(clock, spanEnd));
    await waitFor("the outbox to drain", async () => (await agent!.json("/status")).backlog.count === 0, 30_000);
    expect(simNow(clock)).toBeGreaterThan(spanEnd);
    await agent.stop();

    const rows = agentLog(dataDir);
    const records = rows.map((r) => r.record);
    const atHub = await hubCaptures(hub, "ridge", 0, 4_000_000_000_000);
    expect(duplicates(atHub.map((r) => r.id))).toEqual([]);
    expect(duplicates(atHub.map(tickKey))).toEqual([]);
    expect(duplicates(records.map(tickKey))).toEqual([]);
    expect(atHub.map((r) => r.id).sort()).toEqual(records.map((r) => r.id).sort());
    expect(rows.every((r) => r.uploaded)).toBe(true);
    expect(brokenImages(dataDir, rows)).toEqual([]);
    expect(tempFiles(dataDir)).toEqual([]);

    // Every planned tick has its record: captured, or missed while the agent was down.
    const planned = expectedTicks(config, "ridge", spanStart, spanEnd).map((t) => `${new Date(t.at).toISOString()}|${t.profile}||`);
    const inSpan = records.filter((r) => Date.parse(r.planned_at) >= spanStart && Date.parse(r.planned_at) < spanEnd);
    expect(inSpan.map(tickKey).sort()).toEqual(planned.filter((k) => Date.parse(k.split("|")[0]!) >= Date.parse(inSpan[0]!.planned_at)).sort());
    expect(records.filter((r) => r.reason_code === "agent_down").length).toBeGreaterThan(KILLS);
    expect(records.filter((r) => r.outcome === "captured").length).toBeGreaterThan(30);
    // The processes started during the outage ran the plan (the clock they trusted stays trusted within the boot).
    const inOutage = (r: { planned_at: string }) => Date.parse(r.planned_at) >= outage.from && Date.parse(r.planned_at) < outage.to;
    expect(records.filter((r) => inOutage(r) && r.outcome === "captured" && r.schedule === "sunrise").length).toBeGreaterThanOrEqual(Math.floor(KILLS / 6));

    // At the hub, caught up: every planned tick since the agent's first record is captured or missed with a reason.
    const range = `from=${inSpan[0]!.planned_at}&to=${new Date(spanEnd).toISOString()}`;
    const report = await hub.json(`/api/cameras/ridge/report?${range}`);
    expect(report.missed_by_reason.not_reported).toBe(0);
    expect(report.planned).toBe(report.captured + report.missed);
    // The hub plans from the camera's first contact (its first poll), which may come a tick or two after its first record.
    const lifeStart = Math.max(Date.parse(inSpan[0]!.planned_at), Date.parse(report.first_contact_at));
    expect(report.planned).toBe(planned.filter((k) => Date.parse(k.split("|")[0]!) >= lifeStart).length);
  }, 120_000 + KILLS * 3_000);
});
