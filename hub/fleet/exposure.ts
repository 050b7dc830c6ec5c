/**
 * Cameras' exposure judged from their quality windows kept between passes: a pass
 * reads a camera's records newer than the window it holds and, only when that does
 * not account for the window the database has, the whole window again. What the
 * window is comes from the database each time (hub/fleet/data windowKeysOf), never
 * from this process's memory, so a replica or a restarted hub judges what another
 * wrote; the memory only saves reading records it read before.
 */
import type { QualityConfig } from "../../shared/contracts/config";
import type { HubDb } from "../db/client";
import { type ExposureSummary, exposureSummary } from "../quality/compute";
import { heldCaptureIds, recordsFrom, type WindowFrame, windowKeysOf, windowsOf } from "./data";

interface Window {
  /** Newest first, with any records tied with the limit-th newest (as windowsOf reads it). */
  frames: WindowFrame[];
  summary: ExposureSummary;
}

/** Per database, the thresholds the summaries were judged by and each camera's window. */
const kept = new WeakMap<HubDb, { policy: string; cameras: Map<string, Window> }>();

function windowsKept(db: HubDb, quality: QualityConfig) {
  const policy = JSON.stringify(quality);
  let cache = kept.get(db);
  if (cache?.policy !== policy) kept.set(db, (cache = { policy, cameras: new Map() }));
  return cache.cameras;
}

/** The newest `limit` and any tied with the last of them (frames newest first). */
function window(frames: WindowFrame[], limit: number): WindowFrame[] {
  if (frames.length <= limit) return frames;
  const cutoff = frames[limit - 1]!.plannedAt;
  return frames.filter((f) => f.plannedAt >= cutoff);
}

/** windowKeysOf's key of a window. */
const keyOf = (frames: WindowFrame[]) => (frames.length ? `${frames.length}:${frames.reduce((s, f) => s + f.plannedAt, 0)}` : "empty");

/**
 * The window kept, brought up to date with the records planned since its newest:
 * null when the database's window has records it lacks (one uploaded late, older
 * than the newest), or no longer holds one of its failures (a late frame replaces
 * a failure in place under its own id: hub/live).
 */
function caughtUp(old: WindowFrame[], newer: WindowFrame[] | undefined, limit: number, key: string, held: Set<string>): WindowFrame[] | null {
  // The records planned at the newest time held are read again with the newer ones.
  const frames = newer ? window([...newer, ...old.filter((f) => f.plannedAt < old[0]!.plannedAt)], limit) : old;
  if (keyOf(frames) !== key) return null;
  return frames.every((f) => f.failureId === null || held.has(f.failureId) || newer?.includes(f)) ? frames : null;
}

/** The cameras' exposure over their newest `limit` records (as exposureSummary judges them), by camera id. */
export async function exposuresOf(db: HubDb, ids: string[], quality: QualityConfig, limit: number): Promise<Map<string, ExposureSummary>> {
  const cameras = windowsKept(db, quality);
  // Keys first, then records: a record added in between is read too, and the next pass's key sees it.
  const keys = await windowKeysOf(db, ids, limit);
  const keyNow = (id: string) => keys.get(id) ?? "empty";
  const known = ids.filter((id) => cameras.get(id)?.frames.length);
  const moved = known.filter((id) => keyNow(id) !== keyOf(cameras.get(id)!.frames));
  const [held, newer] = await Promise.all([
    heldCaptureIds(db, known.flatMap((id) => cameras.get(id)!.frames.flatMap((f) => (f.failureId === null ? [] : [f.failureId])))),
    recordsFrom(db, new Map(moved.map((id) => [id, cameras.get(id)!.frames[0]!.plannedAt]))),
  ]);
  const reread: string[] = [];
  for (const id of ids) {
    const old = cameras.get(id);
    if (!old?.frames.length) {
      reread.push(id);
      continue;
    }
    const added = newer.get(id);
    const frames = caughtUp(old.frames, added, limit, keyNow(id), held);
    if (!frames) reread.push(id);
    else if (added) cameras.set(id, { frames, summary: judge(frames, quality, limit) });
  }
  const read = reread.length ? await windowsOf(db, reread, limit) : new Map<string, WindowFrame[]>();
  for (const [id, frames] of read) cameras.set(id, { frames, summary: judge(frames, quality, limit) });
  return new Map(ids.map((id) => [id, cameras.get(id)!.summary]));
}

function judge(frames: WindowFrame[], quality: QualityConfig, limit: number): ExposureSummary {
  const newest = frames.slice(0, limit);
  return exposureSummary(newest, quality, newest.length === limit);
}

/** Drops the windows of cameras no longer in the fleet. */
export function forgetExposuresBut(db: HubDb, fleet: string[]): void {
  const cameras = kept.get(db)?.cameras;
  if (!cameras || cameras.size <= fleet.length) return;
  const keep = new Set(fleet);
  for (const id of cameras.keys()) if (!keep.has(id)) cameras.delete(id);
}
