import { Elysia } from "elysia";
import { HUB_VERSION } from "../version";
import type { ReadinessProbe } from "./service";

/** GET /ready for load balancers and orchestrators: 200 when this process should get traffic, 503 with the reasons otherwise. No token. */
export const readinessModule = (probe: ReadinessProbe) =>
  new Elysia().get(
    "/ready",
    async ({ set }) => {
      const r = await probe.check();
      set.status = r.ready ? 200 : 503;
      set.headers["cache-control"] = "no-store";
      return r.ready ? { status: "ready", version: HUB_VERSION, checks: r.checks } : { status: "not_ready", version: HUB_VERSION, reasons: r.reasons, checks: r.checks };
    },
    { detail: { summary: "Whether this hub process should be sent traffic: its database answers with this build's migrations and a schema this version runs on, its picture store takes a write, it is not shutting down", security: [] } },
  );
