/**
 * The delivery worker: sends what the queue holds (webhooks signed with the channel's
 * secret, e-mail over SMTP), retries with exponential backoff, and runs the evaluation
 * pass on its own period. Started by hub/main.ts.
 */
import type { HubContext } from "../context";
import { retryDelayMs } from "./compute";
import { type DeliveryPayload, SIGNATURE_HEADER, signature } from "./payload";
import { evaluateAlerts } from "./service";
import type { HubEnv } from "../env";
import { type MailMessage, parseSmtpUrl, sendMail, type SmtpSettings } from "./smtp";
import * as store from "./store";

export interface AlertsOptions {
  /** Real ms between evaluation passes. */
  evaluateEveryMs: number;
  /** Real ms between looks at the delivery queue. */
  deliverEveryMs: number;
  smtp: SmtpSettings | null;
  /** Real ms before the second attempt; doubled each time up to retryCapMs. */
  retryBaseMs: number;
  retryCapMs: number;
  /** After this many attempts a delivery is recorded as failed. */
  maxAttempts: number;
  /** Real ms one attempt may take. */
  requestTimeoutMs: number;
}

export const DEFAULT_ALERTS_OPTIONS: Omit<AlertsOptions, "smtp"> = {
  evaluateEveryMs: 15_000,
  deliverEveryMs: 1000,
  retryBaseMs: 5000,
  retryCapMs: 600_000,
  maxAttempts: 10,
  requestTimeoutMs: 15_000,
};

type Ctx = Pick<HubContext, "db" | "clock" | "contacts">;

class DeliveryError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

async function send(payload: DeliveryPayload, secret: string | null, smtp: SmtpSettings | null, mail: Omit<MailMessage, "to" | "subject" | "text">, timeoutMs: number): Promise<number | null> {
  if (payload.kind === "email") {
    if (!smtp) throw new DeliveryError("no SMTP server: set SKYLAPSE_SMTP_URL");
    await sendMail(smtp, { ...mail, to: payload.to, subject: payload.subject, text: payload.text }, timeoutMs);
    return null;
  }
  const headers: Record<string, string> = { ...payload.headers, "user-agent": "skylapse-hub" };
  if (secret) headers[SIGNATURE_HEADER] = signature(payload.body, secret);
  let res: Response;
  try {
    res = await fetch(payload.url, { method: "POST", headers, body: payload.body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new DeliveryError(`POST ${payload.url}: ${(e as Error).message}`);
  }
  await res.body?.cancel();
  if (res.status < 200 || res.status > 299) throw new DeliveryError(`POST ${payload.url}: HTTP ${res.status}`, res.status);
  return res.status;
}

/** Sends every due delivery this worker can claim (one attempt each). */
export async function deliverDue(ctx: Ctx, options: AlertsOptions): Promise<void> {
  const { db, clock } = ctx;
  const now = clock.now();
  const realToHub = (ms: number) => Math.ceil(ms * clock.speed);
  const due = await store.dueDeliveries(db, now, 50);
  await Promise.all(
    due.map(async (candidate) => {
      const d = await store.claim(db, candidate.id, now, now + realToHub(options.requestTimeoutMs * 2));
      if (!d) return;
      const channel = await store.getChannel(db, d.channelId);
      try {
        if (!channel) throw new DeliveryError(`channel ${d.channelId} no longer exists`);
        const httpStatus = await send(d.payload as unknown as DeliveryPayload, channel.secret, options.smtp, { date: clock.now(), messageId: `${d.key.replace(/[^A-Za-z0-9.-]/g, ".")}@skylapse` }, options.requestTimeoutMs);
        await store.finishAttempt(db, d.id, { status: "delivered", error: null, httpStatus, deliveredAt: clock.now() });
      } catch (e) {
        const last = !channel || d.attempts >= options.maxAttempts;
        await store.finishAttempt(db, d.id, {
          status: last ? "failed" : "pending",
          nextAttemptAt: clock.now() + realToHub(retryDelayMs(d.attempts, options.retryBaseMs, options.retryCapMs)),
          error: (e as Error).message.slice(0, 500),
          httpStatus: e instanceof DeliveryError ? e.httpStatus : null,
          deliveredAt: null,
        });
      }
    }),
  );
}

/** The periodic evaluation and delivery; a pass that throws is logged and the next one runs. */
export class AlertWorker {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastEvaluation = -Infinity;
  private running: Promise<void> | null = null;
  private listeningSince = 0;

  constructor(
    private readonly ctx: Ctx,
    private readonly options: AlertsOptions,
  ) {}

  start() {
    this.listeningSince = this.ctx.clock.now();
    const tick = async () => {
      this.running = this.pass();
      await this.running;
      this.running = null;
      if (this.timer !== null) this.timer = setTimeout(tick, this.options.deliverEveryMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private async pass() {
    try {
      if (this.ctx.clock.monotonic() - this.lastEvaluation >= this.options.evaluateEveryMs) {
        this.lastEvaluation = this.ctx.clock.monotonic();
        // The fleet read over a third of the interval: the pass's statements mix with the agents' instead of queueing them.
        await evaluateAlerts(this.ctx, this.listeningSince, { spreadMs: this.options.evaluateEveryMs / 3 });
      }
      await deliverDue(this.ctx, this.options);
    } catch (e) {
      console.error(`hub: alerts: ${(e as Error).message}`);
    }
  }
}

/** From the hub's settings (hub/env.ts). */
export function alertsOptions(s: HubEnv): AlertsOptions {
  const everyMs = s.SKYLAPSE_ALERTS_EVERY_SECONDS * 1000;
  return {
    ...DEFAULT_ALERTS_OPTIONS,
    evaluateEveryMs: everyMs,
    deliverEveryMs: Math.min(DEFAULT_ALERTS_OPTIONS.deliverEveryMs, everyMs),
    retryBaseMs: s.SKYLAPSE_ALERT_RETRY_SECONDS * 1000,
    smtp: s.SKYLAPSE_SMTP_URL ? parseSmtpUrl(s.SKYLAPSE_SMTP_URL) : null,
  };
}
