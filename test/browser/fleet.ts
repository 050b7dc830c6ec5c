/**
 * A small real fleet for the dashboard's browser tests (and for looking at the
 * dashboard by hand: `bun test/browser/fleet.ts`): a hub and simulated agents on
 * loopback sharing a simulated clock that starts before a Denver sunrise.
 */
import { sharedClock, type SimClock, startAgent, startHub, type StartedAgent, type StartedHub } from "../harness/processes";
import { DENVER } from "../harness/scenario";

export const START = "2026-11-24T13:35:00Z";

export const fleetConfig = {
  location: DENVER,
  schedules: {
    sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 60 },
    morning: { start_time: "07:40", end_time: "09:00", interval_seconds: 120 },
  },
  cameras: {
    ridge: { name: "North ridge", location: "north_ridge", latitude: 39.6212, longitude: -105.3301, deployed_profile: "f", schedules: ["sunrise", "morning"] },
    valley: { name: "Valley floor", location: "valley_floor", latitude: 39.6008, longitude: -105.2987, deployed_profile: "f", schedules: ["sunrise", "morning"] },
    // Another zone, and never started: waiting for its first contact.
    summit: { name: "Summit", timezone: "Europe/Zurich", latitude: 46.55, longitude: 7.98, deployed_profile: "f", schedules: ["sunrise"] },
  },
  profiles: {
    f: { name: "Matrix, neutral", base: { metering: "matrix", ev: 0 } },
    warm: { name: "Warm evening", base: { metering: "centre", ev: 0.3, white_balance: { mode: "cloudy" } } },
  },
  sync: { poll_interval_seconds: 20, plan_days: 2 },
};

export interface Fleet {
  hub: StartedHub;
  agents: StartedAgent[];
  clock: SimClock;
  stop(): Promise<void>;
}

export async function startFleet(options: { speed?: number; start?: string } = {}): Promise<Fleet> {
  const clock = sharedClock(options.start ?? START, options.speed ?? 20, 2500);
  const hub = await startHub({ config: fleetConfig, clock });
  const agents: StartedAgent[] = [];
  try {
    agents.push(...(await Promise.all(["ridge", "valley"].map((cameraId, i) => startAgent({ cameraId, hub, clock, seed: i + 1 })))));
  } catch (e) {
    await hub.stop(true);
    throw e;
  }
  return {
    hub,
    agents,
    clock,
    async stop() {
      await Promise.all(agents.map((a) => a.stop(true)));
      await hub.stop(true);
    },
  };
}

if (import.meta.main) {
  const fleet = await startFleet({ speed: Number(process.env.SPEED ?? 20) });
  console.log(`dashboard ${fleet.hub.url}/dashboard/  token ${fleet.hub.operatorToken}`);
  const stop = async () => {
    await fleet.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await new Promise(() => undefined);
}
