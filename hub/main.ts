#!/usr/bin/env bun
/**
 * `skylapse-hub` — the hub: with no command it serves (SKYLAPSE_* from the environment);
 * `skylapse-hub backup DIR` / `skylapse-hub restore DIR` copy a SQLite deployment's data dir (hub/backup).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { clockFromEnv, readEnv } from "../shared/env";
import { UNLIMITED_BY_SERVER } from "../shared/http";
import { createHub } from "./app";
import { imagesOptions, startImageRetention } from "./images";
import { AlertWorker, alertsOptions } from "./alerts/deliver";
import { FsImageStorage } from "./storage/fs";
import { S3ImageStorage } from "./storage/s3";
import { timelapsesOptions } from "./timelapses";
import { applyConfig, ConfigError, readConfig } from "./config/service";
import { openHubDb } from "./db/client";
import { openPgHubDb } from "./db/postgres";
import { type HubEnv, parseHubEnv, s3Settings } from "./env";
import { dutiesOf, lockDuties } from "./roles";
import { runDataCommand } from "./backup/cli";
import { adoptDatabase } from "./version/service";

function operatorToken(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, "operator-token");
  if (!existsSync(file)) {
    writeFileSync(file, `slo_${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    console.log(`hub: generated an operator token in ${resolve(file)}`);
  } else console.log(`hub: operator token in ${resolve(file)}`);
  return readFileSync(file, "utf8").trim();
}

/** PostgreSQL when SKYLAPSE_DATABASE_URL names one, else SQLite in the data dir. */
async function openDatabase(settings: HubEnv) {
  if (settings.SKYLAPSE_DATABASE_URL) return openPgHubDb(settings.SKYLAPSE_DATABASE_URL);
  const { db, sqlite } = openHubDb(join(settings.SKYLAPSE_DATA_DIR, "hub.sqlite"));
  return { db, close: async () => sqlite.close() };
}

function loadConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The hub's HTTPS certificate and key, read once at start (a renewed certificate takes a restart). */
function tlsFiles(settings: ReturnType<typeof parseHubEnv>) {
  if (!settings.SKYLAPSE_TLS_CERT !== !settings.SKYLAPSE_TLS_KEY) throw new Error("invalid environment: SKYLAPSE_TLS_CERT and SKYLAPSE_TLS_KEY go together: set both or neither");
  if (!settings.SKYLAPSE_TLS_CERT || !settings.SKYLAPSE_TLS_KEY) return undefined;
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch (e) {
      throw new Error(`cannot read ${name} ${path}: ${(e as Error).message}`);
    }
  };
  return { cert: read("SKYLAPSE_TLS_CERT", settings.SKYLAPSE_TLS_CERT), key: read("SKYLAPSE_TLS_KEY", settings.SKYLAPSE_TLS_KEY) };
}

async function main() {
  const env = readEnv(process.env);
  const settings = parseHubEnv(env);
  const clock = clockFromEnv(env);
  const role = settings.SKYLAPSE_ROLE;
  const duties = dutiesOf(role);
  const tls = tlsFiles(settings);
  mkdirSync(settings.SKYLAPSE_DATA_DIR, { recursive: true });
  const lock = lockDuties(settings.SKYLAPSE_DATA_DIR, role);
  const token = operatorToken(settings.SKYLAPSE_DATA_DIR, settings.SKYLAPSE_OPERATOR_TOKEN);
  const { db, close } = await openDatabase(settings);
  await adoptDatabase(db, clock.now());
  if (settings.SKYLAPSE_CONFIG) {
    const { config, notes } = readConfig(loadConfigFile(settings.SKYLAPSE_CONFIG));
    await applyConfig(db, config, clock.now());
    for (const note of notes) console.warn(`hub: config: set aside ${note}`);
    console.log(`hub: applied config ${settings.SKYLAPSE_CONFIG}`);
  }
  // One picture store for captures and videos: the bucket when one is configured, else the data dir.
  const s3 = s3Settings(settings);
  const storage = s3 ? new S3ImageStorage(s3) : new FsImageStorage(join(settings.SKYLAPSE_DATA_DIR, "images"));
  console.log(`hub: pictures and videos in ${s3 ? `bucket ${s3.bucket} at ${s3.endpoint}` : join(settings.SKYLAPSE_DATA_DIR, "images")}`);
  if (storage instanceof S3ImageStorage)
    storage.verify().catch((e) => {
      console.error(`hub: ${(e as Error).message}`);
      process.exit(2);
    });
  const images = imagesOptions(settings, storage);
  const hub = await createHub({
    db,
    clock,
    operatorToken: token,
    liveTimeoutMs: settings.SKYLAPSE_LIVE_TIMEOUT_MS,
    images,
    timelapses: timelapsesOptions(settings, storage),
    operation: { role, metricsToken: settings.SKYLAPSE_METRICS_TOKEN, trustProxy: settings.SKYLAPSE_TRUST_PROXY },
  });
  const { ctx, captureImages } = hub;
  // The background work runs in worker processes only; an api process queues renders for them.
  const works = duties.includes("worker");
  const stopRetention = works ? startImageRetention(captureImages, images, clock) : () => {};
  let alerts: AlertWorker | undefined;
  if (works) {
    ctx.live.start();
    await ctx.timelapses.start();
    ctx.sessionRenders?.start();
    alerts = new AlertWorker(ctx, alertsOptions(settings));
    alerts.start();
  }
  // A worker-only process answers /health, /ready and /metrics alone.
  const app = duties.includes("api") ? hub.app : hub.workerApp();
  app.listen({ port: settings.SKYLAPSE_PORT, hostname: settings.SKYLAPSE_HOST, maxRequestBodySize: UNLIMITED_BY_SERVER, ...(tls ? { tls } : {}) });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    // Not ready from now on; requests are still answered while the load balancer notices.
    hub.readiness.drain();
    if (settings.SKYLAPSE_SHUTDOWN_DRAIN_SECONDS > 0) {
      console.log(`hub: draining for ${settings.SKYLAPSE_SHUTDOWN_DRAIN_SECONDS} s before stopping`);
      await Bun.sleep(settings.SKYLAPSE_SHUTDOWN_DRAIN_SECONDS * 1000);
    }
    await app.stop();
    stopRetention();
    if (works) {
      await alerts?.stop();
      await ctx.live.stop();
      ctx.sessionRenders?.stop();
      await ctx.timelapses.stop();
    }
    await ctx.contacts.close();
    await close();
    lock.close();
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  const scheme = tls ? "https" : "http";
  console.log(
    `hub: ${role === "all" ? "" : `${role} `}listening on ${scheme}://${settings.SKYLAPSE_HOST}:${app.server?.port} (role ${role}, clock ${new Date(clock.now()).toISOString()}, speed ${clock.speed})`,
  );
}

const [command, ...args] = process.argv.slice(2);
if (command) process.exit(await runDataCommand(command, args, readEnv(process.env)));
main().catch((e) => {
  console.error(`hub: ${(e as Error).message}`);
  process.exit(2);
});
