/** The SQL of the sync report: a camera's records, outages, clock samples and pictures over a range (drizzle's async API only). */
import { and, asc, eq, gt, gte, lt, sql } from "drizzle-orm";
import type { HubDb } from "../db/client";
import { cameras, captureImages, captures, clockSamples, outages } from "../db/schema";

/** A camera's last contact and latest observed state; null for an unknown camera. */
export async function cameraContact(db: HubDb, cameraId: string) {
  const [camera] = await db.select({ lastContactAt: cameras.lastContactAt, observed: cameras.observed }).from(cameras).where(eq(cameras.id, cameraId));
  return camera ?? null;
}

/** The records planned in [from, to), as the report counts them. */
export function recordsPlannedIn(db: HubDb, cameraId: string, from: number, to: number) {
  return db
    .select({
      plannedAt: captures.plannedAt,
      schedule: captures.schedule,
      profileId: captures.profileId,
      testRole: captures.testRole,
      outcome: captures.outcome,
      reasonCode: captures.reasonCode,
      recovered: captures.recovered,
    })
    .from(captures)
    .where(and(eq(captures.cameraId, cameraId), gte(captures.plannedAt, from), lt(captures.plannedAt, to)));
}

/** Outages overlapping [from, to), oldest first. */
export function outagesOverlapping(db: HubDb, cameraId: string, from: number, to: number) {
  return db
    .select()
    .from(outages)
    .where(and(eq(outages.cameraId, cameraId), lt(outages.fromAt, to), gt(outages.toAt, from)))
    .orderBy(asc(outages.fromAt));
}

/** Clock samples taken in [from, to), oldest first. */
export function clockSamplesIn(db: HubDb, cameraId: string, from: number, to: number) {
  return db
    .select()
    .from(clockSamples)
    .where(and(eq(clockSamples.cameraId, cameraId), gte(clockSamples.at, from), lt(clockSamples.at, to)))
    .orderBy(asc(clockSamples.at));
}

/** Pictures received for records planned in [from, to) (purged by hub retention since or not): one indexed read. */
export async function picturesReceived(db: HubDb, cameraId: string, from: number, to: number): Promise<{ thumbnails: number; full: number }> {
  const [held] = await db
    .select({
      thumbnails: sql<number>`count(${captureImages.thumbnailAt})`.mapWith(Number),
      full: sql<number>`count(${captureImages.imageCompleteAt})`.mapWith(Number),
    })
    .from(captureImages)
    .where(and(eq(captureImages.cameraId, cameraId), gte(captureImages.plannedAt, from), lt(captureImages.plannedAt, to)));
  return { thumbnails: Number(held?.thumbnails ?? 0), full: Number(held?.full ?? 0) };
}
