import { Elysia } from "elysia";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { cameraModel } from "./model";
import { issueToken, listCameras, listCaptures } from "./service";

export const camerasModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/cameras" })
    .use(operatorAuth(ctx))
    .get("/", () => {
      ctx.contacts.flush();
      return { cameras: listCameras(ctx.db) };
    })
    .post("/:id/token", ({ params }) => issueToken(ctx.db, params.id), { params: cameraModel.params })
    .get("/:id/captures", ({ params, query }) => listCaptures(ctx.db, params.id, query), {
      params: cameraModel.params,
      query: cameraModel.capturesQuery,
    });
