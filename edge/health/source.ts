import type { LinkHealth } from "../../shared/contracts/health";
import type { InterfaceCounters } from "./parse";

/** What a health source reads at one instant; every part it cannot read is null. */
export interface HealthReading {
  soc_temp_c: number | null;
  throttled: number | null;
  load: [number, number, number] | null;
  mem_total_mb: number | null;
  mem_available_mb: number | null;
  uptime_s: number | null;
  boot_id: string | null;
  disk_free_mb: number | null;
  disk_total_mb: number | null;
  link: LinkHealth | null;
  /** Bytes per interface since boot (/proc/net/dev). */
  counters: InterfaceCounters | null;
}

/** The device's health as the agent sees it: the Pi's files and tools, or a simulation. Never throws. */
export interface HealthSource {
  read(at: number): Promise<HealthReading>;
}

export const EMPTY_READING: HealthReading = {
  soc_temp_c: null,
  throttled: null,
  load: null,
  mem_total_mb: null,
  mem_available_mb: null,
  uptime_s: null,
  boot_id: null,
  disk_free_mb: null,
  disk_total_mb: null,
  link: null,
  counters: null,
};
