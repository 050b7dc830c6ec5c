import { unitHash } from "../camera/scene";
import type { HealthReading, HealthSource } from "./source";

export interface SimulatedHealthOptions {
  /** The simulated camera's seed: an even seed runs on a solar battery over a cellular link, an odd one on mains over Wi-Fi. */
  seed: number;
  /** Read at every call: the agent may learn its coordinates later. */
  position: () => { latitude: number; longitude: number };
  /** The parts a development machine has too (load, memory, uptime, boot id, disk). */
  system: HealthSource;
  /** Bytes the agent has sent to the hub since it started: the simulated link carries them. */
  agentSent: () => number;
  /** Clock time the agent started (the simulated counters' zero, the "since boot" of the throttle bits). */
  startedAt: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A battery camera may brown out before dawn, when its battery is lowest: local solar 04:30–06:00. */
const BROWNOUT_FROM_H = 4.5;
const BROWNOUT_HOURS = 1.5;
/** Share of days a battery camera browns out. */
const BROWNOUT_DAYS = 0.7;
const UNDER_VOLTAGE = 0x1;
const FREQ_CAPPED = 0x2;
const SOFT_TEMP_LIMIT = 0x8;
const SINCE_BOOT = 16;

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Local mean solar time of day at a longitude, hours. */
function solarHours(at: number, longitude: number): number {
  return ((((at + (longitude / 15) * HOUR) % DAY) + DAY) % DAY) / HOUR;
}

/**
 * Plausible health for the simulated camera from the (simulated) clock: the SoC
 * warms through the day (peak mid-afternoon, solar time), a battery camera's link
 * is cellular and on most days it sees under-voltage before dawn, with the firmware's
 * since-boot bits kept from then on.
 */
export class SimulatedHealth implements HealthSource {
  private readonly battery: boolean;

  constructor(private readonly options: SimulatedHealthOptions) {
    this.battery = options.seed % 2 === 0;
  }

  async read(at: number): Promise<HealthReading> {
    const { seed } = this.options;
    const { longitude } = this.options.position();
    const system = await this.options.system.read(at);
    const soc = this.socTemperature(at, longitude);
    const now = this.brownoutBetween(at, at + 1, longitude);
    const since = now || this.brownoutBetween(this.options.startedAt, at, longitude);
    const hot = soc >= 60;
    const throttled = (now ? UNDER_VOLTAGE | FREQ_CAPPED : 0) | (hot ? SOFT_TEMP_LIMIT : 0) | ((since ? UNDER_VOLTAGE | FREQ_CAPPED : 0) << SINCE_BOOT);
    const wave = Math.sin((2 * Math.PI * at) / (5 * HOUR) + seed);
    const noise = unitHash(seed, Math.floor(at / 600_000), 3) - 0.5;
    const iface = this.battery ? "wwan0" : "wlan0";
    const minutes = Math.max(0, at - this.options.startedAt) / 60_000;
    const sent = this.options.agentSent();
    return {
      ...system,
      soc_temp_c: soc,
      throttled,
      link: this.battery
        ? { iface, wifi_dbm: null, cell_quality: Math.round(Math.min(100, Math.max(5, 58 + 22 * wave + 10 * noise))), cell_tech: "lte" }
        : { iface, wifi_dbm: Math.round(-62 + 7 * wave + 4 * noise), cell_quality: null, cell_tech: null },
      counters: { [iface]: { rx: Math.round(minutes * 6144 + sent * 0.03), tx: Math.round(minutes * 2048 + sent * 1.06) } },
    };
  }

  private socTemperature(at: number, longitude: number): number {
    const h = solarHours(at, longitude);
    const noise = unitHash(this.options.seed, Math.floor(at / 600_000), 1) - 0.5;
    return round1(38 + 3 * (this.options.seed % 3) + 11 * Math.cos((2 * Math.PI * (h - 14.5)) / 24) + 1.5 * noise);
  }

  /** Whether a brown-out window of this battery camera overlaps [from, to). */
  private brownoutBetween(from: number, to: number, longitude: number): boolean {
    if (!this.battery || to <= from) return false;
    const shift = (longitude / 15) * HOUR;
    const first = Math.floor((from + shift) / DAY) - 1;
    const last = Math.min(Math.floor((to + shift) / DAY), first + 400);
    for (let day = first; day <= last; day++) {
      if (unitHash(this.options.seed, day, 7) >= BROWNOUT_DAYS) continue;
      const start = day * DAY + BROWNOUT_FROM_H * HOUR - shift;
      if (start < to && start + BROWNOUT_HOURS * HOUR > from) return true;
    }
    return false;
  }
}
