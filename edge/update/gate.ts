import type { Clock } from "../../shared/clock";
import { downloadMayGo } from "./compute";

/** Real ms between looks at the outbox while records hold the download back. */
const RECORDS_LOOK_MS = 250;

export interface GateDeps {
  clock: Clock;
  /** Capture records wait for upload: they go first. */
  recordsWaiting: () => boolean;
  signal: AbortSignal;
}

/**
 * When the next download chunk may go: at once while no records wait; while they
 * do, after a wait of its share's worth (compute.ts `downloadMayGo`), so an outbox
 * that never empties (a tick faster than the poll) delays the update, never stops it.
 */
export class DownloadGate {
  /** Real (monotonic) ms the last chunk went through; its time since is what that chunk took. */
  private passedAt: number | null = null;

  constructor(private readonly deps: GateDeps) {}

  async mayProceed(): Promise<void> {
    const { clock, signal } = this.deps;
    const entered = clock.monotonic();
    const lastChunkMs = this.passedAt === null ? 0 : entered - this.passedAt;
    while (!signal.aborted && !downloadMayGo(this.deps.recordsWaiting(), clock.monotonic() - entered, lastChunkMs)) {
      await clock.sleepUntil(clock.now() + RECORDS_LOOK_MS * clock.speed, signal);
    }
    this.passedAt = clock.monotonic();
  }
}
