/**
 * Device health at the hub, decided here without I/O: the metrics a poll's health
 * gives, 5-minute buckets (min / max / last per metric), what the fleet shows now
 * (the hottest, under-voltage, the weakest link) and the gauges for /metrics.
 */
import { type DeviceHealth, throttleFlags } from "../../shared/contracts/health";

export const BUCKET_MS = 5 * 60_000;
export const KEEP_MS = 30 * 24 * 3_600_000;
/** Longest range one history request may ask for. */
export const MAX_RANGE_MS = 31 * 24 * 3_600_000;

export const HEALTH_METRICS = [
  "soc_temp_c",
  "sensor_temp_c",
  "load_1m",
  "mem_used_pct",
  "disk_used_pct",
  "under_voltage",
  "throttled",
  "wifi_dbm",
  "cell_quality",
  "rx_bytes_day",
  "tx_bytes_day",
  "agent_sent_day",
] as const;
export type HealthMetric = (typeof HEALTH_METRICS)[number];

/** Per metric: [min, max, last] of the polls in the bucket. Metrics a poll did not report are absent. */
export type BucketMetrics = Partial<Record<HealthMetric, [number, number, number]>>;

const pct = (part: number, whole: number) => Math.round((1000 * part) / whole) / 10;

/** The numbers one poll's health gives (null: the device did not report it). */
export function healthMetrics(h: DeviceHealth): Record<HealthMetric, number | null> {
  const flags = h.throttled === null ? null : throttleFlags(h.throttled).now;
  const sum = (i: 0 | 1) => (h.traffic ? Object.values(h.traffic.ifaces).reduce((s, t) => s + t[i], 0) : null);
  return {
    soc_temp_c: h.soc_temp_c,
    sensor_temp_c: h.sensor_temp_c,
    load_1m: h.load?.[0] ?? null,
    mem_used_pct: h.mem_total_mb && h.mem_available_mb !== null ? pct(h.mem_total_mb - h.mem_available_mb, h.mem_total_mb) : null,
    disk_used_pct: h.disk_total_mb && h.disk_free_mb !== null ? pct(h.disk_total_mb - h.disk_free_mb, h.disk_total_mb) : null,
    under_voltage: flags === null ? null : Number(flags.under_voltage),
    throttled: flags === null ? null : Number(flags.freq_capped || flags.throttled || flags.soft_temp_limit),
    wifi_dbm: h.link?.wifi_dbm ?? null,
    cell_quality: h.link?.cell_quality ?? null,
    rx_bytes_day: sum(0),
    tx_bytes_day: sum(1),
    agent_sent_day: h.traffic?.agent_sent ?? null,
  };
}

export const bucketStart = (at: number) => Math.floor(at / BUCKET_MS) * BUCKET_MS;

/** A bucket with one more poll in it. */
export function mergeBucket(bucket: BucketMetrics | null, metrics: Record<HealthMetric, number | null>): BucketMetrics {
  const out: BucketMetrics = { ...(bucket ?? {}) };
  for (const name of HEALTH_METRICS) {
    const v = metrics[name];
    if (v === null) continue;
    const prev = out[name];
    out[name] = prev ? [Math.min(prev[0], v), Math.max(prev[1], v), v] : [v, v, v];
  }
  return out;
}

/** Wi-Fi dBm and cellular percent on one scale, so the weakest link of a mixed fleet can be named: −100 dBm → 0 %, −50 dBm → 100 %. */
export function signalPercent(h: DeviceHealth): number | null {
  const cell = h.link?.cell_quality ?? null;
  const wifi = h.link?.wifi_dbm ?? null;
  if (cell !== null) return cell;
  if (wifi !== null) return Math.max(0, Math.min(100, 2 * (wifi + 100)));
  return null;
}

/** A camera's health as the fleet shows it: its last report, in words and numbers. */
export interface CameraHealthNow {
  soc_temp_c: number | null;
  sensor_temp_c: number | null;
  under_voltage_now: boolean | null;
  under_voltage_since_boot: boolean | null;
  /** Frequency capped, throttled or at the soft temperature limit now. */
  throttled_now: boolean | null;
  link: { iface: string | null; signal_pct: number | null; wifi_dbm: number | null; cell_quality: number | null } | null;
  /** The local day's bytes over all interfaces, and the agent's own uploads. */
  traffic: { day: string; rx_bytes: number; tx_bytes: number; agent_sent: number } | null;
}

export function healthNow(h: DeviceHealth | undefined | null): CameraHealthNow | null {
  if (!h) return null;
  const flags = h.throttled === null ? null : throttleFlags(h.throttled);
  const m = healthMetrics(h);
  return {
    soc_temp_c: h.soc_temp_c,
    sensor_temp_c: h.sensor_temp_c,
    under_voltage_now: flags ? flags.now.under_voltage : null,
    under_voltage_since_boot: flags ? flags.since_boot.under_voltage : null,
    throttled_now: m.throttled === null ? null : m.throttled === 1,
    link: h.link ? { iface: h.link.iface, signal_pct: signalPercent(h), wifi_dbm: h.link.wifi_dbm, cell_quality: h.link.cell_quality } : null,
    traffic: h.traffic ? { day: h.traffic.day, rx_bytes: m.rx_bytes_day!, tx_bytes: m.tx_bytes_day!, agent_sent: h.traffic.agent_sent } : null,
  };
}

/** The fleet's worst now, over the cameras online. */
export interface FleetHealth {
  hottest: { camera_id: string; soc_temp_c: number } | null;
  under_voltage_now: string[];
  under_voltage_since_boot: string[];
  weakest_signal: { camera_id: string; signal_pct: number; iface: string | null } | null;
}

export function fleetHealth(cameras: { id: string; online: boolean; health: CameraHealthNow | null }[]): FleetHealth {
  const out: FleetHealth = { hottest: null, under_voltage_now: [], under_voltage_since_boot: [], weakest_signal: null };
  for (const { id, online, health: h } of [...cameras].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (!online || !h) continue;
    if (h.soc_temp_c !== null && (!out.hottest || h.soc_temp_c > out.hottest.soc_temp_c)) out.hottest = { camera_id: id, soc_temp_c: h.soc_temp_c };
    if (h.under_voltage_now) out.under_voltage_now.push(id);
    if (h.under_voltage_since_boot) out.under_voltage_since_boot.push(id);
    const signal = h.link?.signal_pct ?? null;
    if (signal !== null && (!out.weakest_signal || signal < out.weakest_signal.signal_pct)) out.weakest_signal = { camera_id: id, signal_pct: signal, iface: h.link!.iface };
  }
  return out;
}

/** One gauge sample for /metrics. */
export interface GaugeSample {
  name: string;
  help: string;
  labels: Record<string, string>;
  value: number;
}

const GAUGES: { name: string; help: string; metric: (h: DeviceHealth, m: Record<HealthMetric, number | null>) => number | null }[] = [
  { name: "skylapse_camera_soc_temperature_celsius", help: "SoC temperature at the last poll", metric: (h) => h.soc_temp_c },
  { name: "skylapse_camera_sensor_temperature_celsius", help: "Camera sensor temperature from the last capture", metric: (h) => h.sensor_temp_c },
  { name: "skylapse_camera_under_voltage", help: "Under-voltage now (1) or not (0)", metric: (_, m) => m.under_voltage },
  { name: "skylapse_camera_under_voltage_since_boot", help: "Under-voltage seen since boot", metric: (h) => (h.throttled === null ? null : Number(throttleFlags(h.throttled).since_boot.under_voltage)) },
  { name: "skylapse_camera_throttled", help: "Frequency capped, throttled or at the soft temperature limit now", metric: (_, m) => m.throttled },
  { name: "skylapse_camera_load1", help: "Load average over one minute", metric: (_, m) => m.load_1m },
  { name: "skylapse_camera_memory_used_percent", help: "Memory in use, percent", metric: (_, m) => m.mem_used_pct },
  { name: "skylapse_camera_disk_used_percent", help: "Data directory's file system in use, percent", metric: (_, m) => m.disk_used_pct },
  { name: "skylapse_camera_uptime_seconds", help: "Seconds since the device booted", metric: (h) => h.uptime_s },
  { name: "skylapse_camera_signal_percent", help: "Link signal, percent (Wi-Fi dBm mapped, or cellular quality)", metric: (h) => signalPercent(h) },
  { name: "skylapse_camera_network_received_bytes_today", help: "Bytes received over all interfaces this local day", metric: (_, m) => m.rx_bytes_day },
  { name: "skylapse_camera_network_sent_bytes_today", help: "Bytes sent over all interfaces this local day", metric: (_, m) => m.tx_bytes_day },
  { name: "skylapse_camera_agent_upload_bytes_today", help: "Bytes the agent sent to the hub this local day", metric: (_, m) => m.agent_sent_day },
];

/** Gauges of each camera's last reported health (cameras without a report give none). */
export function gaugeSamples(cameras: { id: string; health: DeviceHealth | null | undefined }[]): GaugeSample[] {
  const out: GaugeSample[] = [];
  for (const g of GAUGES)
    for (const { id, health } of cameras) {
      if (!health) continue;
      const value = g.metric(health, healthMetrics(health));
      if (value !== null) out.push({ name: g.name, help: g.help, labels: { camera: id }, value });
    }
  return out;
}
