import { Elysia } from "elysia";
import { z } from "zod";
import { Slug } from "../../shared/contracts/profile";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { cameraStatus, hubStatus } from "./service";

const tags = ["status"];

/**
 * The first system's monitoring endpoints, at its paths (GET /status, GET
 * /cameras/{id}/status), with the operator token like every operator route.
 */
export const statusModule = (ctx: HubContext) =>
  new Elysia()
    .use(operatorAuth(ctx))
    .get("/status", async () => hubStatus(ctx.db, { sessionRenders: ctx.sessionRenders !== null, renders: await ctx.timelapses.queueCounts() }, ctx.clock.now()), {
      detail: { tags, summary: "Open schedules, each camera's last captures by schedule, the hub's own work (the first system's GET /status)" },
    })
    .get("/cameras/:id/status", ({ params }) => cameraStatus(ctx.db, params.id, ctx.clock.now()), {
      params: z.object({ id: Slug }),
      detail: { tags, summary: "One camera's health, open schedules and last captures (the first system's GET /cameras/{id}/status)" },
    });
