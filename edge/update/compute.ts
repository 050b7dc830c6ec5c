/** The updater's decisions, from what it has read: no I/O here. */
import type { AgentRelease, SignedManifest, UpdateOutcome } from "../../shared/contracts/release";

/** What the updater does about the desired release. */
export type UpdatePlan = { kind: "none" } | { kind: "install"; signed: SignedManifest };

/**
 * Install the assigned release when it is another version than the one running, the
 * hub offers it for this machine, and it has not failed here already (a version that
 * rolled back or was refused waits for the operator to assign something else first).
 */
export function planUpdate(release: AgentRelease | undefined, arch: string, running: string, failed: string[]): UpdatePlan {
  if (!release || release.version === running || failed.includes(release.version)) return { kind: "none" };
  const signed = release.manifests.find((m) => m.manifest.arch === arch && m.manifest.version === release.version);
  return signed ? { kind: "install", signed } : { kind: "none" };
}

/** Versions not to retry: those that failed, forgotten once the assignment names another version (so assigning one again retries it). */
export function stillFailed(failed: string[], assigned: string | null): string[] {
  return assigned === null ? [] : failed.filter((v) => v === assigned);
}

export interface HealthSignals {
  /** A poll answered since this process started. */
  polled: boolean;
  /** A capture committed since this process started. */
  captured: boolean;
  /** A tick was planned within the trial's time (so a capture must prove the camera works). */
  tickDue: boolean;
}

/** A version on trial is healthy after a poll, and a capture when one was due. */
export function healthy(s: HealthSignals): boolean {
  return s.polled && (s.captured || !s.tickDue);
}

/** The download's guaranteed share of the link's time while records keep waiting. */
const DOWNLOAD_SHARE = 0.25;
/** Real ms a chunk waits for records at least (a link too fast to measure still leaves records the first look). */
const RECORDS_HOLD_MIN_MS = 1_000;

/**
 * Records go first, but not forever: with records waiting, the next download chunk
 * goes once it has waited (real ms) what keeps the download at DOWNLOAD_SHARE of the
 * link's time — the last chunk's time × (1/share − 1), and at least a second.
 */
export function downloadMayGo(recordsWaiting: boolean, waitedMs: number, lastChunkMs: number): boolean {
  return !recordsWaiting || waitedMs >= Math.max(RECORDS_HOLD_MIN_MS, lastChunkMs * (1 / DOWNLOAD_SHARE - 1));
}

const KEPT = 10;

export function appendOutcome(history: UpdateOutcome[], outcome: UpdateOutcome): UpdateOutcome[] {
  return [...history, outcome].slice(-KEPT);
}
