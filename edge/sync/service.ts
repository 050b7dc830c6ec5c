import type { Clock } from "../../shared/clock";
import { type CaptureRecord, type ObservedState, PollResponse, SERVER_TIME_HEADER, UploadResult } from "../../shared/contracts/sync";
import type { Outbox } from "../capture/log";
import { backoffDelay } from "./backoff";
import type { DesiredStore } from "./desired";

const BACKOFF_BASE_MS = 5_000;
const BACKOFF_CAP_MS = 15 * 60_000;
const DEFAULT_POLL_MS = 60_000;

export interface SyncDeps {
  hubUrl: string;
  token: string;
  /** This capture log's identity: seqs are unique per log, and a fresh database starts a new log. */
  logId: string;
  clock: Clock;
  desired: DesiredStore;
  outbox: Outbox;
  batchSize: number;
  requestTimeoutMs: number;
  observe: () => ObservedState;
  /** A boot whose untrusted-clock records must wait for their corrected times before upload. */
  holdBoot: () => string | null;
  /** A record the hub refused for good (it stays in the capture log, out of the outbox). */
  onRefused?: (record: CaptureRecord, why: string) => void;
  /** Called with the hub's time after each answered poll, and how far off it may be (half the round trip); the poll goes on once it resolves. */
  onServerTime?: (serverTime: number, uncertaintyMs: number) => void | Promise<void>;
  /** Counts each request body sent to the hub (bytes), for the daily upload volume. */
  onSent?: (bytes: number) => void;
}

export interface SyncStatus {
  lastPollAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  failures: number;
  uploaded: number;
}

class SyncError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** The hub will never take this upload as it is (a conflicting or invalid record): retrying cannot help. */
const refused = (e: unknown) => e instanceof SyncError && (e.status === 409 || e.status === 422);

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

  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
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
        waitMs = backoffDelay(this.status.failures, BACKOFF_BASE_MS, BACKOFF_CAP_MS);
      }
      if (!this.running) break;
      await clock.sleepUntil(clock.now() + waitMs, this.wake.signal);
      if (this.wake.signal.aborted) this.wake = new AbortController();
    }
  }

  /** One poll and a full drain of the outbox. Throws on any failure; nothing is lost by retrying. */
  async syncOnce(): Promise<void> {
    this.status.lastPollAt = this.deps.clock.now();
    await this.poll();
    await this.drain();
    this.status.lastSuccessAt = this.deps.clock.now();
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    if (typeof init.body === "string") this.deps.onSent?.(Buffer.byteLength(init.body));
    try {
      return await fetch(new URL(path, this.deps.hubUrl), {
        ...init,
        headers: { authorization: `Bearer ${this.deps.token}`, "content-type": "application/json", ...init.headers },
        signal: AbortSignal.timeout(this.deps.requestTimeoutMs),
      });
    } catch (e) {
      throw new SyncError(`hub unreachable: ${(e as Error).message}`);
    }
  }

  private async poll(): Promise<void> {
    const etag = this.deps.desired.etag;
    const sentAt = this.deps.clock.now();
    const res = await this.request("/agent/v1/state", {
      method: "POST",
      body: JSON.stringify(this.deps.observe()),
      headers: etag ? { "if-none-match": etag } : {},
    });
    // The server's clock read about half a round trip before the answer arrived.
    const halfTrip = (this.deps.clock.now() - sentAt) / 2;
    const serverTime = Date.parse(res.headers.get(SERVER_TIME_HEADER) ?? "") + halfTrip;
    if (res.status === 304) {
      await res.arrayBuffer();
      if (!Number.isNaN(serverTime)) await this.deps.onServerTime?.(serverTime, halfTrip);
      return;
    }
    const body = await this.readJson(res, "poll");
    const parsed = PollResponse.safeParse(body);
    if (!parsed.success) throw new SyncError(`poll: the hub's answer does not match the contract`);
    // The plan first: a clock change settled next accounts for its ticks even on a first contact.
    if (parsed.data.etag !== etag) this.deps.desired.apply(parsed.data.etag, parsed.data.desired, this.deps.clock.now());
    await this.deps.onServerTime?.(Date.parse(parsed.data.server_time) + halfTrip, halfTrip);
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
    const res = await this.request("/agent/v1/captures", {
      method: "POST",
      body: JSON.stringify({ log_id: this.deps.logId, records }),
    });
    const parsed = UploadResult.safeParse(await this.readJson(res, "upload"));
    if (!parsed.success) throw new SyncError("upload: the hub's answer does not match the contract");
    this.deps.outbox.ack(
      records.map((r) => r.seq),
      this.deps.clock.now(),
    );
    this.status.uploaded += records.length;
  }

  private async readJson(res: Response, what: string): Promise<unknown> {
    const text = await res.text().catch((e) => {
      throw new SyncError(`${what}: response cut off (${(e as Error).message})`);
    });
    if (!res.ok) throw new SyncError(`${what}: hub answered ${res.status} ${text.slice(0, 200)}`, res.status);
    try {
      return JSON.parse(text);
    } catch {
      throw new SyncError(`${what}: response is not JSON (truncated?)`);
    }
  }
}
