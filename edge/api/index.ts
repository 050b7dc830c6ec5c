import { Elysia } from "elysia";
import { timingSafeEqual } from "node:crypto";
import { HttpError, bearerToken, problems } from "../../shared/http";
import type { Agent } from "../agent";

/** Writes need the technician token when one is configured; reads are open on the local network. */
const technicianAuth = (token: string | undefined) =>
  new Elysia({ name: "technician-auth" }).onBeforeHandle({ as: "scoped" }, ({ headers }) => {
    if (!token) return;
    const given = bearerToken(headers.authorization);
    if (!given) throw new HttpError(401, "unauthorized", "this write needs the technician token (SKYLAPSE_EDGE_TOKEN)");
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError(401, "unauthorized", "the technician token is not valid");
  });

const writes = (agent: Agent) =>
  new Elysia().use(technicianAuth(agent.env.SKYLAPSE_EDGE_TOKEN)).post("/sync", () => {
    if (!agent.sync) throw new HttpError(409, "standalone", "this agent has no hub (SKYLAPSE_HUB_URL is unset)");
    agent.sync.syncNow();
    return { status: "sync_started" };
  });

/** The local API on port 8080: the seed's read endpoints, extended. */
export const localApi = (agent: Agent) =>
  new Elysia()
    .use(problems)
    .use(writes(agent))
    .get("/health", () => ({ status: "ok" }))
    .get("/status", async () => {
      const observed = agent.observe();
      const assignment = agent.desired.state?.assignment ?? null;
      const next = agent.nextCapture();
      return {
        status: "online",
        camera_id: agent.env.SKYLAPSE_CAMERA_ID ?? null,
        camera_model: agent.driver.model,
        camera_ready: await agent.driver.ready(),
        operational_mode: assignment ? "deployed_profile" : "live_orchestration",
        deployed_profile: assignment
          ? { ...assignment, deployed_at: agent.desired.state ? observed.clock.now : null, source: "hub" }
          : null,
        disk: observed.disk,
        last_capture_at: observed.last_capture_at,
        next_capture: next ? { at: new Date(next.at).toISOString(), schedule: next.schedule, profile: next.profile } : null,
        captures: agent.log.counts(),
        backlog: { count: observed.backlog, oldest_planned_at: observed.oldest_pending_at },
        hub: agent.sync
          ? {
              url: agent.env.SKYLAPSE_HUB_URL,
              reachable: agent.sync.status.failures === 0 && agent.sync.status.lastSuccessAt !== null,
              last_sync_at: iso(agent.sync.status.lastSuccessAt),
              last_error: agent.sync.status.lastError,
              uploaded: agent.sync.status.uploaded,
            }
          : null,
        clock: observed.clock,
        plan_extrapolated: agent.desired.extrapolating(agent.clock.now()),
        incidents: observed.incidents,
        warnings: [
          ...(observed.disk?.warning ? [`storage ${observed.disk.percent}% used`] : []),
          ...(observed.clock.trusted ? [] : ["clock not trusted yet: safety captures only, times corrected later"]),
        ],
        tick_jitter_ms: jitterSummary(agent.scheduler.stats.jitter),
      };
    });

function percentile(sorted: number[], p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : null;
}

/** How late recent ticks fired, in clock ms: p50, p99 and how many ticks that covers. */
function jitterSummary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), n: sorted.length };
}

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}
