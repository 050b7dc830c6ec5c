/**
 * Cameras' exposure judged again only where their quality window changed: a camera
 * whose records are as at the last pass keeps its judgement. What "as at the last
 * pass" means is read from the database each time (hub/fleet/data windowKeysOf), never
 * from this process's memory, so a replica or a restarted hub judges what another
 * wrote; the memory only saves the work of judging an unchanged window again.
 */
import type { QualityConfig } from "../../shared/contracts/config";
import type { HubDb } from "../db/client";
import { type ExposureSummary, exposureSummary } from "../quality/compute";
import { heldCaptureIds, newestRecordsOf, windowKeysOf } from "./data";

interface Judged {
  /** The window's key when it was judged. */
  key: string;
  /** Its failures' ids: a late frame replaces a failure in place under its own id (hub/live), the key does not change. */
  failed: string[];
  summary: ExposureSummary;
}

/** Per database, the thresholds the judgements were made by and the judgement of each camera. */
const judged = new WeakMap<HubDb, { policy: string; cameras: Map<string, Judged> }>();

function judgements(db: HubDb, quality: QualityConfig) {
  const policy = JSON.stringify(quality);
  let cache = judged.get(db);
  if (cache?.policy !== policy) judged.set(db, (cache = { policy, cameras: new Map() }));
  return cache.cameras;
}

/** The cameras' exposure over their newest `window` records (as exposureSummary judges them), by camera id. */
export async function exposuresOf(db: HubDb, ids: string[], quality: QualityConfig, window: number): Promise<Map<string, ExposureSummary>> {
  const cameras = judgements(db, quality);
  // Keys first, then records: a record added in between makes the next pass judge again (never the other way round).
  const keys = await windowKeysOf(db, ids, window);
  const keyOf = (id: string) => keys.get(id) ?? "empty";
  const same = new Set(ids.filter((id) => cameras.get(id)?.key === keyOf(id)));
  const held = await heldCaptureIds(db, [...same].flatMap((id) => cameras.get(id)!.failed));
  const changed = ids.filter((id) => !same.has(id) || cameras.get(id)!.failed.some((f) => !held.has(f)));
  if (changed.length) {
    const newest = await newestRecordsOf(db, changed, window);
    for (const id of changed) {
      const frames = newest.get(id)!;
      const failed = frames.filter((f) => f.outcome === "failed").map((f) => f.id);
      cameras.set(id, { key: keyOf(id), failed, summary: exposureSummary(frames, quality, frames.length === window) });
    }
  }
  return new Map(ids.map((id) => [id, cameras.get(id)!.summary]));
}

/** Drops the judgements of cameras no longer in the fleet. */
export function forgetExposuresBut(db: HubDb, fleet: string[]): void {
  const cameras = judged.get(db)?.cameras;
  if (!cameras || cameras.size <= fleet.length) return;
  const keep = new Set(fleet);
  for (const id of cameras.keys()) if (!keep.has(id)) cameras.delete(id);
}
