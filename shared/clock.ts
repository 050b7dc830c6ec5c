/**
 * All code reads time through a Clock (invariant 3). A simulated clock maps real
 * time onto simulated time: sim = start + (real - anchor) * speed, so processes
 * given the same start, speed and anchor agree on the time.
 */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
  /** Simulated seconds per real second (1 for the system clock). */
  readonly speed: number;
  /** Resolves once the clock reads at least `at` (epoch ms), or when aborted. */
  sleepUntil(at: number, signal?: AbortSignal): Promise<void>;
  /** Monotonic real milliseconds since process start, unaffected by clock steps. */
  monotonic(): number;
}

export interface SimulatedClockOptions {
  start: number;
  speed: number;
  anchor: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    function done() {
      signal?.removeEventListener("abort", done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

abstract class BaseClock implements Clock {
  abstract readonly speed: number;
  abstract now(): number;
  monotonic(): number {
    return performance.now();
  }
  async sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    // Re-check after waking: the real timer can fire a little early or late, and a
    // long wait is split to stay inside setTimeout's range.
    while (!signal?.aborted) {
      const remaining = at - this.now();
      if (remaining <= 0) return;
      await sleepReal(Math.max(1, remaining / this.speed), signal);
    }
  }
}

export class SystemClock extends BaseClock {
  readonly speed = 1;
  now(): number {
    return Date.now();
  }
}

export class SimulatedClock extends BaseClock {
  readonly speed: number;
  private readonly start: number;
  private readonly anchor: number;
  constructor(options: SimulatedClockOptions) {
    super();
    this.start = options.start;
    this.speed = options.speed;
    this.anchor = options.anchor;
  }
  now(): number {
    return Math.floor(this.start + (Date.now() - this.anchor) * this.speed);
  }
}

/** A clock that tests move by hand. */
export class ManualClock extends BaseClock {
  readonly speed = 1;
  private t: number;
  private waiters: { at: number; resolve: () => void }[] = [];
  constructor(start: number) {
    super();
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  override sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    if (at <= this.t || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { at, resolve };
      this.waiters.push(waiter);
      signal?.addEventListener("abort", () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      });
    });
  }
  advance(ms: number): void {
    this.set(this.t + ms);
  }
  set(t: number): void {
    this.t = t;
    const due = this.waiters.filter((w) => w.at <= t);
    this.waiters = this.waiters.filter((w) => w.at > t);
    for (const w of due) w.resolve();
  }
}

