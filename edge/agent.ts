import { statfsSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../shared/clock";
import type { ObservedState } from "../shared/contracts/sync";
import { nextTicks } from "../shared/plan/ticks";
import type { CameraDriver } from "./camera/driver";
import { RpicamCamera } from "./camera/rpicam";
import { SimulatedCamera } from "./camera/simulated";
import { AgentClock, type ClockMemory, readBootId } from "./clock";
import { CaptureLog, MetaStore, Outbox } from "./capture/log";
import { recoverFromImages } from "./capture/recover";
import { retimeStepped, retimeUntrusted } from "./capture/retime";
import type { CaptureDeps } from "./capture/service";
import type { AgentEnv } from "./config";
import { openEdgeDbOrReplace } from "./db/client";
import { agentHealth, healthEveryMs } from "./health";
import { createDiagnostics } from "./diagnostics/collect";
import type { LogRing } from "./diagnostics/log-ring";
import { HubClient, LinkBudget } from "./hub-client";
import { Incidents } from "./incidents";
import { GarbageCollector } from "./memory";
import { ActiveProfiles } from "./profile/service";
import { Scheduler } from "./scheduler/service";
import { ImageStore } from "./store/images";
import { StorageBudget } from "./store/retention";
import { DesiredStore } from "./sync/desired";
import { AgentCredentials } from "./sync/enroll";
import { ImageSync } from "./sync/images";
import { SyncLoop, type SyncStatus } from "./sync/service";
import { Install } from "./update/install";
import { Updater } from "./update/service";
import { agentVersion } from "./version";

/** Where a camera stands until the hub says otherwise: the first system's site. */
const DEFAULT_POSITION = { latitude: 39.609573, longitude: -105.314163 };
const MB = 1024 * 1024;
/** How often the last trusted time is saved, so a reboot into a wrong clock is noticed (clock ms). */
const SAVE_TRUSTED_TIME_EVERY_MS = 60_000;
/** An update's restart waits for a tick at most this far off (clock ms). */
const RESTART_WAITS_FOR_TICK_MS = 10 * 60_000;

export function diskUsage(path: string) {
  try {
    const s = statfsSync(path);
    return { used_bytes: (s.blocks - s.bfree) * s.bsize, free_bytes: s.bavail * s.bsize, total_bytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

/** Wires the agent's parts: SQLite, images, camera, clock trust, storage, scheduler, sync loop. */
export interface AgentOptions {
  /** Stops the process cleanly so systemd starts it again (an installed update). */
  restart?: () => void;
  /** The agent's recent log lines (main.ts tees the console into it), for remote diagnostics. */
  logRing?: LogRing;
}

export function createAgent(env: AgentEnv, processClock: Clock, options: AgentOptions = {}) {
  const dataDir = env.SKYLAPSE_DATA_DIR;
  // An image a record names is never overwritten; one left by a capture interrupted before its commit may be.
  const images = new ImageStore(join(dataDir, "images"), (file) => log.holdsImage(file));
  const { db, sqlite, replaced } = openEdgeDbOrReplace(join(dataDir, "agent.sqlite"), processClock.now());
  const metaStore = new MetaStore(db);
  const logId = metaStore.getOrCreate("log_id", () => crypto.randomUUID());
  const lastTrusted = metaStore.get("last_trusted_time");
  const memory = metaStore.get("clock");
  const clock = new AgentClock(processClock, {
    lastTrusted: lastTrusted === null ? null : Number(lastTrusted),
    configuredTrusted: env.SKYLAPSE_CLOCK_TRUSTED,
    ntpSyncFile: env.SKYLAPSE_NTP_SYNC_FILE,
    bootId: readBootId(env.SKYLAPSE_BOOT_ID_FILE),
    memory: memory === null ? null : (JSON.parse(memory) as ClockMemory),
  });
  const rememberClock = () => metaStore.set("clock", JSON.stringify(clock.memory()));
  rememberClock();
  const incidents = new Incidents(metaStore, () => clock.now());
  const log = new CaptureLog(db);
  const outbox = new Outbox(db);
  const desired = new DesiredStore(db);
  // Records carry the OS boot: their monotonic readings count from it, so any process of the boot can re-time them.
  const bootId = clock.bootId;

  if (replaced) {
    // Their times come from the files' names, not from this boot's clock: a boot id of their own.
    const recovered = recoverFromImages(images, `recovered-${crypto.randomUUID()}`);
    log.commitMany(recovered, clock.now());
    incidents.add("db_recovered", `database unreadable (${replaced.error}); moved to ${replaced.movedTo}; ${recovered.length} capture(s) rebuilt from images`);
  }
  const removedTemp = images.cleanTempFiles();
  if (removedTemp) incidents.add("temp_files_removed", `${removedTemp} temp file(s) left by an interrupted write`);
  if (clock.behindLastTrusted())
    incidents.add("clock_untrusted", `the clock reads ${new Date(clock.now()).toISOString()}, before the last trusted time ${new Date(Number(lastTrusted)).toISOString()}`);
  /**
   * Earlier boots' records that cannot be dated leave the plan and the outbox. `verified` (the hub or NTP vouch for
   * this clock): records dated after its time are misdated too. A clock trusted only by configuration that reads
   * before an earlier boot's records may itself be the wrong one, so those wait for the hub or NTP.
   */
  const setAsideUndatable = (verified: boolean) => {
    const n = log.setAsideUndatable(bootId, verified ? clock.now() : null);
    if (n) incidents.add("clock_untrusted", `${n} record(s) of an earlier boot carry no time that can be trusted (its clock was wrong or never trusted): kept on the camera with their images, not sent to the hub`);
  };
  setAsideUndatable(clock.trusted && clock.state().source !== "configured");

  const storage = new StorageBudget(
    db,
    images,
    {
      budgetBytes: env.SKYLAPSE_STORAGE_BUDGET_MB === undefined ? null : env.SKYLAPSE_STORAGE_BUDGET_MB * MB,
      minFreeBytes: env.SKYLAPSE_MIN_FREE_MB * MB,
      purgeUnuploaded: env.SKYLAPSE_PURGE_UNUPLOADED,
    },
    () => diskUsage(dataDir),
  );
  const driver: CameraDriver =
    env.SKYLAPSE_CAMERA_DRIVER === "rpicam"
      ? new RpicamCamera({ bin: env.SKYLAPSE_RPICAM_BIN, timeoutMs: env.SKYLAPSE_RPICAM_TIMEOUT_MS, workDir: join(dataDir, "tmp-rpicam") })
      : new SimulatedCamera({ seed: env.SKYLAPSE_SIM_SEED, position: () => desired.state?.camera ?? DEFAULT_POSITION });
  const profiles = new ActiveProfiles(desired, metaStore);
  const health = agentHealth(env, {
    disk: () => diskUsage(dataDir),
    position: () => desired.state?.camera ?? DEFAULT_POSITION,
    clock,
    timezone: () => profiles.timezone(),
    sensorTemperature: () => driver.sensorTemperature?.() ?? null,
    store: metaStore,
  });
  const deps: CaptureDeps = { driver, images, log, desired: profiles, clock, bootId, clockTrusted: () => clock.trusted, storage, incidents };
  const garbage = new GarbageCollector();
  const scheduler = new Scheduler(deps, (now) => profiles.windows(now), {
    safetyProfile: () => profiles.active()?.snapshot.profile_id ?? null,
    windowsBetween: (from, to) => profiles.windowsBetween(from, to),
    tests: () => desired.state?.tests ?? [],
    untrustedIntervalSeconds: env.SKYLAPSE_UNTRUSTED_INTERVAL,
    untrustedGraceMs: env.SKYLAPSE_UNTRUSTED_GRACE_SECONDS * 1000,
    afterTick: () => garbage.afterWork(),
  });
  desired.onChange(() => scheduler.replan());

  let lastSavedTrusted = 0;
  /** While a clock change waits for the scheduler, the new trust is not saved: a process killed meanwhile leaves it to its successor. */
  let clockSettling = 0;
  const saveTrustedTime = () => {
    const now = clock.now();
    if (clock.trusted && !clockSettling && Math.abs(now - lastSavedTrusted) >= SAVE_TRUSTED_TIME_EVERY_MS) {
      metaStore.set("last_trusted_time", String(now));
      rememberClock();
      lastSavedTrusted = now;
    }
  };
  const settleClock = async (retime: () => number) => {
    clockSettling++;
    try {
      await scheduler.clockChanged(() => {
        const since = retime();
        rememberClock();
        return since;
      });
    } finally {
      clockSettling--;
    }
  };
  const timeAt = (mono: number) => clock.timeAtMonotonic(mono);
  /** When this boot's agent began, in trusted time: the plan was not run on a right clock since. */
  const bootStart = () => clock.timeAtMonotonic(clock.agentSinceMono);

  /** Trust arrived: between two captures, this boot's untrusted captures are re-timed and the plan resumes. */
  const onTrusted = () =>
    settleClock(() => {
      log.retime(retimeUntrusted(log.misdated(bootId, { untrusted: true }), timeAt));
      setAsideUndatable(true);
      return bootStart();
    });

  /** The hub stepped a trusted clock: what this boot recorded since the clock was last known right moves to its true times. */
  const onStepped = (offsetMs: number, wrongSinceMono: number | null, atMono: number) =>
    settleClock(() => {
      const misdated = log.misdated(bootId, { sinceMono: wrongSinceMono, untilMono: atMono });
      const { moves, drop } = retimeStepped(misdated, offsetMs, timeAt, (from, to) => profiles.windowsBetween(from, to));
      log.retime(moves, drop);
      setAsideUndatable(true);
      return wrongSinceMono === null ? bootStart() : timeAt(wrongSinceMono);
    });
  let verifiedOnce = false;

  const observe = (): ObservedState => {
    const backlog = outbox.backlog();
    const last = log.lastCapture();
    const active = profiles.active();
    return {
      agent_version: agentVersion(),
      log_id: logId,
      running: active ? { profile_id: active.snapshot.profile_id, version: active.snapshot.version } : null,
      desired_etag: desired.etag,
      last_capture_at: last?.capturedAt ?? null,
      last_seq: log.lastSeq(),
      backlog: backlog.count,
      oldest_pending_at: backlog.oldestPlannedAt === null ? null : new Date(backlog.oldestPlannedAt).toISOString(),
      disk: storage.state(),
      clock: clock.state(),
      incidents: incidents.list(),
      // Only with a hub to sync images to (the field is optional: agents without it still validate).
      ...(imageSync ? { images: imageSync.progress() } : {}),
      ...(health.latest() ? { health: health.latest()! } : {}),
      ...(updater ? { update: updater.report() } : {}),
    };
  };

  // The one way to the hub for the sync loop, image sync and enrollment; its bearer token is whatever credentials hold now.
  const hub = env.SKYLAPSE_HUB_URL
    ? new HubClient({ baseUrl: env.SKYLAPSE_HUB_URL, token: (): string | null => credentials?.token ?? null, timeoutMs: env.SKYLAPSE_HTTP_TIMEOUT_MS,
        budget: LinkBudget.kbps(env.SKYLAPSE_IMAGE_BANDWIDTH_KBPS), onBytes: (bytes) => health.countSent(bytes.sent) })
    : null;
  // The token: SKYLAPSE_AGENT_TOKEN, the one kept from an enrollment, or (at start) a one-time code exchanged for it.
  const credentials = hub
    ? new AgentCredentials({ hub, cameraId: env.SKYLAPSE_CAMERA_ID!, dataDir, token: env.SKYLAPSE_AGENT_TOKEN, enrollmentCode: env.SKYLAPSE_ENROLLMENT_CODE, clock })
    : null;
  // Pictures follow their records: each acknowledged batch wakes the image loop for its thumbnails.
  const imageSync = hub
    ? new ImageSync({
        hub,
        db,
        images,
        recordsWaiting: () => outbox.next(1, bootId).length > 0,
        flushRecords: () => sync?.syncNow(),
        desired,
        now: () => clock.now(),
        chunkBytes: env.SKYLAPSE_IMAGE_CHUNK_KB * 1024,
        onSetAside: (captureId, why) => incidents.add("image_set_aside", `capture ${captureId}: ${why}`),
        afterWork: () => garbage.afterWork(),
      })
    : null;
  // Answers the hub's diagnostics requests (a poll answer names one) with what the agent knows now, secrets removed.
  const diagnostics = hub
    ? createDiagnostics({ hub, agentVersion: agentVersion(), settings: env, dataDir, clock, observe, log: options.logRing ?? null, disk: () => diskUsage(dataDir),
        sync: (): SyncStatus | null => sync?.status ?? null, imageSync: () => imageSync?.status ?? null, token: () => credentials?.token ?? null })
    : null;
  // A new desired state may change the image-sync policy: look for work at once, not after the idle wait.
  desired.onChange(() => imageSync?.wake());
  const syncedOutbox = Object.assign(Object.create(outbox) as Outbox, {
    ack(seqs: number[], now: number) {
      outbox.ack(seqs, now);
      imageSync?.wake();
    },
  });
  const sync = hub
    ? new SyncLoop({
        hub,
        logId,
        clock,
        desired,
        outbox: syncedOutbox,
        batchSize: env.SKYLAPSE_BATCH_SIZE,
        observe,
        // This boot's untrusted captures wait for their corrected times (the correction marks them trusted).
        holdBoot: () => bootId,
        onDiagnosticsRequested: (requestId): Promise<void> => diagnostics!.answer(requestId),
        onRefused: (record, why) => incidents.add("upload_refused", `record ${record.seq} (${record.planned_at} ${record.profile_id}) set aside: ${why}`),
        // The log is brought in line before this poll's uploads, so no misdated record reaches the hub.
        onServerTime: async (serverTime, uncertaintyMs) => {
          const atMono = clock.monotonic();
          const { correctedBy, becameTrusted, wrongSinceMono } = clock.observeServerTime(serverTime, uncertaintyMs);
          if (correctedBy) incidents.add("clock_corrected", `clock corrected by ${Math.round(correctedBy / 1000)} s to the hub's time`);
          if (becameTrusted) await onTrusted();
          else if (correctedBy) await onStepped(correctedBy, wrongSinceMono, atMono);
          else if (!verifiedOnce) setAsideUndatable(true);
          verifiedOnce = true;
          saveTrustedTime();
        },
      })
    : null;

  /** When a tick is near, waits for its capture (bounded), so a restart falls at the start of an interval and misses no tick it can avoid. */
  const afterNextTick = async () => {
    const next = nextTicks(profiles.windows(clock.now()), clock.now())[0];
    if (!next || next.at - clock.now() > RESTART_WAITS_FOR_TICK_MS) return;
    const seq = log.lastSeq();
    while (log.lastSeq() === seq && clock.now() < next.at + RESTART_WAITS_FOR_TICK_MS) await clock.sleepUntil(clock.now() + 250 * processClock.speed);
  };
  // Over-the-air updates, when the agent runs from an install (the launcher says where) and has a hub.
  const startedAt = clock.now();
  const seqAtStart = log.lastSeq();
  const trialMs = env.SKYLAPSE_UPDATE_TRIAL_SECONDS * 1000 * processClock.speed;
  const updater =
    sync && env.SKYLAPSE_INSTALL_DIR
      ? new Updater({
          install: new Install(env.SKYLAPSE_INSTALL_DIR),
          arch: process.arch,
          running: agentVersion(),
          publicKey: env.SKYLAPSE_RELEASE_PUBKEY ?? null,
          hub: hub!,
          desired,
          meta: metaStore,
          incidents,
          clock,
          cap: LinkBudget.kbps(env.SKYLAPSE_UPDATE_BANDWIDTH_KBPS),
          chunkBytes: 256 * 1024,
          recordsWaiting: () => outbox.next(1, bootId).length > 0,
          health: () => {
            const firstTick = nextTicks(profiles.windows(clock.now()), startedAt)[0];
            return {
              polled: (sync.status.lastSuccessAt ?? -Infinity) >= startedAt,
              captured: (log.lastCapture()?.seq ?? 0) > seqAtStart,
              tickDue: !!firstTick && firstTick.at <= startedAt + trialMs / 2,
            };
          },
          restart: () => void afterNextTick().then(() => options.restart?.()),
        })
      : null;

  const housekeeping = setInterval(() => {
    if (clock.checkNtp()) void onTrusted();
    saveTrustedTime();
  }, 5_000);

  return {
    env,
    clock,
    driver,
    log,
    outbox,
    desired,
    images,
    storage,
    incidents,
    profiles,
    health,
    captureDeps: deps,
    scheduler,
    hub,
    sync,
    imageSync,
    updater,
    observe,
    nextCapture: () => (clock.trusted ? (nextTicks(profiles.windows(clock.now()), clock.now() - 1)[0] ?? null) : null),
    async start() {
      await driver.warmUp?.();
      scheduler.start();
      // The first poll carries health: read once before the sync starts (each source bounded by a short timeout).
      await health.start(healthEveryMs(clock.speed));
      // Trusted from the start (inherited, NTP) while captures of this boot still wait for a trusted time: settle them now.
      if (clock.trusted && log.misdated(bootId, { untrusted: true }).length) void onTrusted();
      if (sync) credentials?.start(sync);
      imageSync?.start();
      updater?.start();
    },
    async stop() {
      clearInterval(housekeeping);
      // Captures stop first: a tick while the hub links wind down would leave its record for the next start.
      await scheduler.stop();
      await updater?.stop();
      await credentials?.stop();
      await sync?.stop();
      await imageSync?.stop();
      await health.stop();
      sqlite.close();
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;
