import { HubConfig } from "../../shared/contracts/config";
import type { GeoPosition } from "../../shared/contracts/plan";
import { plannedTicks, type PlannedTick } from "../../shared/plan/ticks";
import { planWindows } from "../../shared/plan/windows";
import type { StartedHub } from "./processes";

export const DENVER: GeoPosition = { latitude: 39.609573, longitude: -105.314163, timezone: "America/Denver" };

/** The ticks the hub should ask of a camera in [from, to), computed with the same shared code. */
export function expectedTicks(configInput: unknown, cameraId: string, from: number, to: number): PlannedTick[] {
  const config = HubConfig.parse(configInput);
  const camera = config.cameras[cameraId]!;
  const position: GeoPosition = {
    latitude: camera.latitude ?? config.location.latitude,
    longitude: camera.longitude ?? config.location.longitude,
    timezone: camera.timezone ?? config.location.timezone,
  };
  const schedules = Object.fromEntries(camera.schedules.map((name) => [name, config.schedules[name]!]));
  const windows = planWindows({
    cameraId,
    position,
    schedules,
    defaultProfiles: camera.deployed_profile ? [camera.deployed_profile] : [],
    from,
    to,
    generatedAt: from,
  });
  return plannedTicks(windows, from, to);
}

/** Every capture record the hub holds for a camera in [from, to), following the cursor. */
export async function hubCaptures(hub: StartedHub, cameraId: string, from: number, to: number): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), limit: "1000" });
    if (cursor) q.set("cursor", cursor);
    const page: { captures: any[]; next: string | null } = await hub.json(`/api/cameras/${cameraId}/captures?${q}`);
    out.push(...page.captures);
    cursor = page.next;
  } while (cursor);
  return out;
}

/**
 * One camera, `ridge`, on a 30-minute sunrise window (10 s ticks) at Denver, polling
 * every 10 s: the fault scenarios' small plan, and the sunrise it hangs from.
 */
export const RIDGE_SUNRISE_CONFIG = {
  location: DENVER,
  schedules: { sunrise: { offset_minutes: -15, duration_minutes: 30, interval_seconds: 10 } },
  cameras: { ridge: { deployed_profile: "f", schedules: ["sunrise"] } },
  profiles: { f: { base: { metering: "spot", ev: 0.7 } } },
  sync: { poll_interval_seconds: 10, plan_days: 2 },
};
