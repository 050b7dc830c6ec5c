import type { DeviceHealth } from "../../shared/contracts/health";
import { type CaptureRecord, emptyCaptureRecord, type ObservedState } from "../../shared/contracts/sync";

/**
 * An agent's report as a poll carries it; `now` and `offsetMs` set its clock part.
 * It runs `f` 1.0.0, the first version of the profile the hub tests assign, as a
 * real agent would after its first poll (the fleet flags agents not running their assignment).
 */
export function observedState(overrides: Partial<ObservedState> = {}, clock: { now?: number; offsetMs?: number | null } = {}): ObservedState {
  return {
    agent_version: "test",
    log_id: "log-1",
    running: { profile_id: "f", version: "1.0.0" },
    desired_etag: null,
    last_capture_at: null,
    last_seq: 0,
    backlog: 0,
    oldest_pending_at: null,
    disk: null,
    clock: {
      now: new Date(clock.now ?? Date.parse("2026-11-24T12:00:00Z")).toISOString(),
      trusted: true,
      source: "hub",
      offset_ms: clock.offsetMs ?? null,
      correction_ms: 0,
    },
    incidents: [],
    ...overrides,
  };
}

/** A captured record on a 15 s sunrise grid: tick n is 13:30:00Z + n·15 s. */
export function captureRecord(seq: number, overrides: Partial<CaptureRecord> = {}, tick = seq): CaptureRecord {
  const planned = new Date(Date.parse("2026-11-24T13:30:00Z") + tick * 15_000).toISOString();
  return {
    ...emptyCaptureRecord({ id: `rec-${seq}`, planned_at: planned, schedule: "sunrise", profile_id: "f", boot_id: "boot-1" }),
    seq,
    captured_at: planned,
    monotonic_ms: seq * 15_000,
    profile_version: "1.0.0",
    outcome: "captured",
    image: { file: `2026-11-24/sunrise/f/${tick}.jpg`, bytes: 10, sha256: "0".repeat(64), width: 640, height: 360, frames: 1 },
    ...overrides,
  };
}

/**
 * A hub config whose one schedule, sunrise 06:30–06:35 at UTC−7, puts its 20 ticks
 * exactly on captureRecord's grid (tick n = 13:30Z + n·15 s). Each camera runs
 * profile f on it, with its own extra fields.
 */
export function sunriseGridConfig(cameras: Record<string, Record<string, unknown>> = { ridge: {} }) {
  return {
    location: { latitude: 46.5, longitude: 7.5, timezone: "Etc/GMT+7" },
    schedules: { sunrise: { start_time: "06:30", end_time: "06:35", interval_seconds: 15 } },
    cameras: Object.fromEntries(Object.entries(cameras).map(([id, extra]) => [id, { deployed_profile: "f", schedules: ["sunrise"], ...extra }])),
    profiles: { f: { base: { metering: "matrix" } } },
    sync: { poll_interval_seconds: 60, plan_days: 1 },
  };
}

/** A Pi's health as a poll reports it (shared/contracts/health.ts): a warm day on Wi-Fi, nothing throttled. */
export function deviceHealth(overrides: Partial<DeviceHealth> = {}): DeviceHealth {
  return {
    soc_temp_c: 45,
    sensor_temp_c: 38,
    throttled: 0,
    load: [0.5, 0.4, 0.3],
    mem_total_mb: 400,
    mem_available_mb: 100,
    uptime_s: 3600,
    boot_id: "boot-1",
    disk_free_mb: 250,
    disk_total_mb: 1000,
    link: { iface: "wlan0", wifi_dbm: -60, cell_quality: null, cell_tech: null },
    traffic: { day: "2026-11-24", ifaces: { wlan0: [1000, 5000], eth0: [10, 20] }, agent_sent: 4000 },
    ...overrides,
  };
}
