import type { Clock } from "../../shared/clock";
import { DIAGNOSTICS_REQUEST_HEADER, DiagnosticsRequestId } from "../../shared/contracts/diagnostics";
import { type CaptureRecord, type ObservedState, PollResponse, SERVER_TIME_HEADER, UploadResult } from "../../shared/contracts/sync";
import type { Outbox } from "../capture/log";
import { type HubClient, statusOf } from "../hub-client";
import { HUB_BACKOFF, retryDelay } from "./backoff";
import type { DesiredStore } from "./desired";

const DEFAULT_POLL_MS = 60_000;

export interface SyncDeps {
  hub: HubClient;
  /** This capture log's identity: seqs are unique per log, and a fresh database starts a new log. */
  logId: string;
  clock: Clock;
  desired: DesiredStore;
  outbox: Outbox;
  batchSize: number;
  observe: () => ObservedState;
  /** A boot whose untrusted-clock records must wait for their corrected times before upload. */
  holdBoot: () => string | null;
  /** A record the hub refused for good (it stays in the capture log, out of the outbox). */
  onRefused?: (record: CaptureRecord, why: string) => void;
  /** Called with the hub's time after each answered poll, and how far off it may be (half the round trip); the poll goes on once it resolves. */
  onServerTime?: (serverTime: number, uncertaintyMs: number) => void | Promise<void>;
  /** The poll answer asked for diagnostics (this request id); settled before the outbox is drained. */
  onDiagnosticsRequested?: (requestId: string) => Promise<void>;
}

export interface SyncStatus {
  lastPollAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  failures: number;
  uploaded: number;
}

/** The hub will never take this upload as it is (a conflicting or invalid record): retrying cannot help. */
const refused = (e: unknown) => statusOf(e) === 409 || statusOf(e) === 422;

/**
 * The pull loop: a conditional poll (If-None-Match) that also reports observed
 * state, then the outbox drained oldest first in bounded batches. Failures back
 * off with jitter; any success resets the backoff.
 */
export class SyncLoop {
  readonly status: SyncStatus = { lastPollAt: null, lastSuccessAt: null, lastError: null, failures: 0, uploaded: 0 };
  private running = false;
  private wake = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(private readonly deps: SyncDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops the loop; with the hub answering, uploads what the outbox still holds first
   * (the scheduler stops before this: a clean shutdown leaves nothing the hub could have
   * had). A hub that did not answer the last exchange is not waited for.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
    if (this.status.failures === 0 && this.status.lastSuccessAt !== null) await this.drain().catch(() => undefined);
  }

  /** Poll and upload now instead of at the next interval. */
  syncNow(): void {
    this.wake.abort();
  }

  private async run(): Promise<void> {
    const { clock } = this.deps;
    while (this.running) {
      let waitMs: number;
      try {
        await this.syncOnce();
        this.status.failures = 0;
        this.status.lastError = null;
        waitMs = (this.deps.desired.state?.poll_interval_seconds ?? DEFAULT_POLL_MS / 1000) * 1000;
      } catch (e) {
        this.status.failures++;
        this.status.lastError = (e as Error).message;
        waitMs = retryDelay(this.status.failures, HUB_BACKOFF, e);
      }
      if (!this.running) break;
      await clock.sleepUntil(clock.now() + waitMs, this.wake.signal);
      if (this.wake.signal.aborted) this.wake = new AbortController();
    }
  }

  /** One poll and a full drain of the outbox. Throws on any failure; nothing is lost by retrying. */
  async syncOnce(): Promise<void> {
    this.status.lastPollAt = this.deps.clock.now();
    const diagnostics = await this.poll();
    if (diagnostics) await this.deps.onDiagnosticsRequested?.(diagnostics);
    await this.drain();
    this.status.lastSuccessAt = this.deps.clock.now();
  }

  /** Applies a new desired state; returns the diagnostics request the answer carries, if any. */
  private async poll(): Promise<string | null> {
    const etag = this.deps.desired.etag;
    const sentAt = this.deps.clock.now();
    let answeredAt = sentAt;
    const res = await this.deps.hub.send("poll", "/agent/v1/state", {
      method: "POST",
      json: this.deps.observe(),
      headers: etag ? { "if-none-match": etag } : {},
      accept: [304],
      onHeaders: () => (answeredAt = this.deps.clock.now()),
    });
    // The server's clock read about half a round trip before the answer's headers arrived.
    const halfTrip = (answeredAt - sentAt) / 2;
    const serverTime = Date.parse(res.headers.get(SERVER_TIME_HEADER) ?? "") + halfTrip;
    const diagnostics = DiagnosticsRequestId.safeParse(res.headers.get(DIAGNOSTICS_REQUEST_HEADER)).data ?? null;
    if (res.status === 304) {
      if (!Number.isNaN(serverTime)) await this.deps.onServerTime?.(serverTime, halfTrip);
      return diagnostics;
    }
    const answer = this.deps.hub.decode("poll", res, PollResponse);
    // The plan first: a clock change settled next accounts for its ticks even on a first contact.
    if (answer.etag !== etag) this.deps.desired.apply(answer.etag, answer.desired, this.deps.clock.now());
    await this.deps.onServerTime?.(Date.parse(answer.server_time) + halfTrip, halfTrip);
    return diagnostics;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const records = this.deps.outbox.next(this.deps.batchSize, this.deps.holdBoot());
      if (!records.length) return;
      try {
        await this.upload(records);
      } catch (e) {
        if (!refused(e)) throw e;
        // One record the hub refuses must not hold back the rest: find it, set it aside, go on.
        for (const record of records) {
          try {
            await this.upload([record]);
          } catch (single) {
            if (!refused(single)) throw single;
            this.deps.outbox.setAside(record.seq);
            this.deps.onRefused?.(record, (single as Error).message);
          }
        }
      }
    }
  }

  private async upload(records: CaptureRecord[]): Promise<void> {
    await this.deps.hub.parse("upload", "/agent/v1/captures", UploadResult, { method: "POST", json: { log_id: this.deps.logId, records } });
    this.deps.outbox.ack(
      records.map((r) => r.seq),
      this.deps.clock.now(),
    );
    this.status.uploaded += records.length;
  }
}
