/**
 * What went wrong talking to the hub, in one type: the link (network), no answer
 * in time (timeout), the caller gave up (aborted), the hub said no (http, with its
 * status), or its answer was not what the contract says (contract). `retryable`
 * says whether the same request may succeed later.
 */
export type HubErrorKind = "network" | "timeout" | "aborted" | "http" | "contract";

export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    answer: { status: number; body: string; retryAfterMs: number | null } | null = null,
  ) {
    super(message);
    this.status = answer?.status ?? null;
    this.body = answer?.body ?? "";
    this.retryAfterMs = answer?.retryAfterMs ?? null;
  }

  /** The hub's HTTP status (kind "http"); null otherwise. */
  readonly status: number | null;
  /** The hub's answer (kind "http"), e.g. its problem JSON. */
  readonly body: string;
  /** How long the hub asked us to wait before trying again (Retry-After), ms. */
  readonly retryAfterMs: number | null;

  /** Whether the request may succeed later unchanged: link trouble, timeouts, 5xx, 408 and 429 may; a 4xx will not. */
  get retryable(): boolean {
    if (this.kind === "network" || this.kind === "timeout") return true;
    if (this.kind !== "http" || this.status === null) return false;
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** The hub answered this status (any other failure: null). */
export const statusOf = (e: unknown): number | null => (e instanceof HubError ? e.status : null);

/**
 * Retry-After as ms to wait: delta-seconds, or an HTTP date read against the
 * answer's own Date header (both the hub's clock, so no local clock is involved);
 * null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, date: string | null): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  const sent = Date.parse(date ?? "");
  return Number.isNaN(at) || Number.isNaN(sent) ? null : Math.max(0, at - sent);
}
