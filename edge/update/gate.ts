import type { Clock } from "../../shared/clock";

const RECORDS_WAIT_MS = 1_000;

export interface GateDeps {
  clock: Clock;
  /** Capture records wait for upload: they go first. */
  recordsWaiting: () => boolean;
  signal: AbortSignal;
}

/** When the next download chunk may go: records first. */
export class DownloadGate {
  constructor(private readonly deps: GateDeps) {}

  async mayProceed(): Promise<void> {
    const { clock, signal } = this.deps;
    while (!signal.aborted && this.deps.recordsWaiting()) await clock.sleepUntil(clock.now() + RECORDS_WAIT_MS, signal);
  }
}
