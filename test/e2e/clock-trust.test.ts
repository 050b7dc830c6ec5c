import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentLog, brokenImages, duplicates, tickKey } from "../harness/agent-db";
import { realMsUntil, sharedClock, simNow, startAgent, startHub, tempDir, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER, hubCaptures } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);
/** One morning window from 07:00 local (14:00Z) to `end`, every 10 s. */
const morning = (end: string) => ({
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: end, interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"], image_sync: "thumbnails" } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 20, plan_days: 1 },
});

const track = stopAfterEach();

/** A stand-in for /proc/sys/kernel/random/boot_id: writing a new id is a reboot. */
function bootIdFile(dir: string, id: string): string {
  const file = join(dir, "boot_id");
  writeFileSync(file, `${id}\n`);
  return file;
}

async function report(hub: StartedHub, from: number, to: number) {
  return hub.json(`/api/cameras/ridge/report?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
}

/** Every planned tick of [from, to) is captured or missed with a reason; none is left not_reported; the counts add up. */
async function expectAccounted(hub: StartedHub, from: number, to: number) {
  const r = await report(hub, from, to);
  expect(r.missed_by_reason.not_reported).toBe(0);
  expect(r.planned).toBe(r.captured + r.missed);
  expect(Object.values(r.missed_by_reason as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(r.missed);
  return r;
}

async function hubEqualsAgent(hub: StartedHub, agent: StartedAgent) {
  const rows = agentLog(agent.dataDir);
  const atHub = await hubCaptures(hub, agent.cameraId, 0, 4_000_000_000_000);
  expect(duplicates(atHub.map((r) => r.id))).toEqual([]);
  expect(duplicates(atHub.map(tickKey))).toEqual([]);
  return { rows, atHub };
}

describe("clock trust across restarts, reboots and steps", () => {
  test("kill -9 twice during an hour's hub outage: the plan keeps running and every planned tick is accounted for", async () => {
    const config = morning("08:10");
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 120, 2500);
    let hub = track(await startHub({ config, clock }));
    const port = Number(new URL(hub.url).port);
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const dataDir = tempDir("kill9-outage");
    const env = { SKYLAPSE_BOOT_ID_FILE: bootIdFile(dataDir, "boot-a") };
    let agent = track(await startAgent({ cameraId: "ridge", hub, token, clock, dataDir, env }));
    await waitFor("the clock to be trusted", async () => (await agent.json("/status")).clock.trusted, 10_000, 50);
    await Bun.sleep(realMsUntil(clock, T("14:05")));
    await hub.stop(true);
    let downMs = 0;
    for (const [killAt, backAt] of [
      ["14:20", "14:23"],
      ["14:40", "14:41"],
    ] as const) {
      await Bun.sleep(realMsUntil(clock, T(killAt)));
      await agent.stop(true);
      const killedAt = simNow(clock);
      await Bun.sleep(realMsUntil(clock, T(backAt)));
      agent = track(await startAgent({ cameraId: "ridge", token, clock, dataDir, env: { ...env, SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_AGENT_TOKEN: token } }));
      downMs += simNow(clock) - killedAt;
      const status = await agent.json("/status");
      expect(status.clock.trusted).toBe(true);
      expect(status.next_capture).not.toBeNull();
    }
    await Bun.sleep(realMsUntil(clock, T("15:05")));
    hub = track(await startHub({ config, clock, dataDir: hub.dataDir, port }));
    await agent.json("/sync", { method: "POST" });
    await Bun.sleep(realMsUntil(clock, T("15:11")));
    await waitFor("the backlog to drain", async () => (await agent.json("/status")).backlog.count === 0, 30_000, 100);
    await agent.stop();

    const { rows, atHub } = await hubEqualsAgent(hub, agent);
    expect(atHub.map((r) => r.id).sort()).toEqual(rows.map((r) => r.record.id).sort());
    const records = rows.map((r) => r.record);
    const first = Math.min(...records.map((r) => Date.parse(r.planned_at)));
    const r = await expectAccounted(hub, first, T("15:10"));
    // The restarts cost only the time the agent was really down (3 + 1 minutes, plus the processes' start on a loaded machine).
    expect(r.missed_by_reason.agent_down).toBeGreaterThanOrEqual(20);
    expect(r.missed_by_reason.agent_down).toBeLessThanOrEqual(downMs / 10_000 + 8);
    expect(r.missed_by_reason.clock_untrusted).toBe(0);
    // The plan ran through the outage, before and after each restart.
    for (const [from, to] of [
      ["14:06", "14:20"],
      ["14:24", "14:40"],
      ["14:42", "15:05"],
    ] as const)
      expect(records.filter((x) => x.outcome === "captured" && Date.parse(x.planned_at) >= T(from) && Date.parse(x.planned_at) < T(to)).length).toBeGreaterThan(40);
    expect(records.filter((x) => x.schedule === "clock_untrusted")).toEqual([]);
  }, 120_000);

  test("a restart in the same boot keeps the hub's correction; a changed boot id starts untrusted", async () => {
    const config = morning("07:30");
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    const hub = track(await startHub({ config, clock }));
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const dataDir = tempDir("boot-id");
    const bootFile = bootIdFile(dataDir, "boot-a");
    // The Pi's clock runs 3 hours behind: the hub corrects it.
    const behind = { ...clock, start: new Date(T("13:59") - 3 * HOUR).toISOString() };
    const env = { SKYLAPSE_BOOT_ID_FILE: bootFile, SKYLAPSE_UNTRUSTED_GRACE_SECONDS: "0" };
    let agent = track(await startAgent({ cameraId: "ridge", hub, token, clock: behind, dataDir, env }));
    const trusted = await waitFor("the clock to be corrected", async () => {
      const s = await agent.json("/status");
      return s.clock.trusted && s;
    }, 10_000, 50);
    expect(trusted.clock.correction_ms).toBeGreaterThan(3 * HOUR - 5 * MIN);
    await agent.stop(true);
    // Same boot (kill -9, watchdog, upgrade), hub unreachable: trusted at once with the same correction.
    agent = track(await startAgent({ cameraId: "ridge", token, clock: behind, dataDir, env: { ...env, SKYLAPSE_HUB_URL: "http://127.0.0.1:9", SKYLAPSE_AGENT_TOKEN: token } }));
    const same = await agent.json("/status");
    expect(same.clock.trusted).toBe(true);
    expect(same.clock.source).toBe("hub");
    expect(same.clock.correction_ms).toBe(trusted.clock.correction_ms);
    expect(Math.abs(Date.parse(same.clock.now) - simNow(clock))).toBeLessThan(2 * MIN);
    expect(same.next_capture).not.toBeNull();
    await agent.stop(true);
    // A reboot: the boot id changes; without RTC, NTP or hub the clock is not trusted.
    bootIdFile(dataDir, "boot-b");
    agent = track(await startAgent({ cameraId: "ridge", token, clock: behind, dataDir, env: { ...env, SKYLAPSE_HUB_URL: "http://127.0.0.1:9", SKYLAPSE_AGENT_TOKEN: token } }));
    const rebooted = await agent.json("/status");
    expect(rebooted.clock.trusted).toBe(false);
    expect(rebooted.clock.correction_ms).toBe(0);
    expect(rebooted.next_capture).toBeNull();
  }, 60_000);

  test("a trusted clock an hour ahead, corrected by the hub, shoots its plan from the next tick; nothing reaches the hub misdated", async () => {
    const config = morning("08:30");
    const clock = sharedClock(new Date(T("13:58")).toISOString(), 60, 2500);
    let hub = track(await startHub({ config, clock }));
    const port = Number(new URL(hub.url).port);
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const dataDir = tempDir("ahead");
    const bootFile = bootIdFile(dataDir, "boot-a");
    let agent = track(await startAgent({ cameraId: "ridge", hub, token, clock, dataDir, env: { SKYLAPSE_BOOT_ID_FILE: bootFile } }));
    await waitFor("the plan", async () => (await agent.json("/status")).next_capture, 10_000, 50);
    await agent.stop(true);
    await hub.stop(true);

    // Reboot with an RTC declared trustworthy that runs an hour ahead; the hub is out of reach for the first minutes.
    bootIdFile(dataDir, "boot-b");
    const ahead = { ...clock, start: new Date(T("13:58") + HOUR).toISOString() };
    const env = { SKYLAPSE_BOOT_ID_FILE: bootFile, SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_AGENT_TOKEN: token };
    agent = track(await startAgent({ cameraId: "ridge", token, clock: ahead, dataDir, env }));
    await Bun.sleep(realMsUntil(clock, T("14:05")));
    hub = track(await startHub({ config, clock, dataDir: hub.dataDir, port }));
    await agent.json("/sync", { method: "POST" });
    await waitFor("the correction", async () => (await agent.json("/status")).clock.correction_ms < -HOUR + MIN, 10_000, 50);
    const correctedAt = simNow(clock);
    await Bun.sleep(realMsUntil(clock, T("14:08")));
    const status = await agent.json("/status");
    expect(Math.abs(Date.parse(status.clock.now) - simNow(clock))).toBeLessThan(MIN);
    expect(Date.parse(status.next_capture.at) - simNow(clock)).toBeLessThanOrEqual(20_000);
    await Bun.sleep(realMsUntil(clock, T("14:16")));
    await waitFor("the backlog to drain", async () => (await agent.json("/status")).backlog.count === 0, 30_000, 100);
    await agent.stop();
    const stoppedAt = simNow(clock);

    const { rows, atHub } = await hubEqualsAgent(hub, agent);
    const records = rows.map((r) => r.record);
    // It shot an hour ahead first (those records are re-timed), then the plan from the next tick after the correction.
    expect(records.filter((r) => r.time_corrected_ms !== null && r.time_corrected_ms < -HOUR + MIN).length).toBeGreaterThan(10);
    const after = records.filter((r) => r.outcome === "captured" && r.time_corrected_ms === null && Date.parse(r.planned_at) > correctedAt);
    expect(after.length).toBeGreaterThan(40);
    expect(Math.min(...after.map((r) => Date.parse(r.planned_at))) - correctedAt).toBeLessThan(60_000);
    expect(atHub.filter((r) => Date.parse(r.planned_at) > stoppedAt)).toEqual([]);
    // Misses it recorded for ticks that were really still an hour ahead stay in its log, set aside: the rest is at the hub.
    const setAside = records.filter((r) => !r.clock_trusted);
    expect(setAside.every((r) => r.outcome === "missed" && Date.parse(r.planned_at) > T("14:05"))).toBe(true);
    expect(atHub.map((r) => r.id).sort()).toEqual(records.filter((r) => r.clock_trusted).map((r) => r.id).sort());
    await expectAccounted(hub, T("14:00"), T("14:15"));
    expect(brokenImages(dataDir, rows)).toEqual([]);
  }, 60_000);

  test("a boot a day ahead, then a correct boot: the plan runs from its next tick, and the first boot's misdated captures never reach the hub", async () => {
    const config = morning("07:40");
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 60, 2500);
    let hub = track(await startHub({ config, clock }));
    const port = Number(new URL(hub.url).port);
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const dataDir = tempDir("day-ahead");
    const bootFile = bootIdFile(dataDir, "boot-a");
    const env = { SKYLAPSE_BOOT_ID_FILE: bootFile, SKYLAPSE_UNTRUSTED_GRACE_SECONDS: "0", SKYLAPSE_UNTRUSTED_INTERVAL: "20" };
    let agent = track(await startAgent({ cameraId: "ridge", hub, token, clock, dataDir, env }));
    await Bun.sleep(realMsUntil(clock, T("14:03")));
    await agent.stop(true);
    await hub.stop(true);

    // Boot b: no RTC, the clock a day ahead, no hub: safety captures dated tomorrow.
    bootIdFile(dataDir, "boot-b");
    const dayAhead = { start: new Date(simNow(clock) + DAY).toISOString(), speed: clock.speed, anchor: new Date().toISOString() };
    agent = track(await startAgent({ cameraId: "ridge", token, clock: dayAhead, dataDir, env: { ...env, SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_AGENT_TOKEN: token } }));
    await Bun.sleep(realMsUntil(clock, T("14:09")));
    await agent.stop(true);

    // Boot c: the clock is right (an RTC), the hub is back.
    bootIdFile(dataDir, "boot-c");
    hub = track(await startHub({ config, clock, dataDir: hub.dataDir, port }));
    agent = track(await startAgent({ cameraId: "ridge", token, clock, dataDir, env: { ...env, SKYLAPSE_CLOCK_TRUSTED: "true", SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_AGENT_TOKEN: token } }));
    const bootedC = simNow(clock);
    await Bun.sleep(realMsUntil(clock, T("14:14")));
    await waitFor("the backlog to drain", async () => (await agent.json("/status")).backlog.count === 0, 30_000, 100);
    await agent.stop();
    const stoppedAt = simNow(clock);

    const { rows, atHub } = await hubEqualsAgent(hub, agent);
    const records = rows.map((r) => r.record);
    const tomorrow = records.filter((r) => Date.parse(r.planned_at) > stoppedAt + HOUR);
    expect(tomorrow.length).toBeGreaterThanOrEqual(5);
    // Kept on the camera, images intact, never sent as if their dates were true.
    expect(tomorrow.every((r) => r.clock_trusted === false)).toBe(true);
    expect(brokenImages(dataDir, rows)).toEqual([]);
    for (const r of tomorrow.filter((x) => x.image)) expect(existsSync(join(dataDir, "images", r.image!.file))).toBe(true);
    expect(atHub.filter((r) => Date.parse(r.planned_at) > stoppedAt)).toEqual([]);
    // Boot c shoots its plan at once.
    const afterBoot = records.filter((r) => r.schedule === "morning" && r.outcome === "captured" && Date.parse(r.planned_at) > bootedC);
    expect(afterBoot.length).toBeGreaterThan(15);
    expect(Math.min(...afterBoot.map((r) => Date.parse(r.planned_at))) - bootedC).toBeLessThan(30_000);
    const first = Math.min(...records.map((r) => Date.parse(r.planned_at)));
    const r = await expectAccounted(hub, first, T("14:13"));
    expect(r.missed_by_reason.agent_down + r.missed_by_reason.clock_untrusted).toBeGreaterThan(20);
  }, 60_000);

  for (const reboot of [false, true])
    test(`a 3-day hub outage with ${reboot ? "a reboot (no RTC)" : "a kill -9 restart"} in the middle: every planned tick is accounted for once the hub is back`, async () => {
      const config = {
        location: DENVER,
        schedules: {
          sunrise: { offset_minutes: -20, duration_minutes: 60, interval_seconds: 600 },
          sunset: { offset_minutes: -20, duration_minutes: 60, interval_seconds: 600 },
        },
        cameras: { ridge: { deployed_profile: "f", schedules: ["sunrise", "sunset"], image_sync: "thumbnails" } },
        profiles: { f: { base: { metering: "matrix" } } },
        sync: { poll_interval_seconds: 3600, plan_days: 1 },
      };
      const spanStart = Date.parse("2026-11-24T07:30:00Z"); // 00:30 local
      const spanEnd = Date.parse("2026-11-28T03:00:00Z"); // after the fourth sunset
      const clock = sharedClock(new Date(spanStart).toISOString(), 10_000, 2500);
      let hub = track(await startHub({ config, clock }));
      const port = Number(new URL(hub.url).port);
      const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
      const dataDir = tempDir("multi-day");
      const bootFile = bootIdFile(dataDir, "boot-a");
      const env = { SKYLAPSE_BOOT_ID_FILE: bootFile, SKYLAPSE_UNTRUSTED_GRACE_SECONDS: "0", SKYLAPSE_UNTRUSTED_INTERVAL: "3600" };
      let agent = track(await startAgent({ cameraId: "ridge", hub, token, clock, dataDir, env }));
      await waitFor("the first plan", async () => (await agent.json("/status")).next_capture, 10_000, 50);
      await Bun.sleep(realMsUntil(clock, spanStart + 2 * HOUR));
      await hub.stop(true);
      // Midday of the second day, between its sunrise and sunset.
      await Bun.sleep(realMsUntil(clock, Date.parse("2026-11-25T19:00:00Z")));
      await agent.stop(true);
      if (reboot) bootIdFile(dataDir, "boot-b");
      agent = track(await startAgent({ cameraId: "ridge", token, clock, dataDir, env: { ...env, SKYLAPSE_HUB_URL: hub.url, SKYLAPSE_AGENT_TOKEN: token } }));
      expect((await agent.json("/status")).clock.trusted).toBe(!reboot);
      await Bun.sleep(realMsUntil(clock, spanStart + 74 * HOUR));
      hub = track(await startHub({ config, clock, dataDir: hub.dataDir, port }));
      await agent.json("/sync", { method: "POST" });
      await Bun.sleep(realMsUntil(clock, spanEnd));
      await waitFor("the backlog to drain", async () => (await agent.json("/status")).backlog.count === 0, 30_000, 100);
      await agent.stop();

      const { rows, atHub } = await hubEqualsAgent(hub, agent);
      expect(atHub.map((r) => r.id).sort()).toEqual(rows.map((r) => r.record.id).sort());
      const records = rows.map((r) => r.record);
      const first = Math.min(...records.map((r) => Date.parse(r.planned_at)));
      const r = await expectAccounted(hub, first, spanEnd);
      expect(r.planned).toBeGreaterThan(40);
      const capturedDays = new Set(records.filter((x) => x.outcome === "captured" && x.schedule === "sunrise").map((x) => x.planned_at.slice(0, 10)));
      if (!reboot) {
        // The plan ran through the outage: every day's windows, before and after the restart.
        expect(capturedDays.size).toBe(4);
        expect(r.missed_by_reason.clock_untrusted).toBe(0);
      } else {
        // After the reboot the clock could not be trusted until the hub came back: safety captures, re-timed, and the plan's ticks missed for that reason.
        expect(r.missed_by_reason.clock_untrusted).toBeGreaterThan(10);
        const safety = records.filter((x) => x.schedule === "clock_untrusted");
        expect(safety.length).toBeGreaterThan(15);
        expect(safety.every((x) => x.time_corrected_ms !== null)).toBe(true);
      }
    }, 120_000);
});
