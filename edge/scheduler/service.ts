import type { PlanWindow } from "../../shared/contracts/plan";
import { firstGridPoint, lateness, nextTicks, plannedTicks, type PlannedTick } from "../../shared/plan/ticks";
import type { OverrideTest } from "../../shared/contracts/tests";
import { testForTick } from "../../shared/plan/override-tests";
import type { MissReason } from "../../shared/contracts/sync";
import { captureTick, type CaptureDeps, missedRecord, recordMissed } from "../capture/service";

/**
 * The clock became trusted or was stepped. Between two captures, `retime` brings the log's times in line with the
 * clock and returns the (trusted) time since which the plan was not run on a right clock.
 */
export type ClockChange = () => number;

export interface SchedulerOptions {
  /** The A/B tests the camera is to run now. */
  tests?: () => OverrideTest[];
  /** The profile of safety captures (the active one), or null when none is deployed. */
  safetyProfile: () => string | null;
  /** The plan's windows over a past span [from, to), also where the cached plan no longer reaches. */
  windowsBetween?: (from: number, to: number) => PlanWindow[];
  /** Cadence of the safety captures while the clock is not trusted, seconds. */
  untrustedIntervalSeconds: number;
  /** Real ms after start before the first safety capture, leaving the first poll time to vouch for the clock. */
  untrustedGraceMs: number;
  /** Called after each tick's captures, when the next tick is furthest away. */
  afterTick?: () => void;
}

export interface SchedulerStats {
  lastTickAt: number | null;
  /** Actual minus planned trigger time of recent ticks, ms (for the benchmark and /status). */
  jitter: number[];
}

/** The scheduler wakes at least this often (real ms) so its heartbeat proves it alive. */
const HEARTBEAT_MS = 1_000;

/**
 * Turns the plan into captures on the shared grid, one instant at a time. It
 * sleeps until the next tick and wakes early when the desired state changes.
 * While the clock is untrusted it does not follow the plan (it may be the wrong
 * day): it takes safety captures at a steady cadence, flagged as such, whose
 * times are corrected once a trusted time arrives.
 */
export class Scheduler {
  private running = false;
  private wake = new AbortController();
  private loop: Promise<void> | null = null;
  private startedMonotonic = 0;
  /** Clock changes waiting for the loop, each with the resolver of its caller. */
  private clockChanges: { retime: ClockChange; done: () => void }[] = [];
  /** The last safety capture's time, on the untrusted clock. */
  private lastSafetyAt = -Infinity;
  readonly stats: SchedulerStats = { lastTickAt: null, jitter: [] };
  /** Monotonic ms when the loop last proved alive (for the systemd watchdog). */
  heartbeat = 0;

  constructor(
    private readonly deps: CaptureDeps,
    private readonly windows: (now: number) => PlanWindow[],
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedMonotonic = this.deps.clock.monotonic();
    const now = this.deps.clock.now();
    if (this.deps.clockTrusted()) this.recordDowntime(now);
    this.stats.lastTickAt = now - 1;
    this.loop = this.run();
  }

  /** The plan changed: re-evaluate the next tick now. */
  replan(): void {
    this.wake.abort();
  }

  /** The clock just became trusted, or was stepped: settled between two captures; resolves once the log is in line. */
  clockChanged(retime: ClockChange): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((done) => {
      this.clockChanges.push({ retime, done });
      this.wake.abort();
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
    for (const change of this.clockChanges.splice(0)) change.done();
  }

  /** Records a span of ticks nothing happened at, in one transaction. */
  private recordSpan(ticks: PlannedTick[], code: MissReason, reason: string): void {
    const missed = ticks.filter((t) => !this.deps.log.has(t.at, t.profile)).map((t) => missedRecord(this.deps, t, code, reason));
    if (missed.length) this.deps.log.commitMany(missed, this.deps.clock.now());
  }

  private between(from: number, to: number): PlannedTick[] {
    return from < to ? plannedTicks(this.options.windowsBetween?.(from, to) ?? this.windows(to), from, to) : [];
  }

  /**
   * Ticks since the last dated record up to `until` were missed while the agent was not running — or, when records
   * that could not be dated were logged since, while it ran on a clock it could not trust (an earlier boot's).
   */
  private recordDowntime(until: number): void {
    const last = this.deps.log.lastPlannedAt(until);
    if (last === null) return;
    const ticks = this.between(last + 1, until);
    if (!ticks.length) return;
    if (this.deps.log.undatedAfter(until)) this.recordSpan(ticks, "clock_untrusted", "clock_untrusted: the agent was down or ran on a clock it could not trust (an earlier boot that never had a trusted time)");
    else this.recordSpan(ticks, "agent_down", "agent_down: the agent was not running");
  }

  /**
   * A clock change: the log re-timed, ticks before the span the clock was wrong (or untrusted) missed as down,
   * those of the span as clock_untrusted, and the plan resumes from the next tick after now — whichever way the clock moved.
   */
  private settleClockChange(retime: ClockChange): void {
    const since = retime();
    const now = this.deps.clock.now();
    this.recordDowntime(Math.min(since, now));
    this.recordSpan(this.between(since, now), "clock_untrusted", "clock_untrusted: the agent's clock was not trusted or not right, so the plan was not run");
    this.stats.lastTickAt = now - 1;
  }

  private async run(): Promise<void> {
    const { clock } = this.deps;
    while (this.running) {
      const signal = this.wake.signal;
      try {
        for (const change of this.clockChanges.splice(0)) {
          try {
            this.settleClockChange(change.retime);
          } finally {
            change.done();
          }
        }
        const trusted = this.deps.clockTrusted();
        // Never wait past the next tick after now: a clock set back must not leave the scheduler waiting for an old future tick.
        const last = this.stats.lastTickAt ?? clock.now() - 1;
        const after = last > clock.now() ? clock.now() - 1 : last;
        const ticks = trusted ? nextTicks(this.windows(clock.now()), after) : this.safetyTicks();
        const wakeBy = clock.now() + HEARTBEAT_MS * clock.speed;
        const at = ticks.length ? ticks[0]!.at : wakeBy;
        await clock.sleepUntil(Math.min(at, wakeBy), signal);
        if (ticks.length && !signal.aborted && this.running && clock.now() >= at) {
          await this.fire(ticks);
          this.options.afterTick?.();
        }
        this.heartbeat = clock.monotonic();
      } catch (e) {
        // The log itself could not be written (a full or failing card): say so, wait a beat, go on. The heartbeat
        // stops while this repeats, so under systemd the watchdog restarts the agent.
        console.error(`edge: scheduler: ${(e as Error).message}`);
        await clock.sleepUntil(clock.now() + HEARTBEAT_MS * clock.speed, signal);
      }
      if (signal.aborted) this.wake = new AbortController();
    }
  }

  /** The next safety capture while untrusted: the assigned profile on its own cadence, after the grace period. */
  private safetyTicks(): PlannedTick[] {
    const { clock } = this.deps;
    const profile = this.options.safetyProfile();
    if (!profile || clock.monotonic() - this.startedMonotonic < this.options.untrustedGraceMs) return [];
    const interval = this.options.untrustedIntervalSeconds;
    const at = firstGridPoint(Math.max(clock.now(), this.lastSafetyAt + 1), interval);
    return [{ at, schedule: "clock_untrusted", profile, interval_seconds: interval }];
  }

  private async fire(ticks: PlannedTick[]): Promise<void> {
    const at = ticks[0]!.at;
    if (ticks[0]!.schedule === "clock_untrusted") this.lastSafetyAt = at;
    else this.stats.lastTickAt = at;
    this.stats.jitter.push(this.deps.clock.now() - at);
    if (this.stats.jitter.length > 1000) this.stats.jitter.shift();
    for (const tick of ticks) {
      if (this.deps.log.has(tick.at, tick.profile, tick.schedule !== "clock_untrusted")) continue;
      const { late, byMs } = lateness(tick, this.deps.clock.now());
      if (late) recordMissed(this.deps, tick, "late", `late: ${Math.round(byMs)} ms after its tick`);
      else {
        const test = tick.schedule === "clock_untrusted" ? null : testForTick(this.options.tests?.() ?? [], tick, (id) => this.deps.log.variantsCaptured(id));
        try {
          await captureTick(this.deps, tick, test);
        } catch (e) {
          // Whatever went wrong (a full disk on write, an I/O error), the scheduler goes on to the next tick.
          console.error(`edge: tick ${new Date(tick.at).toISOString()} ${tick.profile}: ${(e as Error).message}`);
          if (!this.deps.log.has(tick.at, tick.profile, tick.schedule !== "clock_untrusted")) {
            try {
              recordMissed(this.deps, tick, "camera_error", `capture_error: ${(e as Error).message}`);
            } catch {
              // The log itself cannot be written: nothing more to record.
            }
          }
        }
      }
    }
  }
}
