import { existsSync } from "node:fs";
import type { Clock } from "../shared/clock";
import type { ClockState } from "../shared/contracts/sync";

export type TrustSource = ClockState["source"];

export interface AgentClockOptions {
  /** The last time this agent knew to be right (persisted), or null on a fresh install. */
  lastTrusted: number | null;
  /** Declared trustworthy (a Pi 5 with an RTC battery, GPS time). */
  configuredTrusted: boolean;
  /** systemd-timesyncd creates this file once NTP has synchronised the system clock. */
  ntpSyncFile: string | null;
}

/**
 * The agent's clock: the process clock plus a correction learned from the hub.
 * A Pi without an RTC boots with a wrong clock (1970, or fake-hwclock's last
 * saved time), so the agent starts untrusted and trusts its time only once the
 * hub's server time, NTP or configuration vouches for it.
 */
export class AgentClock implements Clock {
  private correction = 0;
  private source: TrustSource;
  private lastOffset: number | null = null;
  readonly bootMonotonic: number;

  constructor(
    private readonly base: Clock,
    private readonly options: AgentClockOptions,
  ) {
    this.bootMonotonic = base.monotonic();
    this.source = options.configuredTrusted ? "configured" : "untrusted";
    if (this.source === "untrusted") this.checkNtp();
  }

  get speed(): number {
    return this.base.speed;
  }

  now(): number {
    return this.base.now() + this.correction;
  }

  monotonic(): number {
    return this.base.monotonic();
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
    return true;
  }

  /**
   * The hub's time from a poll (already moved on by half the round trip).
   * Within tolerance it confirms our clock; beyond it we adopt the hub's time. Returns the correction applied (ms, 0 if none)
   * and whether trust changed.
   */
  observeServerTime(serverTime: number): { correctedBy: number; becameTrusted: boolean } {
    const offset = serverTime - this.now();
    this.lastOffset = offset;
    // Half a second of real latency asymmetry reads as speed × 500 ms on a simulated clock.
    const tolerance = Math.max(2_000, this.base.speed * 500);
    const becameTrusted = !this.trusted;
    let correctedBy = 0;
    if (Math.abs(offset) > tolerance) {
      this.correction += offset;
      correctedBy = offset;
      this.lastOffset = 0;
    }
    if (becameTrusted || correctedBy !== 0) this.source = "hub";
    return { correctedBy, becameTrusted };
  }

  /** Clock time at which a monotonic reading of this boot happened. */
  timeAtMonotonic(monotonicMs: number): number {
    return this.now() - (this.monotonic() - monotonicMs) * this.base.speed;
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
