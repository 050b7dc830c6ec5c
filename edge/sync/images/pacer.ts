const BURST_CREDIT_MS = 250;

/** Paces bytes to a rate in real time: each send waits until the bytes before it would have gone at the cap. */
export class Pacer {
  private nextAt = 0;
  constructor(readonly bytesPerSecond: number | null) {}

  /** The largest chunk to send at once: about a quarter second's worth under a cap, so the rate stays even. */
  chunkBytes(max: number): number {
    return this.bytesPerSecond === null ? max : Math.max(1024, Math.min(max, Math.floor(this.bytesPerSecond / 4)));
  }

  async take(bytes: number, signal: AbortSignal): Promise<void> {
    if (this.bytesPerSecond === null) return;
    const now = Date.now();
    // A pause of up to BURST_CREDIT_MS (a round trip, a look at the outbox) may be made up; a longer idle spell may not.
    const start = Math.max(now - BURST_CREDIT_MS, this.nextAt);
    this.nextAt = start + (bytes * 1000) / this.bytesPerSecond;
    const wait = start - now;
    if (wait > 0) await sleep(wait, signal);
  }
}

/** Real ms, cut short when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
