import { Elysia } from "elysia";
import { OPERATOR } from "../audit/service";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { cameraModel } from "./model";
import { getCamera, issueToken, listCameras, listCaptures, registerCamera, retireCamera, revokeToken, updateCamera } from "./service";

const tags = ["cameras"];

export const camerasModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/cameras" })
    .use(operatorAuth(ctx))
    .get(
      "/",
      async () => {
        await ctx.contacts.flush();
        return { cameras: await listCameras(ctx.db) };
      },
      { detail: { summary: "Every camera (retired ones with retired_at): config, token held, last contact, reported state", tags } },
    )
    .post(
      "/",
      ({ body, set }) => {
        set.status = 201;
        return registerCamera(ctx.db, body, ctx.clock.now(), OPERATOR);
      },
      { body: cameraModel.register, detail: { summary: "Register a camera (409 if the id exists)", tags } },
    )
    .get(
      "/:id",
      async ({ params }) => {
        await ctx.contacts.flush();
        return getCamera(ctx.db, params.id);
      },
      { params: cameraModel.params, detail: { summary: "One camera", tags } },
    )
    .patch("/:id", ({ params, body }) => updateCamera(ctx.db, params.id, body, ctx.clock.now(), OPERATOR), {
      params: cameraModel.params,
      body: cameraModel.update,
      detail: { summary: "Change a camera's coordinates, zone, schedules, mode, host/port, name or location (null removes a field)", tags },
    })
    .delete("/:id", ({ params }) => retireCamera(ctx.db, params.id, ctx.clock.now(), OPERATOR), {
      params: cameraModel.params,
      detail: { summary: "Retire a camera: keeps its records, revokes its token, no more plan", tags },
    })
    .post("/:id/token", ({ params }) => issueToken(ctx.db, params.id, ctx.clock.now(), OPERATOR), {
      params: cameraModel.params,
      detail: { summary: "Issue or rotate the camera's agent token (shown once)", tags },
    })
    .delete("/:id/token", ({ params }) => revokeToken(ctx.db, params.id, ctx.clock.now(), OPERATOR), {
      params: cameraModel.params,
      detail: { summary: "Revoke the camera's agent token and unused enrollment codes (effective at once)", tags },
    })
    .get("/:id/captures", ({ params, query }) => listCaptures(ctx.db, params.id, query), {
      params: cameraModel.params,
      query: cameraModel.capturesQuery,
      detail: { summary: "Capture records by planned time, paged", tags },
    });
