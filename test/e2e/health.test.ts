/**
 * Device health end to end, real processes: a hub and four agents on one simulated
 * clock before dawn — two simulated cameras (a mains one on Wi-Fi, a battery one on
 * cellular that browns out before dawn), one reading real-format Pi files and a fake
 * vcgencmd, and one with no health source at all (every source null). Health shows
 * in each agent's status and at the hub (fleet, worst now, history buckets that grow
 * as polls come in), and a camera whose sources are all missing breaks nothing.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SimulatedHealth } from "../../edge/health/simulated";
import { EMPTY_READING } from "../../edge/health/source";
import { throttleFlags } from "../../shared/contracts/health";
import { sharedClock, startAgent, startHub, type StartedAgent, type StartedHub, tempDir, waitFor } from "../harness/processes";
import { DENVER } from "../harness/scenario";

const PI_FILES = join(import.meta.dir, "..", "fixtures", "pi-health");
const HOUR = 3_600_000;

const config = {
  location: DENVER,
  schedules: { early: { start_time: "04:00", end_time: "08:00", interval_seconds: 300 } },
  cameras: Object.fromEntries(["ridge", "valley", "pi", "bare"].map((id) => [id, { deployed_profile: "f", schedules: ["early"] }])),
  profiles: { f: { base: { metering: "centre" } } },
  sync: { poll_interval_seconds: 30, plan_days: 1 },
};

/** 05:10 Denver solar time on the first day from 2026-11-24 on which the battery seed browns out then (the simulation's own rule decides). */
async function brownoutMorning(seed: number): Promise<number> {
  const position = () => DENVER;
  const sim = new SimulatedHealth({ seed, position, system: { read: async () => EMPTY_READING }, agentSent: () => 0, startedAt: 0 });
  for (let day = 0; day < 30; day++) {
    const at = Date.parse("2026-11-24T00:00:00Z") + day * 24 * HOUR + (5 + 10 / 60 - DENVER.longitude / 15) * HOUR;
    if (throttleFlags((await sim.read(at)).throttled!).now.under_voltage) return at;
  }
  throw new Error("no brown-out morning in 30 days");
}

describe("device health, real hub and agents", () => {
  let hub: StartedHub;
  const agents: StartedAgent[] = [];
  afterAll(async () => {
    await Promise.all([...agents.map((a) => a.stop()), hub?.stop()]);
  });

  test("health in each agent's status and at the hub; history buckets grow; all-null sources break nothing", async () => {
    const start = await brownoutMorning(2);
    const clock = sharedClock(new Date(start).toISOString(), 60, 3000);
    hub = await startHub({ config, clock });
    const tools = tempDir("health-tools");
    writeFileSync(join(tools, "vcgencmd"), '#!/bin/sh\n[ "$1" = get_throttled ] && echo "throttled=0x50005"\n');
    chmodSync(join(tools, "vcgencmd"), 0o755);
    const nothing = join(tempDir("health-none"), "root");
    mkdirSync(nothing);
    const system = (root: string, path: string) => ({ SKYLAPSE_HEALTH_SOURCE: "system", SKYLAPSE_HEALTH_ROOT: root, PATH: path });
    agents.push(await startAgent({ cameraId: "ridge", hub, clock, seed: 1 }));
    agents.push(await startAgent({ cameraId: "valley", hub, clock, seed: 2 }));
    agents.push(await startAgent({ cameraId: "pi", hub, clock, seed: 3, env: system(PI_FILES, `${tools}:${process.env.PATH}`) }));
    agents.push(await startAgent({ cameraId: "bare", hub, clock, seed: 5, env: system(nothing, process.env.PATH ?? "") }));
    await Promise.all(agents.map((a) => a.waitForUrl()));
    const [ridge, valley, pi, bare] = agents as [StartedAgent, StartedAgent, StartedAgent, StartedAgent];

    // At the agents: what each source gives.
    const status = async (a: StartedAgent) => (await a.json("/status")).health;
    const r = await waitFor("ridge's health with a sensor temperature from a capture", async () => {
      const h = await status(ridge);
      return h?.sensor_temp_c !== null && h?.traffic?.agent_sent > 0 ? h : null;
    }, 60_000, 500);
    expect(r.soc_temp_c).toBeGreaterThan(15);
    expect(r.soc_temp_c).toBeLessThan(60);
    expect(throttleFlags(r.throttled).since_boot.under_voltage).toBe(false);
    expect(r.link).toMatchObject({ iface: "wlan0", cell_quality: null });
    expect(r.link.wifi_dbm).toBeLessThan(-40);
    expect(r.traffic.ifaces.wlan0[1]).toBeGreaterThan(0);
    expect(r.load).toHaveLength(3);
    expect(r.disk_total_mb).toBeGreaterThan(0);

    const v = await status(valley);
    expect(throttleFlags(v.throttled).now.under_voltage).toBe(true);
    expect(throttleFlags(v.throttled).since_boot.under_voltage).toBe(true);
    expect(v.link).toMatchObject({ iface: "wwan0", cell_tech: "lte", wifi_dbm: null });

    const p = await status(pi);
    expect(p).toMatchObject({ soc_temp_c: 52.1, throttled: 0x50005, load: [0.52, 0.58, 0.59], mem_total_mb: 429, mem_available_mb: 211, uptime_s: 350735, boot_id: "9f3c6f0e-3b1a-4c55-9a0e-5d2f7b8c1e42" });
    expect(p.link).toEqual({ iface: "wlan0", wifi_dbm: -56, cell_quality: null, cell_tech: null });

    const b = await status(bare);
    expect(b).toMatchObject({ soc_temp_c: null, throttled: null, load: null, mem_total_mb: null, uptime_s: null, boot_id: null, link: null });
    expect(b.traffic.ifaces).toEqual({});
    // Its disk is the data directory's, read with statfs, not a file under the root.
    expect(b.disk_total_mb).toBeGreaterThan(0);

    // At the hub: the fleet's health now and its worst.
    const fleet = await waitFor("every camera's health in the fleet", async () => {
      const f = await hub.json("/api/fleet");
      return f.cameras.every((c: any) => c.health) ? f : null;
    }, 30_000, 500);
    const cam = (id: string) => fleet.cameras.find((c: any) => c.id === id);
    expect(cam("valley").health).toMatchObject({ under_voltage_now: true, under_voltage_since_boot: true, link: { iface: "wwan0" } });
    expect(cam("pi").health).toMatchObject({ soc_temp_c: 52.1, under_voltage_now: true, throttled_now: true, link: { wifi_dbm: -56, signal_pct: 88 } });
    expect(cam("bare").health).toMatchObject({ soc_temp_c: null, under_voltage_now: null, link: null });
    expect(fleet.health.under_voltage_now).toEqual(["pi", "valley"]);
    const temps = fleet.cameras.map((c: any) => c.health.soc_temp_c).filter((t: number | null) => t !== null);
    expect(fleet.health.hottest.soc_temp_c).toBe(Math.max(...temps));
    const signals = fleet.cameras.map((c: any) => c.health.link?.signal_pct).filter((s: number | undefined) => s !== undefined && s !== null);
    expect(fleet.health.weakest_signal.signal_pct).toBe(Math.min(...signals));
    for (const c of fleet.cameras) expect(c.status).toBe("online");

    // History: buckets grow as the simulated minutes pass, and the null camera has buckets too (of what it reported).
    const buckets = async (id: string) => (await hub.json(`/api/cameras/${id}/health?from=${new Date(start - HOUR).toISOString()}&to=${new Date(start + 6 * HOUR).toISOString()}`)).buckets;
    const first = (await buckets("valley")).length;
    expect(first).toBeGreaterThan(0);
    const later = await waitFor("three more 5-minute buckets", async () => {
      const now = await buckets("valley");
      return now.length >= first + 3 ? now : null;
    }, 60_000, 1000);
    for (const bk of later) {
      expect(bk.samples).toBeGreaterThan(0);
      const [min, max, last] = bk.metrics.soc_temp_c;
      expect(min).toBeLessThanOrEqual(last);
      expect(last).toBeLessThanOrEqual(max);
    }
    expect(later.some((bk: any) => bk.metrics.under_voltage?.[1] === 1)).toBe(true);
    expect(later.at(-1).metrics.agent_sent_day[2]).toBeGreaterThan(0);
    const bareBuckets = await buckets("bare");
    expect(bareBuckets.length).toBeGreaterThan(0);
    expect(bareBuckets[0].metrics.soc_temp_c).toBeUndefined();
    expect(bareBuckets[0].metrics.disk_used_pct).toBeDefined();

    // Nothing broke: every agent kept polling and capturing.
    for (const a of agents) {
      const s = await a.json("/status");
      expect(s.hub.reachable).toBe(true);
      expect(s.captures.captured).toBeGreaterThan(0);
    }
  }, 180_000);
});
