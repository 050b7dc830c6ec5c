import type { PlanWindow } from "../../shared/contracts/plan";
import { nextTicks, plannedTicks, type PlannedTick } from "../../shared/plan/ticks";
import { captureTick, recordMissed, type CaptureDeps } from "../capture/service";

/** A tick is attempted only while it is less than half an interval late; later ones are recorded as missed. */
export function lateness(tick: PlannedTick, now: number): { late: boolean; byMs: number } {
  const byMs = now - tick.at;
  return { late: byMs > (tick.interval_seconds * 1000) / 2, byMs };
}

/** Ticks of the plan between a previous run's last record and now: they were missed while the agent was down. */
export function ticksMissedWhileDown(windows: PlanWindow[], lastPlannedAt: number | null, now: number): PlannedTick[] {
  if (lastPlannedAt === null) return [];
  return plannedTicks(windows, lastPlannedAt + 1, now);
}

export interface SchedulerStats {
  lastTickAt: number | null;
  /** Actual minus planned trigger time of recent ticks, ms (for the benchmark and /status). */
  jitter: number[];
}

/**
 * Turns the plan into captures on the shared grid, one instant at a time. It
 * sleeps until the next tick and wakes early when the desired state changes.
 */
export class Scheduler {
  private running = false;
  private wake = new AbortController();
  private loop: Promise<void> | null = null;
  readonly stats: SchedulerStats = { lastTickAt: null, jitter: [] };
  /** Last time the loop proved alive (for the systemd watchdog). */
  heartbeat = 0;

  constructor(
    private readonly deps: CaptureDeps,
    private readonly windows: () => PlanWindow[],
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.deps.clock.now();
    for (const tick of ticksMissedWhileDown(this.windows(), this.deps.log.lastPlannedAt(), now)) {
      if (!this.deps.log.has(tick.at, tick.profile)) recordMissed(this.deps, tick, "agent_down");
    }
    this.stats.lastTickAt = Math.max(this.deps.log.lastPlannedAt() ?? 0, now - 1);
    this.loop = this.run();
  }

  /** The plan changed: re-evaluate the next tick now. */
  replan(): void {
    this.wake.abort();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { clock } = this.deps;
    while (this.running) {
      this.heartbeat = clock.monotonic();
      // Ticks come one instant at a time from the last one handled, so an instant
      // passed during a slow capture is still recorded (as missed), never skipped.
      const ticks = nextTicks(this.windows(), this.stats.lastTickAt ?? clock.now() - 1);
      const signal = this.wake.signal;
      if (!ticks.length) {
        await clock.sleepUntil(clock.now() + 60_000, signal);
      } else {
        await clock.sleepUntil(ticks[0]!.at, signal);
        if (!signal.aborted && this.running) await this.fire(ticks);
      }
      if (signal.aborted) this.wake = new AbortController();
    }
  }

  private async fire(ticks: PlannedTick[]): Promise<void> {
    const at = ticks[0]!.at;
    this.stats.lastTickAt = at;
    this.stats.jitter.push(this.deps.clock.now() - at);
    if (this.stats.jitter.length > 1000) this.stats.jitter.shift();
    for (const tick of ticks) {
      if (this.deps.log.has(tick.at, tick.profile)) continue;
      const { late, byMs } = lateness(tick, this.deps.clock.now());
      if (late) recordMissed(this.deps, tick, `late: ${Math.round(byMs)} ms after its tick`);
      else await captureTick(this.deps, tick);
    }
  }
}
