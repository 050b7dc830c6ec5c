import { eq } from "drizzle-orm";
import { DEFAULT_QUALITY, type QualityConfig } from "../../shared/contracts/config";
import type { GeoPosition } from "../../shared/contracts/plan";
import type { HubDb } from "../db/client";
import { settings } from "../db/schema";

export interface SyncPolicy {
  poll_interval_seconds: number;
  plan_days: number;
}

export async function readSetting<T>(db: HubDb, key: string): Promise<T | null> {
  const [row] = await db.select().from(settings).where(eq(settings.key, key));
  return (row?.value as T) ?? null;
}

export async function writeSetting(db: HubDb, key: string, value: unknown): Promise<void> {
  await db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
}

export function siteLocation(db: HubDb): Promise<GeoPosition | null> {
  return readSetting<GeoPosition>(db, "location");
}

export async function syncPolicy(db: HubDb): Promise<SyncPolicy> {
  return (await readSetting<SyncPolicy>(db, "sync")) ?? { poll_interval_seconds: 60, plan_days: 7 };
}

/** When a camera's exposure counts as drifting (the config's optional `quality` section). */
export async function qualityPolicy(db: HubDb): Promise<QualityConfig> {
  return { ...DEFAULT_QUALITY, ...((await readSetting<Partial<QualityConfig>>(db, "quality")) ?? {}) };
}
