import { Elysia } from "elysia";
import { problems } from "../../shared/http";
import type { Agent } from "../agent";

/** The local API on port 8080: the seed's read endpoints, extended. */
export const localApi = (agent: Agent) =>
  new Elysia()
    .use(problems)
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
      };
    });

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}
