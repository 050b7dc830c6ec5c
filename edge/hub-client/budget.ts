const BURST_CREDIT_MS = 250;

/**
 * The link's one byte budget, the bandwidth cap in real time. The hub client charges
 * every byte it moves (records, polls, pictures, downloads, both ways); background
 * transfers wait for `ready()` before each piece, so what records and polls use delays
 * them and never the reverse.
 */
export class LinkBudget {
  private nextAt = 0;
  constructor(readonly bytesPerSecond: number | null) {}

  static kbps(kbps: number | null | undefined): LinkBudget {
    return new LinkBudget(kbps == null ? null : (kbps * 1000) / 8);
  }

  /** The largest piece to send at once: about a quarter second's worth under a cap, so the rate stays even. */
  chunkBytes(max: number): number {
    return this.bytesPerSecond === null ? max : Math.max(1024, Math.min(max, Math.floor(this.bytesPerSecond / 4)));
  }

  /** Bytes that went (or are going): the link is busy with them for their time at the cap. */
  charge(bytes: number): void {
    if (this.bytesPerSecond === null) return;
    // A pause of up to BURST_CREDIT_MS (a round trip, a look at the outbox) may be made up; a longer idle spell may not.
    this.nextAt = Math.max(Date.now() - BURST_CREDIT_MS, this.nextAt) + (bytes * 1000) / this.bytesPerSecond;
  }

  /** Resolves once the bytes charged so far would have gone at the cap (or `signal` aborts). */
  async ready(signal: AbortSignal): Promise<void> {
    if (this.bytesPerSecond === null) return;
    const wait = this.nextAt - Date.now();
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
