import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { clockFromEnv, readEnv } from "../shared/env";
import { UNLIMITED_BY_SERVER } from "../shared/http";
import { createHub } from "./app";
import { imagesOptions, startImageRetention } from "./images";
import { FsImageStorage } from "./storage/fs";
import { timelapsesOptions } from "./timelapses";
import { applyConfig, ConfigError, readConfig } from "./config/service";
import { openHubDb } from "./db/client";
import { openPgHubDb } from "./db/postgres";
import { type HubEnv, parseHubEnv } from "./env";
import { holdExclusiveLock } from "../shared/sqlite";

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

/**
 * One data dir serves one hub: two would write one database and one image store
 * unaware of each other. The lock lives as long as this process (the kernel drops
 * it on any exit, kill -9 included), so a hub restarted after a crash starts.
 */
function lockDataDir(dataDir: string) {
  const path = join(dataDir, "hub.lock");
  const lock = holdExclusiveLock(path);
  if (!lock)
    throw new Error(`another hub is already running on the data dir ${resolve(dataDir)} (it holds ${resolve(path)}); a data dir serves one hub at a time: stop that hub first, or give this one another SKYLAPSE_DATA_DIR`);
  return lock;
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

async function main() {
  const env = readEnv(process.env);
  const settings = parseHubEnv(env);
  const clock = clockFromEnv(env);
  mkdirSync(settings.SKYLAPSE_DATA_DIR, { recursive: true });
  const lock = lockDataDir(settings.SKYLAPSE_DATA_DIR);
  const token = operatorToken(settings.SKYLAPSE_DATA_DIR, settings.SKYLAPSE_OPERATOR_TOKEN);
  const { db, close } = await openDatabase(settings);
  if (settings.SKYLAPSE_CONFIG) {
    const { config, notes } = readConfig(loadConfigFile(settings.SKYLAPSE_CONFIG));
    await applyConfig(db, config, clock.now());
    for (const note of notes) console.warn(`hub: config: set aside ${note}`);
    console.log(`hub: applied config ${settings.SKYLAPSE_CONFIG}`);
  }
  // One picture store for captures and videos.
  const storage = new FsImageStorage(join(settings.SKYLAPSE_DATA_DIR, "images"));
  const images = imagesOptions(settings, storage);
  const { app, ctx, captureImages } = await createHub({
    db,
    clock,
    operatorToken: token,
    liveTimeoutMs: settings.SKYLAPSE_LIVE_TIMEOUT_MS,
    images,
    timelapses: timelapsesOptions(settings, storage),
  });
  const stopRetention = startImageRetention(captureImages, images, clock);
  ctx.live.start();
  await ctx.timelapses.start();
  ctx.sessionRenders?.start();
  app.listen({ port: settings.SKYLAPSE_PORT, hostname: settings.SKYLAPSE_HOST, maxRequestBodySize: UNLIMITED_BY_SERVER });
  const shutdown = async () => {
    await app.stop();
    stopRetention();
    await ctx.live.stop();
    ctx.sessionRenders?.stop();
    await ctx.timelapses.stop();
    await ctx.contacts.close();
    await close();
    lock.close();
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  console.log(`hub: listening on http://${settings.SKYLAPSE_HOST}:${app.server?.port} (clock ${new Date(clock.now()).toISOString()}, speed ${clock.speed})`);
}

main().catch((e) => {
  console.error(`hub: ${(e as Error).message}`);
  process.exit(2);
});
