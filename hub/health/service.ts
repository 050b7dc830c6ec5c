import { and, asc, eq, gte, lt } from "drizzle-orm";
import type { DeviceHealth } from "../../shared/contracts/health";
import { notFound } from "../../shared/http";
import { isBusy } from "../../shared/sqlite";
import type { HubDb } from "../db/client";
import { databaseLocked } from "../db/locks";
import { cameras, healthBuckets } from "../db/schema";
import { BUCKET_MS, type BucketMetrics, bucketStart, gaugeSamples, type GaugeSample, HEALTH_METRICS, healthMetrics, healthNow, KEEP_MS, mergeBucket } from "./compute";

/**
 * One poll's health into its 5-minute bucket (read, merge in compute, write). A
 * camera's first poll of a bucket also drops its buckets past 30 days.
 */
export async function recordHealth(db: HubDb, cameraId: string, health: DeviceHealth, now: number): Promise<void> {
  const at = bucketStart(now);
  const key = and(eq(healthBuckets.cameraId, cameraId), eq(healthBuckets.bucketAt, at));
  const [held] = await db.select({ samples: healthBuckets.samples, metrics: healthBuckets.metrics }).from(healthBuckets).where(key);
  const metrics = mergeBucket((held?.metrics as BucketMetrics | undefined) ?? null, healthMetrics(health));
  const samples = (held?.samples ?? 0) + 1;
  await db
    .insert(healthBuckets)
    .values({ cameraId, bucketAt: at, samples, metrics })
    .onConflictDoUpdate({ target: [healthBuckets.cameraId, healthBuckets.bucketAt], set: { samples, metrics } });
  if (!held) await db.delete(healthBuckets).where(and(eq(healthBuckets.cameraId, cameraId), lt(healthBuckets.bucketAt, now - KEEP_MS)));
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
  const [camera] = await db.select({ observed: cameras.observed, lastContactAt: cameras.lastContactAt }).from(cameras).where(eq(cameras.id, cameraId));
  if (!camera) throw notFound(`camera ${cameraId}`);
  const rows = await db
    .select({ at: healthBuckets.bucketAt, samples: healthBuckets.samples, metrics: healthBuckets.metrics })
    .from(healthBuckets)
    .where(and(eq(healthBuckets.cameraId, cameraId), gte(healthBuckets.bucketAt, bucketStart(from)), lt(healthBuckets.bucketAt, to)))
    .orderBy(asc(healthBuckets.bucketAt));
  return {
    camera_id: cameraId,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucket_seconds: BUCKET_MS / 1000,
    metrics: HEALTH_METRICS,
    buckets: rows.map((r) => ({ at: new Date(r.at).toISOString(), samples: r.samples, metrics: r.metrics as BucketMetrics })),
    latest: latestHealth(camera.observed?.health, camera.lastContactAt),
  };
}

function latestHealth(health: DeviceHealth | undefined, lastContactAt: number | null) {
  if (!health) return null;
  return { at: lastContactAt === null ? null : new Date(lastContactAt).toISOString(), health, now: healthNow(health)! };
}

/** Gauges of every camera's last reported health, for /metrics (hub/metrics renders them). */
export async function healthGauges(db: HubDb): Promise<GaugeSample[]> {
  const rows = await db.select({ id: cameras.id, observed: cameras.observed }).from(cameras).orderBy(asc(cameras.id));
  return gaugeSamples(rows.map((r) => ({ id: r.id, health: r.observed?.health })));
}
