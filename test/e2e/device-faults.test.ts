import { describe, expect, test } from "bun:test";
import { closeSync, existsSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { agentLog, brokenImages, duplicates, tickKey } from "../harness/agent-db";
import { FaultProxy } from "../harness/fault-proxy";
import { realMsUntil, sharedClock, simNow, startAgent, startHub, tempDir, type StartedAgent, type StartedHub, waitFor } from "../harness/processes";
import { DENVER, hubCaptures } from "../harness/scenario";
import { stopAfterEach } from "../harness/tracked";

/** One morning window from 07:00 local (14:00Z) to `end`; each test ends its window before the final drain, so the logs compared are complete. */
const configUntil = (end: string) => ({
  location: DENVER,
  schedules: { morning: { start_time: "07:00", end_time: end, interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["morning"] }, valley: { deployed_profile: "f", schedules: ["morning"] } },
  profiles: { f: { base: { metering: "matrix" } } },
  sync: { poll_interval_seconds: 20, plan_days: 1 },
});
const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00Z`);

const track = stopAfterEach();

async function hubEqualsAgent(hub: StartedHub, agent: StartedAgent) {
  const rows = agentLog(agent.dataDir);
  const atHub = await hubCaptures(hub, agent.cameraId, 0, 4_000_000_000_000);
  expect(duplicates(atHub.map((r) => r.id))).toEqual([]);
  expect(duplicates(atHub.map(tickKey))).toEqual([]);
  expect(atHub.map((r) => r.id).sort()).toEqual(rows.map((r) => r.record.id).sort());
  return { rows, atHub };
}

describe("faults a Pi meets", () => {
  test("a clock that boots in 1970: safety captures only, re-timed once the hub vouches for the time; planned ticks meanwhile are missed as clock_untrusted", async () => {
    const config = configUntil("07:20");
    const clock = sharedClock(new Date(T("13:58")).toISOString(), 120, 2500);
    let hub = track(await startHub({ config, clock }));
    const port = Number(new URL(hub.url).port);
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const dataDir = tempDir("clock1970");
    const bootIdFile = join(dataDir, "boot_id");
    writeFileSync(bootIdFile, "boot-a");
    const env = { SKYLAPSE_UNTRUSTED_GRACE_SECONDS: "0", SKYLAPSE_UNTRUSTED_INTERVAL: "30", SKYLAPSE_BOOT_ID_FILE: bootIdFile };
    let agent = track(await startAgent({ cameraId: "ridge", hub, token, clock, dataDir, env }));
    await Bun.sleep(realMsUntil(clock, T("14:05")));
    await agent.stop(true);
    await hub.stop(true);

    // Power comes back without an RTC (a new boot): the clock starts at the epoch, and there is no network.
    writeFileSync(bootIdFile, "boot-b");
    const bootedAt = Date.now();
    const wrongClock = { start: "1970-01-01T00:00:00.000Z", speed: clock.speed, anchor: new Date(bootedAt).toISOString() };
    agent = track(await startAgent({ cameraId: "ridge", hub, token, clock: wrongClock, dataDir, env }));
    const untrusted = await agent.json("/status");
    expect(untrusted.clock.trusted).toBe(false);
    expect(untrusted.next_capture).toBeNull();
    expect(untrusted.incidents.map((i: { kind: string }) => i.kind)).toContain("clock_untrusted");
    await Bun.sleep(realMsUntil(clock, T("14:12")));

    hub = track(await startHub({ config, clock, dataDir: hub.dataDir, port }));
    await agent.json("/sync", { method: "POST" });
    await waitFor("the clock to be trusted", async () => (await agent.json("/status")).clock.trusted, 10_000, 50);
    const trustedAt = simNow(clock);
    await Bun.sleep(realMsUntil(clock, T("14:21")));
    await waitFor("the backlog to drain", async () => (await agent.json("/status")).backlog.count === 0, 20_000, 100);
    const status = await agent.json("/status");
    expect(status.clock.source).toBe("hub");
    expect(status.incidents.map((i: { kind: string }) => i.kind)).toContain("clock_corrected");
    await agent.stop();

    const { rows } = await hubEqualsAgent(hub, agent);
    const safety = rows.map((r) => r.record).filter((r) => r.schedule === "clock_untrusted");
    expect(safety.length).toBeGreaterThanOrEqual(8);
    const bootTrue = T("13:58") + (bootedAt - Date.parse(clock.anchor)) * clock.speed;
    for (const r of safety) {
      expect(r.clock_trusted).toBe(false);
      expect(r.time_corrected_ms).toBeGreaterThan(50 * 365 * 86_400_000);
      // Re-timed from the monotonic clock: within the span it really happened in (±2 s of latency × speed).
      expect(Date.parse(r.captured_at!)).toBeGreaterThan(bootTrue - 2_000 * clock.speed);
      expect(Date.parse(r.captured_at!)).toBeLessThan(trustedAt);
    }
    const untrustedMisses = rows.map((r) => r.record).filter((r) => r.reason_code === "clock_untrusted");
    expect(untrustedMisses.length).toBeGreaterThan(20);
    expect(untrustedMisses.every((r) => Date.parse(r.planned_at) >= bootTrue - 10_000 && Date.parse(r.planned_at) < trustedAt)).toBe(true);
    const afterTrust = rows.map((r) => r.record).filter((r) => r.schedule === "morning" && r.outcome === "captured" && Date.parse(r.planned_at) > trustedAt);
    expect(afterTrust.length).toBeGreaterThan(30);
  }, 120_000);

  test("a full storage budget: the only copy of an image is never deleted unless the operator allows it; then the oldest go first", async () => {
    // Thumbnails only: no full image reaches the hub, so every image on the camera is the only copy.
    const base = configUntil("07:20");
    const config = { ...base, cameras: { ridge: { ...base.cameras.ridge, image_sync: "thumbnails" }, valley: { ...base.cameras.valley, image_sync: "thumbnails" } } };
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 120, 2500);
    const hub = track(await startHub({ config, clock }));
    const budget = { SKYLAPSE_STORAGE_BUDGET_MB: "1", SKYLAPSE_MIN_FREE_MB: "0" };
    const keeper = track(await startAgent({ cameraId: "ridge", hub, clock, env: budget }));
    const purger = track(await startAgent({ cameraId: "valley", hub, clock, env: { ...budget, SKYLAPSE_PURGE_UNUPLOADED: "true" } }));
    await Bun.sleep(realMsUntil(clock, T("14:10")));
    const full = await keeper.json("/status");
    expect(full.disk.warning).toBe(true);
    expect(full.disk.images_bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(full.incidents.map((i: { kind: string }) => i.kind)).toContain("disk_full");
    const cameras = (await hub.json("/api/cameras")).cameras;
    expect(cameras.find((c: { id: string }) => c.id === "ridge").observed.disk.warning).toBe(true);
    expect((await purger.json("/status")).incidents.map((i: { kind: string }) => i.kind)).toContain("images_purged");
    await Bun.sleep(realMsUntil(clock, T("14:21")));
    for (const agent of [keeper, purger]) await waitFor("the backlog to drain", async () => (await agent.json("/status")).backlog.count === 0, 20_000, 100);
    await Promise.all([keeper.stop(), purger.stop()]);

    const kept = (await hubEqualsAgent(hub, keeper)).rows;
    expect(kept.filter((r) => r.purged)).toEqual([]);
    expect(kept.filter((r) => r.record.reason_code === "disk_full").length).toBeGreaterThan(40);
    expect(brokenImages(keeper.dataDir, kept)).toEqual([]);
    const onDisk = kept.filter((r) => r.record.image).reduce((sum, r) => sum + r.record.image!.bytes, 0);
    expect(onDisk).toBeLessThanOrEqual(1024 * 1024);

    const purged = (await hubEqualsAgent(hub, purger)).rows;
    expect(purged.filter((r) => r.record.reason_code === "disk_full")).toEqual([]);
    expect(purged.filter((r) => r.record.outcome === "captured").length).toBeGreaterThan(100);
    const gone = purged.filter((r) => r.purged).map((r) => r.record.planned_at);
    const left = purged.filter((r) => !r.purged && r.record.image).map((r) => r.record.planned_at);
    expect(gone.length).toBeGreaterThan(40);
    expect(gone.every((t) => left.every((u) => t < u))).toBe(true);
    expect(brokenImages(purger.dataDir, purged)).toEqual([]);
  }, 120_000);

  test("a corrupted database is moved aside; the agent rebuilds its log from the images, keeps capturing, and the hub holds each capture once", async () => {
    const config = configUntil("07:13");
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 120, 2500);
    let hub = track(await startHub({ config, clock }));
    const port = Number(new URL(hub.url).port);
    const { token } = await hub.json("/api/cameras/ridge/token", { method: "POST" });
    const dataDir = tempDir("corrupt");
    let agent = track(await startAgent({ cameraId: "ridge", hub, token, clock, dataDir }));
    await Bun.sleep(realMsUntil(clock, T("14:05")));
    await hub.stop(true);
    await Bun.sleep(realMsUntil(clock, T("14:08")));
    await agent.stop(true);

    // Power loss on an SD card: the WAL is gone and the database file is garbage.
    const dbFile = join(dataDir, "agent.sqlite");
    rmSync(`${dbFile}-wal`, { force: true });
    rmSync(`${dbFile}-shm`, { force: true });
    const fd = openSync(dbFile, "r+");
    writeSync(fd, Buffer.alloc(16384, 0x5a), 0, 16384, 0);
    closeSync(fd);

    hub = track(await startHub({ config, clock, dataDir: hub.dataDir, port }));
    agent = track(await startAgent({ cameraId: "ridge", hub, token, clock, dataDir }));
    expect(readdirSync(dataDir).some((f) => f.startsWith("agent.sqlite.corrupt-"))).toBe(true);
    await Bun.sleep(realMsUntil(clock, T("14:14")));
    await waitFor("the backlog to drain", async () => (await agent.json("/status")).backlog.count === 0, 20_000, 100);
    const status = await agent.json("/status");
    expect(status.incidents.map((i: { kind: string }) => i.kind)).toContain("db_recovered");
    await agent.stop();

    const rows = agentLog(dataDir);
    const atHub = await hubCaptures(hub, "ridge", 0, 4_000_000_000_000);
    expect(duplicates(atHub.map(tickKey))).toEqual([]);
    const hubKeys = new Set(atHub.map(tickKey));
    const recovered = rows.filter((r) => r.record.recovered);
    expect(recovered.length).toBeGreaterThan(30);
    // Every image on disk is at the hub once: those uploaded before the crash and those recovered after it.
    for (const r of rows) if (r.record.outcome === "captured") expect(hubKeys.has(tickKey(r.record))).toBe(true);
    expect(atHub.filter((r) => r.recovered).length).toBeGreaterThan(0);
    // It keeps capturing: it starts untrusted (the last trusted time went with the database) and resumes at the first poll.
    expect(rows.filter((r) => !r.record.recovered && r.record.outcome === "captured").length).toBeGreaterThanOrEqual(1);
    const observed = (await hub.json("/api/cameras")).cameras.find((c: { id: string }) => c.id === "ridge").observed;
    expect(observed.incidents.map((i: { kind: string }) => i.kind)).toContain("db_recovered");
    expect(existsSync(dbFile)).toBe(true);
  }, 120_000);

  test("a flapping, stalling, truncating link: two agents converge on the hub once the link heals", async () => {
    const config = configUntil("07:20");
    const clock = sharedClock(new Date(T("13:59")).toISOString(), 120, 2500);
    const hub = track(await startHub({ config, clock }));
    const proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: Number(new URL(hub.url).port) }, seed: 7 });
    track({ stop: () => proxy.close() });
    const env = { SKYLAPSE_HTTP_TIMEOUT_MS: "500", SKYLAPSE_BATCH_SIZE: "10" };
    const agents: StartedAgent[] = [];
    for (const cameraId of ["ridge", "valley"]) {
      const { token } = await hub.json(`/api/cameras/${cameraId}/token`, { method: "POST" });
      agents.push(track(await startAgent({ cameraId, hub, token, clock, env: { ...env, SKYLAPSE_HUB_URL: proxy.url } })));
    }
    await waitFor("the first plans", async () => (await Promise.all(agents.map((a) => a.json("/status")))).every((s) => s.next_capture), 10_000, 50);
    proxy.setMode({ random: { none: 3, refuse: 1, drop_request: 1, stall: 1, error_503: 1, truncate: 1 } });
    await Bun.sleep(realMsUntil(clock, T("14:21")));
    const stats = proxy.stats;
    for (const fault of ["refuse", "drop_request", "stall", "error_503", "truncate"] as const) expect(stats[fault]).toBeGreaterThan(0);
    proxy.setMode("none");
    for (const a of agents) await a.json("/sync", { method: "POST" });
    await waitFor("both backlogs to drain", async () => (await Promise.all(agents.map((a) => a.json("/status")))).every((s) => s.backlog.count === 0), 30_000, 100);
    for (const a of agents) {
      await a.stop();
      const { rows } = await hubEqualsAgent(hub, a);
      expect(rows.filter((r) => r.record.outcome === "captured").length).toBeGreaterThan(100);
    }
  }, 120_000);
});
