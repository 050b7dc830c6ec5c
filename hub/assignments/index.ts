import { Elysia } from "elysia";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { assignmentModel } from "./model";
import { assignCameras, assignmentStatus, listAssignments } from "./service";

/**
 * Which profile version each camera should run, and whether its agent runs it.
 * Agents pick a change up on their next poll (the config revision is bumped).
 */
export const assignmentsModule = (ctx: HubContext) =>
  new Elysia()
    .use(operatorAuth(ctx))
    .get(
      "/api/assignments",
      async ({ query }) => {
        await ctx.contacts.flush();
        return listAssignments(ctx.db, ctx.clock.now(), query.converged === undefined ? undefined : { converged: query.converged === "true" });
      },
      { query: assignmentModel.listQuery },
    )
    .put(
      "/api/assignments",
      async ({ body }) => {
        const changes = await assignCameras(ctx.db, body.camera_ids, { profile_id: body.profile_id, version: body.version }, ctx.clock.now());
        return { assignments: changes, changed: changes.filter((c) => c.changed).length };
      },
      { body: assignmentModel.groupBody },
    )
    .get(
      "/api/cameras/:id/assignment",
      async ({ params }) => {
        await ctx.contacts.flush();
        return assignmentStatus(ctx.db, params.id);
      },
      { params: assignmentModel.params },
    )
    .put("/api/cameras/:id/assignment", async ({ params, body }) => (await assignCameras(ctx.db, [params.id], body, ctx.clock.now()))[0]!, {
      params: assignmentModel.params,
      body: assignmentModel.body,
    });
