import type { Subprocess } from "bun";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hubStorageEnv, rememberHubStorage } from "./hub-storage";
import { freshDatabase, testBackend } from "./postgres";

const ROOT = join(import.meta.dir, "..", "..");

export interface SimClock {
  start: string;
  speed: number;
  anchor: string;
}

/** A clock all processes of a scenario share: START at ANCHOR, a little in the future so every process is up. */
export function sharedClock(start: string, speed: number, leadMs = 1500): SimClock {
  return { start, speed, anchor: new Date(Date.now() + leadMs).toISOString() };
}

/** Sim time now for a shared clock, read the same way the processes do. */
export function simNow(clock: SimClock): number {
  return Date.parse(clock.start) + (Date.now() - Date.parse(clock.anchor)) * clock.speed;
}

/** Real ms until the shared clock reads `at`. */
export function realMsUntil(clock: SimClock, at: number): number {
  return Math.max(0, (at - simNow(clock)) / clock.speed);
}

function clockEnv(clock?: SimClock): Record<string, string> {
  return clock
    ? { SKYLAPSE_CLOCK_START: clock.start, SKYLAPSE_CLOCK_SPEED: String(clock.speed), SKYLAPSE_CLOCK_ANCHOR: clock.anchor }
    : {};
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `skylapse-${prefix}-`));
}

/** A real process of ours (hub or agent), its output kept for failure messages. */
export class Service {
  output = "";
  url = "";
  private exited: Promise<number>;
  constructor(
    readonly name: string,
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
  ) {
    this.exited = proc.exited;
    this.collect(proc.stdout);
    this.collect(proc.stderr);
  }

  private async collect(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.output += decoder.decode(chunk);
  }

  async waitForUrl(timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = this.output.match(/on (https?):\/\/([\d.]+):(\d+)/);
      if (m) return (this.url = `${m[1]}://${m[2]}:${m[3]}`);
      if (this.proc.exitCode !== null) break;
      await Bun.sleep(20);
    }
    throw new Error(`${this.name} did not start:\n${this.output}`);
  }

  /** Graceful stop (SIGTERM), or kill -9 with `hard`. */
  async stop(hard = false): Promise<number> {
    if (this.proc.exitCode === null) this.proc.kill(hard ? 9 : 15);
    return this.exited;
  }
}

async function spawnService(name: string, command: string[], env: Record<string, string>, cwd = ROOT): Promise<Service> {
  const proc = Bun.spawn(command, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const service = new Service(name, proc);
  await service.waitForUrl();
  return service;
}

export interface HubOptions {
  config: unknown;
  clock?: SimClock;
  dataDir?: string;
  operatorToken?: string;
  port?: number;
  env?: Record<string, string>;
  /** The CA (PEM) that signed the certificate of a hub serving HTTPS: its requests trust it. */
  ca?: string;
  /** Run the hub of this tree (e.g. an earlier release, test/harness/previous-release.ts) instead of this checkout's. */
  root?: string;
}

export interface StartedHub extends Service {
  dataDir: string;
  operatorToken: string;
  api: (path: string, init?: RequestInit) => Promise<Response>;
  json: <T = any>(path: string, init?: RequestInit) => Promise<T>;
}

/** The PostgreSQL database of each hub data dir (SKYLAPSE_TEST_BACKEND=postgres+s3): a hub restarted on its data dir finds its state again. */
const databases = new Map<string, string>();

async function databaseEnv(dataDir: string): Promise<Record<string, string>> {
  if (testBackend() !== "postgres") return {};
  let url = databases.get(dataDir);
  if (!url) databases.set(dataDir, (url = await freshDatabase()));
  return { SKYLAPSE_DATABASE_URL: url };
}

/** The PostgreSQL database a hub started on `dataDir` uses, or null when it keeps hub.sqlite there. */
export function hubDatabaseUrl(dataDir: string): string | null {
  return databases.get(dataDir) ?? null;
}

export async function startHub(options: HubOptions): Promise<StartedHub> {
  const dataDir = options.dataDir ?? tempDir("hub");
  mkdirSync(dataDir, { recursive: true });
  const configPath = join(dataDir, "config.json");
  writeFileSync(configPath, JSON.stringify(options.config));
  const operatorToken = options.operatorToken ?? "test-operator-token-0123456789";
  const env = {
    SKYLAPSE_PORT: String(options.port ?? 0),
    SKYLAPSE_HOST: "127.0.0.1",
    SKYLAPSE_DATA_DIR: dataDir,
    SKYLAPSE_CONFIG: configPath,
    SKYLAPSE_OPERATOR_TOKEN: operatorToken,
    // Session renders run ffmpeg; only the tests about them turn them on.
    SKYLAPSE_AUTO_TIMELAPSE: "0",
    ...(await databaseEnv(dataDir)),
    // A test's own S3 settings (options.env) win over the backend's bucket.
    ...(options.env?.SKYLAPSE_S3_ENDPOINT ? {} : await hubStorageEnv(dataDir)),
    ...clockEnv(options.clock),
    ...options.env,
  };
  rememberHubStorage(dataDir, env);
  const root = options.root ?? ROOT;
  const service = (await spawnService("hub", ["bun", join(root, "hub/main.ts")], env, root)) as StartedHub;
  service.dataDir = dataDir;
  service.operatorToken = operatorToken;
  service.api = (path, init = {}) =>
    fetch(service.url + path, {
      ...init,
      headers: { authorization: `Bearer ${operatorToken}`, "content-type": "application/json", ...init.headers },
      ...(options.ca ? { tls: { ca: options.ca } } : {}),
    });
  service.json = async (path, init) => {
    const res = await service.api(path, init);
    if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return service;
}

export interface AgentOptions {
  cameraId: string;
  hub?: StartedHub;
  token?: string;
  clock?: SimClock;
  dataDir?: string;
  seed?: number;
  env?: Record<string, string>;
  /** Run this instead of `bun edge/main.ts` (e.g. the single-file build). */
  command?: string[];
}

export interface StartedAgent extends Service {
  dataDir: string;
  cameraId: string;
  json: <T = any>(path: string, init?: RequestInit) => Promise<T>;
}

/** Starts an agent; with a hub and no token, first issues the camera's token through the operator API. */
export async function startAgent(options: AgentOptions): Promise<StartedAgent> {
  const dataDir = options.dataDir ?? tempDir(`edge-${options.cameraId}`);
  let token = options.token;
  if (options.hub && !token) token = (await options.hub.json(`/api/cameras/${options.cameraId}/token`, { method: "POST" })).token;
  const service = (await spawnService(`agent ${options.cameraId}`, options.command ?? ["bun", join(ROOT, "edge/main.ts")], {
    SKYLAPSE_PORT: "0",
    SKYLAPSE_HOST: "127.0.0.1",
    SKYLAPSE_DATA_DIR: dataDir,
    SKYLAPSE_CAMERA_ID: options.cameraId,
    SKYLAPSE_SIM_SEED: String(options.seed ?? 1),
    ...(options.hub ? { SKYLAPSE_HUB_URL: options.hub.url, SKYLAPSE_AGENT_TOKEN: token! } : {}),
    ...clockEnv(options.clock),
    ...options.env,
  })) as StartedAgent;
  service.dataDir = dataDir;
  service.cameraId = options.cameraId;
  service.json = async (path, init) => {
    const res = await fetch(service.url + path, init);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return service;
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    await Bun.sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}
