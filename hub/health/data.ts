/** What device health reads and writes: the 5-minute buckets and the health cameras last reported. */
import { and, asc, eq, gte, lt } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { cameras, healthBuckets } from "../db/schema";
import type { BucketMetrics } from "./compute";

/** A camera's bucket starting at `at`, or null before its first sample. */
export async function healthBucket(db: HubDb, cameraId: string, at: number): Promise<{ samples: number; metrics: BucketMetrics } | null> {
  const [held] = await db
    .select({ samples: healthBuckets.samples, metrics: healthBuckets.metrics })
    .from(healthBuckets)
    .where(and(eq(healthBuckets.cameraId, cameraId), eq(healthBuckets.bucketAt, at)));
  return held ? { samples: held.samples, metrics: held.metrics as BucketMetrics } : null;
}

/** Writes a camera's bucket starting at `at` (made or replaced). */
export async function saveHealthBucket(db: HubDb, cameraId: string, at: number, samples: number, metrics: BucketMetrics): Promise<void> {
  await db
    .insert(healthBuckets)
    .values({ cameraId, bucketAt: at, samples, metrics })
    .onConflictDoUpdate({ target: [healthBuckets.cameraId, healthBuckets.bucketAt], set: { samples, metrics } });
}

/** Drops a camera's buckets that start before `before`. */
export async function dropHealthBefore(db: HubDb, cameraId: string, before: number): Promise<void> {
  await db.delete(healthBuckets).where(and(eq(healthBuckets.cameraId, cameraId), lt(healthBuckets.bucketAt, before)));
}

/** A camera's last observed state and contact time; null for an unknown camera. */
export async function cameraLastReport(db: HubDb, cameraId: string) {
  const [camera] = await db.select({ observed: cameras.observed, lastContactAt: cameras.lastContactAt }).from(cameras).where(eq(cameras.id, cameraId));
  return camera ?? null;
}

/** A camera's buckets starting in [from, to), oldest first. */
export async function healthBucketsIn(db: HubDb, cameraId: string, from: number, to: number): Promise<{ at: number; samples: number; metrics: BucketMetrics }[]> {
  const rows = await db
    .select({ at: healthBuckets.bucketAt, samples: healthBuckets.samples, metrics: healthBuckets.metrics })
    .from(healthBuckets)
    .where(and(eq(healthBuckets.cameraId, cameraId), gte(healthBuckets.bucketAt, from), lt(healthBuckets.bucketAt, to)))
    .orderBy(asc(healthBuckets.bucketAt));
  return rows.map((r) => ({ ...r, metrics: r.metrics as BucketMetrics }));
}

/** Every camera's last observed state, by id. */
export function camerasObserved(db: HubDb) {
  return db.select({ id: cameras.id, observed: cameras.observed }).from(cameras).orderBy(asc(cameras.id));
}
