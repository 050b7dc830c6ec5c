import { statfsSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../shared/clock";
import type { ObservedState } from "../shared/contracts/sync";
import { nextTicks } from "../shared/plan/ticks";
import type { CameraDriver } from "./camera/driver";
import { SimulatedCamera } from "./camera/simulated";
import { CaptureLog, MetaStore, Outbox } from "./capture/log";
import type { CaptureDeps } from "./capture/service";
import type { AgentEnv } from "./config";
import { openEdgeDb } from "./db/client";
import { Scheduler } from "./scheduler/service";
import { ImageStore } from "./store/images";
import { DesiredStore } from "./sync/desired";
import { SyncLoop } from "./sync/service";

export const AGENT_VERSION = "0.1.0";

/** Where a camera stands until the hub says otherwise: the first system's site. */
const DEFAULT_POSITION = { latitude: 39.609573, longitude: -105.314163 };

export interface DiskUsage {
  used_bytes: number;
  free_bytes: number;
  total_bytes: number;
}

export function diskUsage(path: string): DiskUsage | null {
  try {
    const s = statfsSync(path);
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    return { used_bytes: total - s.bfree * s.bsize, free_bytes: free, total_bytes: total };
  } catch {
    return null;
  }
}

/** Wires the agent's parts: SQLite, images, camera, scheduler, sync loop. */
export function createAgent(env: AgentEnv, clock: Clock) {
  const dataDir = env.SKYLAPSE_DATA_DIR;
  const { db, sqlite } = openEdgeDb(join(dataDir, "agent.sqlite"));
  const metaStore = new MetaStore(db);
  const logId = metaStore.getOrCreate("log_id", () => crypto.randomUUID());
  const log = new CaptureLog(db);
  const outbox = new Outbox(db);
  const desired = new DesiredStore(db);
  const images = new ImageStore(join(dataDir, "images"));
  const removedTemp = images.cleanTempFiles();
  const driver: CameraDriver = new SimulatedCamera({
    seed: env.SKYLAPSE_SIM_SEED,
    position: () => desired.state?.camera ?? DEFAULT_POSITION,
  });
  const clockState = { offsetMs: null as number | null };
  const deps: CaptureDeps = {
    driver,
    images,
    log,
    desired,
    clock,
    bootId: crypto.randomUUID(),
    clockTrusted: () => true,
  };
  const scheduler = new Scheduler(deps, () => desired.windows());
  desired.onChange(() => scheduler.replan());

  const observe = (): ObservedState => {
    const backlog = outbox.backlog();
    const last = log.lastCapture();
    const assignment = desired.state?.assignment ?? null;
    return {
      agent_version: AGENT_VERSION,
      log_id: logId,
      running: assignment && desired.snapshot(assignment.profile_id) ? assignment : null,
      desired_etag: desired.etag,
      last_capture_at: last?.capturedAt ?? null,
      last_seq: log.lastSeq(),
      backlog: backlog.count,
      oldest_pending_at: backlog.oldestPlannedAt === null ? null : new Date(backlog.oldestPlannedAt).toISOString(),
      disk: diskUsage(dataDir),
      clock: { now: new Date(clock.now()).toISOString(), trusted: true, offset_ms: clockState.offsetMs },
    };
  };

  const sync = env.SKYLAPSE_HUB_URL
    ? new SyncLoop({
        hubUrl: env.SKYLAPSE_HUB_URL,
        token: env.SKYLAPSE_AGENT_TOKEN!,
        logId,
        clock,
        desired,
        outbox,
        batchSize: env.SKYLAPSE_BATCH_SIZE,
        observe,
        onServerTime: (serverTime) => {
          clockState.offsetMs = serverTime - clock.now();
        },
      })
    : null;

  return {
    env,
    clock,
    driver,
    log,
    outbox,
    desired,
    images,
    scheduler,
    sync,
    observe,
    removedTemp,
    nextCapture: () => nextTicks(desired.windows(), clock.now() - 1)[0] ?? null,
    async start() {
      await driver.warmUp?.();
      scheduler.start();
      sync?.start();
    },
    async stop() {
      await sync?.stop();
      await scheduler.stop();
      sqlite.close();
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;
