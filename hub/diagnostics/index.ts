import { Elysia } from "elysia";
import { agentAuth, operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { diagnosticsModel } from "./model";

export { DIAGNOSTICS_BODY_LIMITS } from "./model";

const tags = ["diagnostics"];

/**
 * Remote diagnostics: operators ask for a camera's diagnostics and read the
 * latest (/api/cameras/{id}/diagnostics); the agent, told by its next poll
 * answer, uploads the bundle (/agent/v1/diagnostics/{request_id}, the camera
 * from its token, ≤ 256 KiB).
 */
export const diagnosticsModule = (ctx: HubContext) => {
  const operator = new Elysia({ prefix: "/api/cameras" })
    .use(operatorAuth(ctx))
    .post(
      "/:id/diagnostics",
      async ({ params, set }) => {
        const { view, created } = await ctx.diagnostics.request(params.id);
        set.status = created ? 202 : 200;
        return view;
      },
      { params: diagnosticsModel.cameraParams, response: { 200: diagnosticsModel.view, 202: diagnosticsModel.view }, detail: { summary: "Ask the camera for its diagnostics at its next poll (200: a request was already open)", tags } },
    )
    .get("/:id/diagnostics", ({ params }) => ctx.diagnostics.latest(params.id), {
      params: diagnosticsModel.cameraParams,
      response: diagnosticsModel.view,
      detail: { summary: "The camera's latest diagnostics request and, once received, its bundle", tags },
    });
  const agent = new Elysia({ prefix: "/agent/v1/diagnostics" })
    .use(agentAuth(ctx))
    .put("/:request_id", ({ cameraId, params, body }) => ctx.diagnostics.receive(cameraId, params.request_id, body), {
      params: diagnosticsModel.requestParams,
      body: diagnosticsModel.bundle,
      response: diagnosticsModel.received,
      detail: { summary: "The agent's diagnostics bundle for a request its poll answer carried (JSON, ≤ 256 KiB)", tags },
    });
  return new Elysia().use(operator).use(agent);
};
