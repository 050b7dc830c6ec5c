/**
 * Capped exponential backoff with jitter: the n-th consecutive failure waits a
 * random time in [½, 1] × min(cap, base × 2^(n−1)), so a fleet that loses the hub
 * together does not come back in step.
 */
export function backoffDelay(failures: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}
