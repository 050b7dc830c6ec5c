import { DEFAULT_QUALITY, type QualityConfig } from "../../shared/contracts/config";
import type { GeoPosition } from "../../shared/contracts/plan";
import type { HubDb } from "../db/client";
import { readSetting } from "./data";

export interface SyncPolicy {
  poll_interval_seconds: number;
  plan_days: number;
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
