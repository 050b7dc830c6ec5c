import { HubError } from "../hub-client/errors";

/**
 * Capped exponential backoff with jitter: the n-th consecutive failure waits a
 * random time in [½, 1] × min(cap, base × 2^(n−1)), so a fleet that loses the hub
 * together does not come back in step.
 */
export function backoffDelay(failures: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** Polls and enrollment: a hub away for long is asked at most every 15 min. */
export const HUB_BACKOFF: BackoffPolicy = { baseMs: 5_000, capMs: 15 * 60_000 };

/**
 * The wait after `failures` failures in a row (the last one `error`): the
 * backoff, and never less than the hub's Retry-After (up to the cap).
 */
export function retryDelay(failures: number, policy: BackoffPolicy, error: unknown, random: () => number = Math.random): number {
  const wait = backoffDelay(failures, policy.baseMs, policy.capMs, random);
  const asked = error instanceof HubError ? error.retryAfterMs : null;
  return asked === null ? wait : Math.max(wait, Math.min(asked, policy.capMs));
}
