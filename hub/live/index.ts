import { Elysia } from "elysia";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";

/** How each live-orchestrated camera is answering. */
export const liveModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/live" })
    .use(operatorAuth(ctx))
    .get("/", () => ({ cameras: [...ctx.live.status.values()].sort((a, b) => a.camera_id.localeCompare(b.camera_id)) }));
