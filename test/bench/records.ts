import { type CaptureRecord, emptyCaptureRecord } from "../../shared/contracts/sync";

/** One camera on a 30-minute 1 s schedule: the hub config every bench uses. */
export const benchConfig = {
  location: { latitude: 46.5, longitude: 7.5, timezone: "UTC" },
  schedules: { bench: { start_time: "12:00", end_time: "12:30", interval_seconds: 1 } },
  cameras: { bench_cam: { deployed_profile: "p", schedules: ["bench"] } },
  profiles: { p: { base: { metering: "matrix" }, adaptive_wb: { curve: "balanced" } } },
  sync: { poll_interval_seconds: 3600, plan_days: 1 },
};

/** `n` captured records 15 s apart, seqs from `firstSeq` on. */
export function makeRecords(n: number, prefix = "bench", firstSeq = 1): CaptureRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(Date.parse("2026-06-21T00:00:00Z") + i * 15_000).toISOString();
    return {
      ...emptyCaptureRecord({ id: `${prefix}-${i}`, planned_at: at, schedule: "bench", profile_id: "p", boot_id: "b" }),
      seq: firstSeq + i,
      captured_at: at,
      profile_version: "1.0.0",
      outcome: "captured",
      meter: { lux: 1000, exposure_time_us: 1000, analogue_gain: 1, colour_temperature: 5500 },
      exposure: { exposure_time_us: 1000, analogue_gain: 1, colour_temperature: 5500 },
      image: { file: `2026-06-21/bench/p/${i}.jpg`, bytes: 40_000, sha256: "a".repeat(64), width: 640, height: 360, frames: 1 },
    };
  });
}
