/**
 * The agent's token: from SKYLAPSE_AGENT_TOKEN, or kept in DATA_DIR/agent-token
 * after exchanging a one-time SKYLAPSE_ENROLLMENT_CODE with the hub on first
 * contact. The exchange retries with backoff while the hub is away or refuses;
 * the agent keeps capturing meanwhile, and the sync loop starts once a token is
 * held.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { durableWrite } from "../../shared/durable-file";
import type { Clock } from "../../shared/clock";
import { backoffDelay } from "./backoff";
import type { SyncLoop } from "./service";

export const TOKEN_FILE = "agent-token";
/** Which camera and code the stored token came from (JSON), so a new code is exchanged and a foreign token ignored. */
export const TOKEN_META_FILE = "agent-token.json";
const BACKOFF_BASE_MS = 5_000;
const BACKOFF_CAP_MS = 15 * 60_000;

export const storedTokenPath = (dataDir: string) => join(dataDir, TOKEN_FILE);
export const hasStoredToken = (dataDir: string) => existsSync(storedTokenPath(dataDir));

/** The hub hashes codes in this form: case, spaces and dashes do not matter; O, I, L read as 0, 1, 1. */
function codeFingerprint(code: string): string {
  const normal = code.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return createHash("sha256").update(`enroll:${normal}`).digest("hex");
}

export interface CredentialOptions {
  hubUrl: string;
  cameraId: string;
  dataDir: string;
  token?: string;
  enrollmentCode?: string;
  clock: Clock;
  requestTimeoutMs: number;
  log?: (line: string) => void;
}

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class AgentCredentials {
  /** The bearer token the sync loop sends; null until one is held. */
  token: string | null = null;
  private stored: string | null = null;
  private stopped = new AbortController();
  private pending: Promise<void> | null = null;
  private readonly log: (line: string) => void;

  constructor(private readonly options: CredentialOptions) {
    this.log = options.log ?? ((line) => console.error(line));
    if (options.token) {
      this.token = options.token;
      return;
    }
    this.stored = this.readStored();
    if (!this.needsExchange()) this.token = this.stored;
  }

  /** A token kept from an earlier exchange, unless it belongs to another camera. */
  private readStored(): string | null {
    const { dataDir, cameraId } = this.options;
    if (!hasStoredToken(dataDir)) return null;
    const token = readFileSync(storedTokenPath(dataDir), "utf8").trim();
    const meta = this.readMeta();
    if (meta?.camera_id && meta.camera_id !== cameraId) {
      this.log(`edge: ignoring ${storedTokenPath(dataDir)}: it is camera ${meta.camera_id}'s token, not ${cameraId}'s`);
      return null;
    }
    return token || null;
  }

  private readMeta(): { camera_id?: string; code_sha256?: string } | null {
    try {
      return JSON.parse(readFileSync(join(this.options.dataDir, TOKEN_META_FILE), "utf8"));
    } catch {
      return null;
    }
  }

  /** A code is exchanged when there is no token, or it is not the code the stored token came from (re-enrollment). */
  needsExchange(): boolean {
    const { token, enrollmentCode } = this.options;
    if (token || !enrollmentCode) return false;
    return this.stored === null || this.readMeta()?.code_sha256 !== codeFingerprint(enrollmentCode);
  }

  /**
   * Starts the sync loop once a token is held: at once with one, else after
   * exchanging the code. Failures are logged and shown in the sync status (the
   * agent's /status: hub unreachable, with the message) and retried with backoff.
   */
  start(sync: SyncLoop): void {
    if (!this.needsExchange() && this.token) {
      sync.start();
      return;
    }
    this.pending = this.enroll(sync);
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.pending;
  }

  private async enroll(sync: SyncLoop): Promise<void> {
    const { clock, cameraId, enrollmentCode } = this.options;
    if (!enrollmentCode) {
      sync.status.lastError = `no agent token for ${cameraId}: set SKYLAPSE_AGENT_TOKEN or SKYLAPSE_ENROLLMENT_CODE`;
      this.log(`edge: ${sync.status.lastError}`);
      return;
    }
    let failures = 0;
    while (!this.stopped.signal.aborted) {
      try {
        this.token = await this.exchange(enrollmentCode);
        this.stored = this.token;
        sync.status.failures = 0;
        sync.status.lastError = null;
        this.log(`edge: enrolled ${cameraId} with the hub; token kept in ${storedTokenPath(this.options.dataDir)}`);
        sync.start();
        return;
      } catch (e) {
        const message = (e as Error).message;
        if (e instanceof Refused && this.stored) {
          // A new code that does not work, but an earlier token: carry on with that one (the hub says if it is revoked).
          this.log(`edge: ${message}; using the token stored earlier`);
          this.token = this.stored;
          sync.start();
          return;
        }
        failures++;
        sync.status.failures = failures;
        sync.status.lastError = message;
        sync.status.lastPollAt = clock.now();
        const waitMs = backoffDelay(failures, BACKOFF_BASE_MS, BACKOFF_CAP_MS);
        this.log(`edge: ${message}; retrying in ${Math.round(waitMs / 1000)} s`);
        await clock.sleepUntil(clock.now() + waitMs, this.stopped.signal);
      }
    }
  }

  /** One exchange: POST /agent/v1/enroll {camera_id, code} → {camera_id, token}, kept on disk before it is used. */
  private async exchange(code: string): Promise<string> {
    const { hubUrl, cameraId, dataDir, requestTimeoutMs } = this.options;
    let res: Response;
    try {
      res = await fetch(new URL("/agent/v1/enroll", hubUrl), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ camera_id: cameraId, code }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (e) {
      throw new Error(`enrollment: hub unreachable: ${(e as Error).message}`);
    }
    const text = await res.text().catch(() => "");
    let body: { token?: unknown; camera_id?: unknown; message?: unknown } = {};
    try {
      body = JSON.parse(text);
    } catch {}
    if (res.status === 401 || res.status === 403 || res.status === 422)
      throw new Refused(res.status, `enrollment refused by the hub (${res.status}): ${typeof body.message === "string" ? body.message : text.slice(0, 200)}`);
    if (!res.ok) throw new Error(`enrollment: hub answered ${res.status} ${text.slice(0, 200)}`);
    if (typeof body.token !== "string" || body.camera_id !== cameraId) throw new Error("enrollment: the hub's answer does not match the contract");
    durableWrite(storedTokenPath(dataDir), `${body.token}\n`, 0o600);
    durableWrite(join(dataDir, TOKEN_META_FILE), `${JSON.stringify({ camera_id: cameraId, code_sha256: codeFingerprint(code), hub_url: hubUrl })}\n`, 0o600);
    return body.token;
  }
}
