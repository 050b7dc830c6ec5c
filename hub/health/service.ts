import type { DeviceHealth } from "../../shared/contracts/health";
import { notFound } from "../../shared/http";
import { isBusy } from "../../shared/sqlite";
import type { HubDb } from "../db/client";
import { databaseLocked } from "../db/locks";
import { BUCKET_MS, bucketStart, gaugeSamples, type GaugeSample, HEALTH_METRICS, healthMetrics, healthNow, KEEP_MS, mergeBucket } from "./compute";
import { cameraLastReport, camerasObserved, dropHealthBefore, healthBucket, healthBucketsIn, saveHealthBucket } from "./data";

/**
 * One poll's health into its 5-minute bucket (read, merge in compute, write). A
 * camera's first poll of a bucket also drops its buckets past 30 days.
 */
export async function recordHealth(db: HubDb, cameraId: string, health: DeviceHealth, now: number): Promise<void> {
  const at = bucketStart(now);
  const held = await healthBucket(db, cameraId, at);
  await saveHealthBucket(db, cameraId, at, (held?.samples ?? 0) + 1, mergeBucket(held?.metrics ?? null, healthMetrics(health)));
  if (!held) await dropHealthBefore(db, cameraId, now - KEEP_MS);
}

/**
 * recordHealth off the poll's path. While another process locks the database the
 * sample is skipped (one point of a 5-minute bucket; the next poll brings another).
 */
export function recordHealthSoon(db: HubDb, cameraId: string, health: DeviceHealth, now: number): void {
  if (databaseLocked(db)) return;
  recordHealth(db, cameraId, health, now).catch((e) => {
    if (!isBusy(e)) console.error(`hub: health of ${cameraId} not recorded: ${(e as Error).message}`);
  });
}

/** A camera's buckets over [from, to), oldest first, and the health its last poll reported. */
export async function healthHistory(db: HubDb, cameraId: string, from: number, to: number) {
  const camera = await cameraLastReport(db, cameraId);
  if (!camera) throw notFound(`camera ${cameraId}`);
  const rows = await healthBucketsIn(db, cameraId, bucketStart(from), to);
  return {
    camera_id: cameraId,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucket_seconds: BUCKET_MS / 1000,
    metrics: HEALTH_METRICS,
    buckets: rows.map((r) => ({ at: new Date(r.at).toISOString(), samples: r.samples, metrics: r.metrics })),
    latest: latestHealth(camera.observed?.health, camera.lastContactAt),
  };
}

function latestHealth(health: DeviceHealth | undefined, lastContactAt: number | null) {
  if (!health) return null;
  return { at: lastContactAt === null ? null : new Date(lastContactAt).toISOString(), health, now: healthNow(health)! };
}

/** Gauges of every camera's last reported health, for /metrics (hub/metrics renders them). */
export async function healthGauges(db: HubDb): Promise<GaugeSample[]> {
  const rows = await camerasObserved(db);
  return gaugeSamples(rows.map((r) => ({ id: r.id, health: r.observed?.health })));
}
