import type { Clock } from "../../shared/clock";
import type { AgentEnv } from "../config";
import { HealthMonitor, type HealthMonitorDeps } from "./monitor";
import { SimulatedHealth } from "./simulated";
import { SystemHealth } from "./system";

export { HealthMonitor };

export interface AgentHealthParts extends Pick<HealthMonitorDeps, "timezone" | "sensorTemperature" | "store"> {
  /** The data directory's file system. */
  disk: () => { free_bytes: number; total_bytes: number } | null;
  position: () => { latitude: number; longitude: number };
  clock: Clock;
}

/**
 * The agent's health monitor over the source its environment names: the Pi's files
 * and tools, or the simulation (the default with the simulated camera), which takes
 * load, memory, uptime, boot id and disk from the system.
 */
export function agentHealth(env: AgentEnv, o: AgentHealthParts): HealthMonitor {
  const system = new SystemHealth({ root: env.SKYLAPSE_HEALTH_ROOT, disk: o.disk });
  const simulated = (env.SKYLAPSE_HEALTH_SOURCE ?? (env.SKYLAPSE_CAMERA_DRIVER === "rpicam" ? "system" : "simulated")) === "simulated";
  const monitor: HealthMonitor = new HealthMonitor({
    source: simulated
      ? new SimulatedHealth({ seed: env.SKYLAPSE_SIM_SEED, position: o.position, system, agentSent: () => monitor.sent, startedAt: o.clock.now() })
      : system,
    now: () => o.clock.now(),
    timezone: o.timezone,
    sensorTemperature: o.sensorTemperature,
    store: o.store,
  });
  return monitor;
}

/** Real ms between readings: every 10 s, and on a fast simulated clock every simulated minute (at least 1 s apart). */
export const healthEveryMs = (speed: number) => Math.max(1000, Math.min(10_000, 60_000 / speed));
