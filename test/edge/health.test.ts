/**
 * The agent's health reading: the system source on a tree of real-format fixture
 * files with fake tools (missing, hanging and failing ones give null, never an
 * error), the daily traffic book across days and reboots, the monitor, and the
 * simulated source's diurnal temperature and a battery camera's under-voltage.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HealthMonitor } from "../../edge/health/monitor";
import { SimulatedHealth } from "../../edge/health/simulated";
import { EMPTY_READING, type HealthSource } from "../../edge/health/source";
import { SystemHealth } from "../../edge/health/system";
import { advanceTraffic, dailyTraffic } from "../../edge/health/traffic";
import { DeviceHealth, throttleFlags } from "../../shared/contracts/health";
import { tempDir } from "../harness/processes";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "pi-health");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tool(dir: string, name: string, script: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

const DISK = () => ({ free_bytes: 12_000 * 1024 * 1024, total_bytes: 29_000 * 1024 * 1024 });

describe("system source", () => {
  test("reads every Pi source from the fixture tree and the tools", async () => {
    const dir = tempDir("health-tools");
    dirs.push(dir);
    const source = new SystemHealth({
      root: FIXTURES,
      disk: DISK,
      vcgencmd: tool(dir, "vcgencmd", 'echo "throttled=0x50005"'),
      mmcli: tool(dir, "mmcli", `cat ${join(FIXTURES, "mmcli-m0.json")}`),
    });
    const r = await source.read(0);
    expect(r).toEqual({
      soc_temp_c: 52.1,
      throttled: 0x50005,
      load: [0.52, 0.58, 0.59],
      mem_total_mb: 429,
      mem_available_mb: 211,
      uptime_s: 350735,
      boot_id: "9f3c6f0e-3b1a-4c55-9a0e-5d2f7b8c1e42",
      disk_free_mb: 12_000,
      disk_total_mb: 29_000,
      link: { iface: "wlan0", wifi_dbm: -56, cell_quality: 67, cell_tech: "lte" },
      counters: { eth0: { rx: 0, tx: 0 }, wlan0: { rx: 48215327, tx: 193572110 }, wwan0: { rx: 1312448904, tx: 88823112 } },
    });
  });

  test("the firmware's sysfs file wins over vcgencmd", async () => {
    const root = tempDir("health-root");
    dirs.push(root);
    cpSync(FIXTURES, root, { recursive: true });
    const sysfs = join(root, "sys/devices/platform/soc/soc:firmware");
    require("node:fs").mkdirSync(sysfs, { recursive: true });
    writeFileSync(join(sysfs, "get_throttled"), "50000\n");
    const r = await new SystemHealth({ root, disk: DISK, vcgencmd: "/nonexistent/vcgencmd", mmcli: null }).read(0);
    expect(r.throttled).toBe(0x50000);
  });

  test("missing files, missing, failing and hanging tools: null, quickly, never an error", async () => {
    const dir = tempDir("health-empty");
    dirs.push(dir);
    const source = new SystemHealth({
      root: join(dir, "nothing-here"),
      disk: () => null,
      vcgencmd: tool(dir, "vcgencmd", "sleep 30"),
      mmcli: tool(dir, "mmcli", "echo 'error: couldn't find modem' >&2; exit 1"),
      commandTimeoutMs: 300,
    });
    const started = performance.now();
    expect(await source.read(0)).toEqual(EMPTY_READING);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect((await new SystemHealth({ root: join(dir, "nothing-here"), disk: () => null, vcgencmd: "/nonexistent/vcgencmd", mmcli: "/nonexistent/mmcli" }).read(0)).throttled).toBeNull();
  });
});

describe("daily traffic", () => {
  const eth = (rx: number, tx: number) => ({ eth0: { rx, tx } });

  test("counts what moved since the first reading, per day, through a reboot and a counter reset", () => {
    let book = advanceTraffic(null, { day: "2026-11-30", bootId: "a", counters: eth(1000, 5000), agentSent: 0 });
    expect(dailyTraffic(book)).toEqual({ day: "2026-11-30", ifaces: { eth0: [0, 0] }, agent_sent: 0 });
    book = advanceTraffic(book, { day: "2026-11-30", bootId: "a", counters: eth(1500, 9000), agentSent: 3500 });
    expect(dailyTraffic(book)).toEqual({ day: "2026-11-30", ifaces: { eth0: [500, 4000] }, agent_sent: 3500 });
    // A reboot: the counters start from zero again, all they hold is new.
    book = advanceTraffic(book, { day: "2026-11-30", bootId: "b", counters: eth(100, 200), agentSent: 150 });
    expect(dailyTraffic(book)).toEqual({ day: "2026-11-30", ifaces: { eth0: [600, 4200] }, agent_sent: 3650 });
    // No /proc/net/dev this time: the agent's own volume still counts.
    book = advanceTraffic(book, { day: "2026-11-30", bootId: "b", counters: null, agentSent: 50 });
    expect(dailyTraffic(book).agent_sent).toBe(3700);
    // A new day starts at zero.
    book = advanceTraffic(book, { day: "2026-12-01", bootId: "b", counters: eth(400, 1200), agentSent: 10 });
    expect(dailyTraffic(book)).toEqual({ day: "2026-12-01", ifaces: { eth0: [300, 1000] }, agent_sent: 10 });
    // A counter that went back (driver reload) counts from zero.
    book = advanceTraffic(book, { day: "2026-12-01", bootId: "b", counters: eth(50, 70), agentSent: 0 });
    expect(dailyTraffic(book).ifaces.eth0).toEqual([350, 1070]);
  });

  test("sends at most 8 interfaces, the busiest", () => {
    const counters = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`veth${i}`, { rx: 0, tx: 0 }]));
    let book = advanceTraffic(null, { day: "2026-11-30", bootId: "a", counters, agentSent: 0 });
    book = advanceTraffic(book, { day: "2026-11-30", bootId: "a", counters: { ...counters, veth11: { rx: 10, tx: 10 } }, agentSent: 0 });
    const out = dailyTraffic(book);
    expect(Object.keys(out.ifaces)).toHaveLength(8);
    expect(Object.keys(out.ifaces)[0]).toBe("veth11");
  });
});

describe("monitor", () => {
  test("merges the source, the sensor temperature and the day's traffic; keeps the book across restarts; a hung source reads as empty", async () => {
    const kv = new Map<string, string>();
    const store = { get: (k: string) => kv.get(k) ?? null, set: (k: string, v: string) => void kv.set(k, v) };
    let tx = 1000;
    const source: HealthSource = { read: async () => ({ ...EMPTY_READING, boot_id: "boot-1", counters: { wwan0: { rx: 0, tx } } }) };
    const now = Date.parse("2026-11-30T23:00:00Z");
    const monitor = new HealthMonitor({ source, now: () => now, timezone: () => "America/Denver", sensorTemperature: () => 41, store });
    expect(monitor.latest()).toBeNull();
    await monitor.refresh();
    tx = 6000;
    monitor.countSent(4000);
    const h = await monitor.refresh();
    expect(DeviceHealth.parse(h)).toEqual(h);
    // 23:00 UTC is 16:00 in Denver: the camera's local day.
    expect(h.traffic).toEqual({ day: "2026-11-30", ifaces: { wwan0: [0, 5000] }, agent_sent: 4000 });
    expect(h.sensor_temp_c).toBe(41);

    const again = new HealthMonitor({ source, now: () => now, timezone: () => "America/Denver", sensorTemperature: () => null, store });
    tx = 7000;
    again.countSent(500);
    expect((await again.refresh()).traffic).toEqual({ day: "2026-11-30", ifaces: { wwan0: [0, 6000] }, agent_sent: 4500 });

    const hung = new HealthMonitor({ source: { read: () => new Promise(() => {}) }, now: () => now, timezone: () => "UTC", sensorTemperature: () => null, store: { get: () => null, set: () => {} }, readTimeoutMs: 100 });
    const empty = await hung.refresh();
    expect(empty.soc_temp_c).toBeNull();
    expect(empty.traffic).toEqual({ day: "2026-11-30", ifaces: {}, agent_sent: 0 });
  });
});

describe("simulated source", () => {
  const system: HealthSource = { read: async () => EMPTY_READING };
  const denver = () => ({ latitude: 39.6, longitude: -105.3 });
  const sim = (seed: number, startedAt: number) => new SimulatedHealth({ seed, position: denver, system, agentSent: () => 100_000, startedAt });
  const DAY = Date.parse("2026-11-30T00:00:00Z");
  const at = (h: number) => DAY + h * 3_600_000;

  test("the SoC warms through the day: afternoon hotter than before dawn", async () => {
    const s = sim(1, at(0));
    // Denver's solar 15:00 is ~22:00 UTC; solar 03:00 is ~10:00 UTC.
    const afternoon = (await s.read(at(22))).soc_temp_c!;
    const night = (await s.read(at(10))).soc_temp_c!;
    expect(afternoon - night).toBeGreaterThan(15);
    expect(afternoon).toBeLessThan(60);
    expect(night).toBeGreaterThan(20);
  });

  test("a battery (even) seed browns out before dawn on some days, and the since-boot bit stays; a mains seed never", async () => {
    const battery = sim(2, at(0));
    let sawNow = 0;
    let sinceAfter = false;
    for (let h = 0; h < 24 * 10; h += 0.25) {
      const r = await battery.read(at(h));
      const f = throttleFlags(r.throttled!);
      if (f.now.under_voltage) {
        sawNow++;
        expect(f.since_boot.under_voltage).toBe(true);
      }
      if (sawNow && !f.now.under_voltage) sinceAfter ||= f.since_boot.under_voltage;
    }
    expect(sawNow).toBeGreaterThan(0);
    expect(sawNow).toBeLessThan(10 * 8);
    expect(sinceAfter).toBe(true);
    const r = await battery.read(at(30));
    expect(r.link).toMatchObject({ iface: "wwan0", cell_tech: "lte" });
    expect(r.link!.cell_quality).toBeGreaterThanOrEqual(5);

    const mains = sim(1, at(0));
    for (let h = 0; h < 24 * 10; h += 0.5) expect(throttleFlags((await mains.read(at(h))).throttled!).since_boot.under_voltage).toBe(false);
    expect((await mains.read(at(5))).link).toMatchObject({ iface: "wlan0", cell_quality: null });
  });

  test("its link counters grow with time and carry the agent's uploads", async () => {
    const s = sim(1, at(0));
    const a = (await s.read(at(1))).counters!.wlan0!;
    const b = (await s.read(at(2))).counters!.wlan0!;
    expect(b.tx).toBeGreaterThan(a.tx);
    expect(a.tx).toBeGreaterThan(100_000);
  });
});

describe("within the contract", () => {
  test("a field the hub would refuse is sent as null, the rest as read; odd interface names are left out", async () => {
    const kv = new Map<string, string>();
    const store = { get: (k: string) => kv.get(k) ?? null, set: (k: string, v: string) => void kv.set(k, v) };
    const weird = { "eth0": { rx: 0, tx: 0 }, "we ird": { rx: 0, tx: 0 } };
    const source: HealthSource = {
      read: async () => ({ ...EMPTY_READING, soc_temp_c: 300, load: [0.1, 0.2, 0.3], link: { iface: "a-very-long-interface-name", wifi_dbm: null, cell_quality: null, cell_tech: null }, counters: weird }),
    };
    const monitor = new HealthMonitor({ source, now: () => Date.parse("2026-11-30T12:00:00Z"), timezone: () => "UTC", sensorTemperature: () => 40, store });
    await monitor.refresh();
    const h = await monitor.refresh();
    expect(DeviceHealth.safeParse(h).success).toBe(true);
    expect(h.soc_temp_c).toBeNull();
    expect(h.link).toBeNull();
    expect(h.load).toEqual([0.1, 0.2, 0.3]);
    expect(h.sensor_temp_c).toBe(40);
    expect(Object.keys(h.traffic!.ifaces)).toEqual(["eth0"]);
  });
});

test("an unreadable saved book starts the day's counts again; a source that throws is logged, never thrown", async () => {
  const kv = new Map([["health_traffic", "{not json"]]);
  const store = { get: (k: string) => kv.get(k) ?? null, set: (k: string, v: string) => void kv.set(k, v) };
  const monitor = new HealthMonitor({ source: { read: async () => EMPTY_READING }, now: () => Date.parse("2026-11-30T12:00:00Z"), timezone: () => "UTC", sensorTemperature: () => null, store });
  expect((await monitor.refresh()).traffic).toEqual({ day: "2026-11-30", ifaces: {}, agent_sent: 0 });
  const broken = new HealthMonitor({ source: { read: async () => EMPTY_READING }, now: () => 0, timezone: () => "Not/AZone", sensorTemperature: () => null, store });
  await broken.start(60_000);
  expect(broken.latest()).toBeNull();
  await broken.stop();
});
