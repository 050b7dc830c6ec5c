import { syncPolicy } from "../config/service";
import type { HubDb } from "../db/client";
import { cameras } from "../db/schema";
import { computeFleet, type FleetSummary } from "./compute";

/** Every camera's contact, backlog, disk and clock, those needing attention first. */
export function fleetSummary(db: HubDb, now: number): FleetSummary {
  const rows = db
    .select({ id: cameras.id, createdAt: cameras.createdAt, lastContactAt: cameras.lastContactAt, observed: cameras.observed })
    .from(cameras)
    .all()
    .map((r) => ({ ...r, observed: r.observed ?? null }));
  return computeFleet(rows, syncPolicy(db).poll_interval_seconds, now);
}
