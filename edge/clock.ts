import { existsSync, readFileSync } from "node:fs";
import type { Clock } from "../shared/clock";
import type { ClockState } from "../shared/contracts/sync";

export type TrustSource = ClockState["source"];

/**
 * What the agent keeps of its clock for the rest of the OS boot (the meta table):
 * a restart within the same boot (kill -9, watchdog, upgrade) picks it up; a reboot does not.
 */
export interface ClockMemory {
  boot_id: string;
  /** Boot-monotonic ms when an agent process first started in this boot. */
  agent_since_mono: number;
  source: TrustSource;
  correction_ms: number;
  /** Boot-monotonic ms when the clock was last known right (a hub confirmation or correction, NTP); null: never. */
  confirmed_mono: number | null;
  /** The system clock's own reading at the save: reading earlier later in the boot means it was set back. */
  system_at: number;
}

export interface AgentClockOptions {
  /** The last time this agent knew to be right (persisted), or null on a fresh install. */
  lastTrusted: number | null;
  /** Declared trustworthy (a Pi 5 with an RTC battery, GPS time). */
  configuredTrusted: boolean;
  /** systemd-timesyncd creates this file once NTP has synchronised the system clock. */
  ntpSyncFile: string | null;
  /** This OS boot's id (null: unknown, so every process counts as a boot of its own). */
  bootId?: string | null;
  /** What an earlier process remembered of the clock. */
  memory?: ClockMemory | null;
  /** Boot-monotonic ms of this process's monotonic 0 (default: read from /proc/uptime). */
  monotonicOrigin?: number;
}

/** The OS boot's id from /proc/sys/kernel/random/boot_id (or the file configured instead); null when unreadable. */
export function readBootId(file: string): string | null {
  try {
    const id = readFileSync(file, "utf8").trim();
    return id ? id.slice(0, 64) : null;
  } catch {
    return null;
  }
}

/** Real ms since the OS booted at this process's monotonic 0, so monotonic readings compare across restarts. */
function uptimeOrigin(processMonotonic: number): number {
  try {
    return Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000 - processMonotonic;
  } catch {
    return 0;
  }
}

/**
 * The agent's clock: the process clock plus a correction learned from the hub.
 * A Pi without an RTC boots with a wrong clock (1970, or fake-hwclock's last
 * saved time), so the agent starts untrusted and trusts its time only once the
 * hub's server time, NTP or configuration vouches for it — or, after a mere
 * process restart, because it was trusted earlier in the same OS boot.
 * Monotonic time counts from the OS boot, so it spans restarts within one boot.
 */
export class AgentClock implements Clock {
  private correction = 0;
  private source: TrustSource;
  private lastOffset: number | null = null;
  private readonly origin: number;
  readonly bootId: string;
  /** Boot-monotonic ms when the first agent process of this boot started. */
  readonly agentSinceMono: number;
  /** Boot-monotonic ms when the clock was last known right; null: never in this boot. */
  private confirmedMono: number | null = null;
  /** True when this process took over an earlier process's trust (same boot). */
  readonly inherited: boolean;

  constructor(
    private readonly base: Clock,
    private readonly options: AgentClockOptions,
  ) {
    this.origin = options.monotonicOrigin ?? uptimeOrigin(base.monotonic());
    this.bootId = options.bootId ?? crypto.randomUUID();
    const memory = options.memory?.boot_id === this.bootId ? options.memory : null;
    this.agentSinceMono = memory?.agent_since_mono ?? this.monotonic();
    // Within one boot the system clock only moves forward; one that reads earlier than at the last save was set back.
    this.inherited = !!memory && memory.source !== "untrusted" && base.now() >= memory.system_at;
    if (this.inherited) {
      this.source = memory!.source;
      this.correction = memory!.correction_ms;
      this.confirmedMono = memory!.confirmed_mono;
    } else {
      this.source = options.configuredTrusted ? "configured" : "untrusted";
      if (this.source === "untrusted") this.checkNtp();
    }
  }

  get speed(): number {
    return this.base.speed;
  }

  now(): number {
    return this.base.now() + this.correction;
  }

  monotonic(): number {
    return this.base.monotonic() + this.origin;
  }

  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    return this.base.sleepUntil(at - this.correction, signal);
  }

  get trusted(): boolean {
    return this.source !== "untrusted";
  }

  /** True when the clock reads earlier than a time the agent already knew to be past. */
  behindLastTrusted(): boolean {
    return this.options.lastTrusted !== null && this.now() < this.options.lastTrusted;
  }

  /** Trust the system clock once NTP has synchronised it. Returns true when trust changed. */
  checkNtp(): boolean {
    if (this.trusted || !this.options.ntpSyncFile || !existsSync(this.options.ntpSyncFile)) return false;
    this.source = "ntp";
    this.confirmedMono = this.monotonic();
    return true;
  }

  /**
   * The hub's time from a poll (already moved on by half the round trip).
   * Within tolerance it confirms our clock; beyond it we adopt the hub's time. Returns the correction applied (ms, 0 if none),
   * whether trust changed, and since when (boot-monotonic) the clock had been wrong: the last confirmation, or null for never.
   * `uncertaintyMs` (half the round trip) widens the tolerance: a stalled answer must not step a right clock.
   */
  observeServerTime(serverTime: number, uncertaintyMs = 0): { correctedBy: number; becameTrusted: boolean; wrongSinceMono: number | null } {
    const offset = serverTime - this.now();
    this.lastOffset = offset;
    // Half a second of real latency asymmetry reads as speed × 500 ms on a simulated clock.
    const tolerance = Math.max(2_000, this.base.speed * 500, uncertaintyMs);
    const becameTrusted = !this.trusted;
    const wrongSinceMono = this.confirmedMono;
    let correctedBy = 0;
    if (Math.abs(offset) > tolerance) {
      this.correction += offset;
      correctedBy = offset;
      this.lastOffset = 0;
    }
    if (becameTrusted || correctedBy !== 0) this.source = "hub";
    this.confirmedMono = this.monotonic();
    return { correctedBy, becameTrusted, wrongSinceMono };
  }

  /** Clock time at which a boot-monotonic reading happened. */
  timeAtMonotonic(monotonicMs: number): number {
    return this.now() - (this.monotonic() - monotonicMs) * this.base.speed;
  }

  /** What a later process of this boot needs to carry on with the same trust. */
  memory(): ClockMemory {
    return {
      boot_id: this.bootId,
      agent_since_mono: this.agentSinceMono,
      source: this.source,
      correction_ms: this.correction,
      confirmed_mono: this.confirmedMono,
      system_at: this.base.now(),
    };
  }

  state(): ClockState {
    return {
      now: new Date(this.now()).toISOString(),
      trusted: this.trusted,
      source: this.source,
      offset_ms: this.lastOffset,
      correction_ms: this.correction,
    };
  }
}
