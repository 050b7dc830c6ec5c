/**
 * The agent's token: from SKYLAPSE_AGENT_TOKEN, or kept in DATA_DIR/agent-token
 * after exchanging a one-time SKYLAPSE_ENROLLMENT_CODE with the hub on first
 * contact. The exchange retries with backoff while the hub is away or refuses;
 * the agent keeps capturing meanwhile, and the sync loop starts once a token is
 * held.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { durableWrite } from "../../shared/durable-file";
import { z } from "zod";
import type { Clock } from "../../shared/clock";
import { type HubClient, HubError, statusOf } from "../hub-client";
import { HUB_BACKOFF, retryDelay } from "./backoff";
import type { SyncLoop } from "./service";

export const TOKEN_FILE = "agent-token";
/** Which camera and code the stored token came from (JSON), so a new code is exchanged and a foreign token ignored. */
export const TOKEN_META_FILE = "agent-token.json";

export const storedTokenPath = (dataDir: string) => join(dataDir, TOKEN_FILE);
export const hasStoredToken = (dataDir: string) => existsSync(storedTokenPath(dataDir));

/** The hub hashes codes in this form: case, spaces and dashes do not matter; O, I, L read as 0, 1, 1. */
function codeFingerprint(code: string): string {
  const normal = code.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return new Bun.CryptoHasher("sha256").update(`enroll:${normal}`).digest("hex");
}

export interface CredentialOptions {
  hub: HubClient;
  cameraId: string;
  dataDir: string;
  token?: string;
  enrollmentCode?: string;
  clock: Clock;
  log?: (line: string) => void;
}

/** The hub's answer to an exchange: the camera it is for and its token. */
const Enrolled = z.object({ camera_id: z.string(), token: z.string() });

/** The hub will not take this code (unknown, used, expired): another try with it is refused again. */
class Refused extends Error {}

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
        const waitMs = retryDelay(failures, HUB_BACKOFF, e);
        this.log(`edge: ${message}; retrying in ${Math.round(waitMs / 1000)} s`);
        await clock.sleepUntil(clock.now() + waitMs, this.stopped.signal);
      }
    }
  }

  /** One exchange: POST /agent/v1/enroll {camera_id, code} → {camera_id, token}, kept on disk before it is used. */
  private async exchange(code: string): Promise<string> {
    const { hub, cameraId, dataDir } = this.options;
    let body: z.infer<typeof Enrolled>;
    try {
      // Not cut short by stop(): a token the hub issued is kept, or its one-time code would be spent for nothing.
      body = await hub.parse("enrollment", "/agent/v1/enroll", Enrolled, { method: "POST", json: { camera_id: cameraId, code }, anonymous: true });
    } catch (e) {
      const status = statusOf(e);
      if (status === 401 || status === 403 || status === 422) throw new Refused(`enrollment refused by the hub (${status}): ${problemMessage((e as HubError).body)}`);
      if (e instanceof HubError && (e.kind === "network" || e.kind === "timeout")) throw new HubError(e.kind, `enrollment: ${e.message}`);
      throw e;
    }
    if (body.camera_id !== cameraId) throw new HubError("contract", "enrollment: the hub's answer does not match the contract");
    durableWrite(storedTokenPath(dataDir), `${body.token}\n`, 0o600);
    durableWrite(join(dataDir, TOKEN_META_FILE), `${JSON.stringify({ camera_id: cameraId, code_sha256: codeFingerprint(code), hub_url: hub.baseUrl })}\n`, 0o600);
    return body.token;
  }
}

/** The message of the hub's problem body, else the body's start. */
function problemMessage(text: string): string {
  try {
    const { message } = JSON.parse(text) as { message?: unknown };
    if (typeof message === "string") return message;
  } catch {}
  return text.slice(0, 200);
}
