import type { HubDb } from "../db/client";
import { type ImageStorage, probeKey } from "../storage";
import { schemaSuits } from "../version/service";
import { type CheckResult, type Readiness, readiness } from "./compute";
import { pingDatabase } from "./data";

/** A check that has not answered within this is failed (a hung database or bucket must not hang the probe). */
const CHECK_TIMEOUT_MS = 2000;

function within(check: () => Promise<CheckResult>, what: string): Promise<CheckResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<CheckResult>((resolve) => (timer = setTimeout(() => resolve({ ok: false, reason: `${what} did not answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS)));
  const run = check().catch((e: Error & { code?: string }): CheckResult => ({ ok: false, reason: `${what} failed: ${e.code ?? e.message}` }));
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
}

/**
 * GET /ready's checks: the database answers, holds this build's migrations and
 * was not taken beyond what this version runs on (hub/version/compute.ts), the
 * picture store takes a write; and not shutting down. Each request runs them
 * afresh (a load balancer asks every few seconds).
 */
export class ReadinessProbe {
  private draining = false;
  private lastReasons = "";

  constructor(
    private readonly db: HubDb,
    private readonly storage: ImageStorage,
    /** Names this process's probe object, so replicas sharing a bucket do not collide. */
    private readonly probeName = `p${process.pid}`,
  ) {}

  /** From now on the hub is not ready: it is shutting down (requests still served until it stops). */
  drain(): void {
    this.draining = true;
  }

  async check(): Promise<Readiness> {
    const [database, migrations, storage] = await Promise.all([
      within(async () => (await pingDatabase(this.db), { ok: true }), "the database"),
      within(() => schemaSuits(this.db), "the migrations table"),
      within(async () => {
        const key = probeKey(this.probeName);
        await this.storage.put(key, new TextEncoder().encode(this.probeName));
        await this.storage.delete(key);
        return { ok: true };
      }, "a write to the picture store"),
    ]);
    const result = readiness({ database, migrations, storage }, this.draining);
    this.logChange(result);
    return result;
  }

  /** The reasons once when they change, not at every probe. */
  private logChange(result: Readiness): void {
    const reasons = result.reasons.join("; ");
    if (reasons === this.lastReasons) return;
    console.warn(reasons ? `hub: not ready: ${reasons}` : "hub: ready");
    this.lastReasons = reasons;
  }
}
