import { Elysia } from "elysia";
import type { ReadinessProbe } from "./service";

/** GET /ready for load balancers and orchestrators: 200 when this process should get traffic, 503 with the reasons otherwise. No token. */
export const readinessModule = (probe: ReadinessProbe) =>
  new Elysia().get(
    "/ready",
    async ({ set }) => {
      const r = await probe.check();
      set.status = r.ready ? 200 : 503;
      set.headers["cache-control"] = "no-store";
      return r.ready ? { status: "ready", checks: r.checks } : { status: "not_ready", reasons: r.reasons, checks: r.checks };
    },
    { detail: { summary: "Whether this hub process should be sent traffic: its database answers with this build's migrations, its picture store takes a write, it is not shutting down", security: [] } },
  );
