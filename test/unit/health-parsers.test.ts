/** The Pi's health sources, parsed from text in the formats the kernel and the tools really write. */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DeviceHealth, throttleFlags } from "../../shared/contracts/health";
import { parseBootId, parseDefaultRoute, parseLoadavg, parseMeminfo, parseMmcli, parseNetDev, parseThermal, parseThrottled, parseUptime, parseWireless } from "../../edge/health/parse";
import { sensorTemperatureFromMetadata } from "../../edge/camera/rpicam-args";

const PI = join(import.meta.dir, "..", "fixtures", "pi-health");
const fixture = (path: string) => readFileSync(join(PI, path), "utf8");

describe("parsers", () => {
  test("thermal zone: milli-°C to °C", () => {
    expect(parseThermal(fixture("sys/class/thermal/thermal_zone0/temp"))).toBe(52.1);
    expect(parseThermal("-5000\n")).toBe(-5);
    expect(parseThermal("")).toBeNull();
    expect(parseThermal("n/a")).toBeNull();
  });

  test("get_throttled: vcgencmd and sysfs forms; bits 0-3 now, 16-19 since boot", () => {
    expect(parseThrottled("throttled=0x50005\n")).toBe(0x50005);
    expect(parseThrottled("throttled=0x0\n")).toBe(0);
    expect(parseThrottled("50000\n")).toBe(0x50000);
    expect(parseThrottled("error=2 error_msg=\"Invalid arguments\"")).toBeNull();
    const f = throttleFlags(0x50005);
    expect(f.now).toEqual({ under_voltage: true, freq_capped: false, throttled: true, soft_temp_limit: false });
    expect(f.since_boot).toEqual({ under_voltage: true, freq_capped: false, throttled: true, soft_temp_limit: false });
    expect(throttleFlags(0x80008)).toEqual({ now: { under_voltage: false, freq_capped: false, throttled: false, soft_temp_limit: true }, since_boot: { under_voltage: false, freq_capped: false, throttled: false, soft_temp_limit: true } });
    expect(throttleFlags(0x20000).now.freq_capped).toBe(false);
    expect(throttleFlags(0x20000).since_boot.freq_capped).toBe(true);
  });

  test("loadavg, meminfo, uptime, boot id", () => {
    expect(parseLoadavg(fixture("proc/loadavg"))).toEqual([0.52, 0.58, 0.59]);
    expect(parseLoadavg("garbage")).toBeNull();
    expect(parseMeminfo(fixture("proc/meminfo"))).toEqual({ total_mb: 429, available_mb: 211 });
    // A kernel before 3.14 has no MemAvailable.
    expect(parseMeminfo("MemTotal:         439504 kB\nMemFree:           52400 kB\n")).toEqual({ total_mb: 429, available_mb: null });
    expect(parseUptime(fixture("proc/uptime"))).toBe(350735);
    expect(parseUptime("")).toBeNull();
    expect(parseBootId(fixture("proc/sys/kernel/random/boot_id"))).toBe("9f3c6f0e-3b1a-4c55-9a0e-5d2f7b8c1e42");
    expect(parseBootId("not a boot id!")).toBeNull();
  });

  test("/proc/net/dev: bytes per interface, loopback left out, a counter run into its colon read", () => {
    expect(parseNetDev(fixture("proc/net/dev"))).toEqual({
      eth0: { rx: 0, tx: 0 },
      wlan0: { rx: 48215327, tx: 193572110 },
      wwan0: { rx: 1312448904, tx: 88823112 },
    });
    expect(parseNetDev("")).toBeNull();
  });

  test("/proc/net/wireless: level in dBm; the default route's interface", () => {
    expect(parseWireless(fixture("proc/net/wireless"))).toEqual({ wlan0: -56 });
    // Old drivers: level as 256 + dBm.
    expect(parseWireless(" wlan0: 0000   40.  200.  0        0      0      0      0     0        0\n")).toEqual({ wlan0: -56 });
    expect(parseWireless("Inter-| sta-|   Quality\n face | tus | link level noise\n")).toEqual({});
    expect(parseDefaultRoute(fixture("proc/net/route"))).toBe("wlan0");
    expect(parseDefaultRoute("Iface\tDestination\n")).toBeNull();
  });

  test("mmcli JSON: signal quality and access technology", () => {
    expect(parseMmcli(fixture("mmcli-m0.json"))).toEqual({ quality: 67, tech: "lte" });
    expect(parseMmcli('{"modem":{"generic":{"signal-quality":{"recent":"no","value":"0"},"access-technologies":[]}}}')).toEqual({ quality: 0, tech: null });
    expect(parseMmcli("error: couldn't find modem")).toBeNull();
    expect(parseMmcli("{}")).toBeNull();
  });

  test("libcamera SensorTemperature from capture metadata", () => {
    expect(sensorTemperatureFromMetadata({ ExposureTime: 1000, AnalogueGain: 1, SensorTemperature: 41.04 })).toBe(41);
    expect(sensorTemperatureFromMetadata({ ExposureTime: 1000, AnalogueGain: 1 })).toBeNull();
  });
});

describe("the health on the wire", () => {
  const full: DeviceHealth = {
    soc_temp_c: 71.4,
    sensor_temp_c: 48.2,
    throttled: 0x50005,
    load: [3.41, 2.97, 2.5],
    mem_total_mb: 427,
    mem_available_mb: 211,
    uptime_s: 31_536_000,
    boot_id: "9f3c6f0e-3b1a-4c55-9a0e-5d2f7b8c1e42",
    disk_free_mb: 12_345,
    disk_total_mb: 29_678,
    link: { iface: "wwan0", wifi_dbm: -67, cell_quality: 67, cell_tech: "lte" },
    traffic: { day: "2026-11-30", ifaces: { wwan0: [1_312_448_904, 88_823_112], wlan0: [48_215_327, 193_572_110] }, agent_sent: 87_654_321 },
  };

  test("a full report is a few hundred bytes and validates", () => {
    expect(DeviceHealth.parse(full)).toEqual(full);
    expect(JSON.stringify(full).length).toBeLessThan(500);
  });

  test("every source missing is null, and still valid", () => {
    const empty = Object.fromEntries(Object.keys(full).map((k) => [k, null]));
    expect(DeviceHealth.safeParse(empty).success).toBe(true);
  });

  test("out-of-bounds values are refused", () => {
    for (const bad of [{ soc_temp_c: 900 }, { throttled: -1 }, { throttled: 0x100000 }, { load: [1, 2] }, { link: { ...full.link!, cell_quality: 101 } }, { traffic: { ...full.traffic!, day: "today" } }, { extra: 1 }])
      expect(DeviceHealth.safeParse({ ...full, ...bad }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`eth${i}`, [1, 1]]));
    expect(DeviceHealth.safeParse({ ...full, traffic: { ...full.traffic!, ifaces: many } }).success).toBe(false);
  });
});
