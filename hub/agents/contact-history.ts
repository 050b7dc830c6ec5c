import type { ObservedState } from "../../shared/contracts/sync";

/** A gap between contacts is an outage when longer than 3 poll intervals, and never shorter than this. */
export const MIN_OUTAGE_MS = 5 * 60_000;
/** Clock samples are kept at most this often per camera. */
export const CLOCK_SAMPLE_EVERY_MS = 10 * 60_000;

export function outageThresholdMs(pollIntervalSeconds: number): number {
  return Math.max(3 * pollIntervalSeconds * 1000, MIN_OUTAGE_MS);
}

/** A camera is online while its last contact is within 3 poll intervals. */
export function onlineWindowMs(pollIntervalSeconds: number): number {
  return 3 * pollIntervalSeconds * 1000;
}

/** What the hub remembers of a camera's contacts between polls (hub clock, ms). */
export interface ContactState {
  lastAt: number | null;
  /** An outage was recorded and no poll since has reported an empty backlog. */
  awaitingCatchUp: boolean;
  lastSampleAt: number | null;
}

export type ContactEvent =
  | {
      kind: "outage";
      cameraId: string;
      from: number;
      to: number;
      backlogAtReturn: number;
      oldestPendingAt: number | null;
      /** Set at once when the agent returned with nothing pending. */
      caughtUpAt: number | null;
    }
  | { kind: "caught_up"; cameraId: string; at: number }
  | { kind: "clock"; cameraId: string; at: number; offsetMs: number | null; trusted: boolean; source: string; correctionMs: number };

/**
 * One poll's effect on the contact history: an outage when it ends a gap longer
 * than the threshold, the catch-up when the backlog is empty again, and a clock
 * sample when the last one is old enough. Pure: the caller keeps the state and
 * writes the events.
 */
export function onContact(
  cameraId: string,
  state: ContactState,
  observed: ObservedState,
  now: number,
  pollIntervalSeconds: number,
): { state: ContactState; events: ContactEvent[] } {
  const events: ContactEvent[] = [];
  let awaitingCatchUp = state.awaitingCatchUp;
  const emptyBacklog = observed.backlog === 0;
  if (awaitingCatchUp && emptyBacklog) {
    events.push({ kind: "caught_up", cameraId, at: now });
    awaitingCatchUp = false;
  }
  if (state.lastAt !== null && now - state.lastAt > outageThresholdMs(pollIntervalSeconds)) {
    const oldest = observed.oldest_pending_at === null ? null : Date.parse(observed.oldest_pending_at);
    events.push({
      kind: "outage",
      cameraId,
      from: state.lastAt,
      to: now,
      backlogAtReturn: observed.backlog,
      oldestPendingAt: oldest,
      caughtUpAt: emptyBacklog ? now : null,
    });
    if (!emptyBacklog) awaitingCatchUp = true;
  }
  let lastSampleAt = state.lastSampleAt;
  if (lastSampleAt === null || now - lastSampleAt >= CLOCK_SAMPLE_EVERY_MS || now < lastSampleAt) {
    const c = observed.clock;
    events.push({ kind: "clock", cameraId, at: now, offsetMs: c.offset_ms, trusted: c.trusted, source: c.source, correctionMs: c.correction_ms });
    lastSampleAt = now;
  }
  return { state: { lastAt: Math.max(state.lastAt ?? now, now), awaitingCatchUp, lastSampleAt }, events };
}
