import { Elysia } from "elysia";
import { agentAuth, operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { uploadedBytes } from "../images/service";
import { releasesModel } from "./model";
import type { Releases } from "./service";

const tags = ["releases"];

/**
 * Over-the-air agent updates. Operators upload a release's artifacts in resumable
 * chunks, publish its signed manifest, assign releases to cameras and see assigned
 * vs running; agents download artifacts with Range requests.
 */
export const releasesModule = (ctx: HubContext, releases: Releases) => {
  const agent = new Elysia({ prefix: "/agent/v1/releases" })
    .use(agentAuth(ctx))
    .get("/artifacts/:sha256", ({ params, request }) => releases.serveArtifact(params.sha256, request.headers.get("range")), {
      params: releasesModel.artifactParams,
      detail: { summary: "A published release artifact (application/gzip; Range requests answered with 206)", tags },
    });

  const operator = new Elysia({ prefix: "/api" })
    .use(operatorAuth(ctx))
    .get("/releases", () => releases.list(), { detail: { summary: "Published releases: sizes per architecture, and the bytes each camera's update to them moved", tags } })
    .post(
      "/releases",
      async ({ body, set }) => {
        const result = await releases.publish(body, ctx.clock.now());
        set.status = result.created ? 201 : 200;
        return result;
      },
      { body: releasesModel.publishBody, detail: { summary: "Publish a signed manifest whose artifacts are uploaded", tags } },
    )
    .get("/releases/artifacts/:sha256", ({ params }) => releases.artifactState(params.sha256), {
      params: releasesModel.artifactParams,
      detail: { summary: "How much of an artifact the hub holds", tags },
    })
    .put(
      "/releases/artifacts/:sha256",
      ({ params, query, request, body }) => releases.appendArtifact(params.sha256, query.offset, query.total, uploadedBytes(request, body, ["application/octet-stream"])),
      {
        params: releasesModel.artifactParams,
        query: releasesModel.chunkQuery,
        detail: { summary: "Append a chunk (application/octet-stream) at ?offset=N of ?total=T bytes; the last one is checked against the sha256", tags },
      },
    )
    .get("/agents", () => releases.agents(), { detail: { summary: "Per camera: the agent release assigned and the version running", tags } })
    .put("/agents/release", ({ body }) => releases.assign(body.camera_ids, body.target, ctx.clock.now()), {
      body: releasesModel.assignBody,
      detail: { summary: "Assign an agent release (a version, or latest) to cameras, all or none", tags },
    })
    .post("/agents/:id/rollback", ({ params }) => releases.rollback(params.id, ctx.clock.now()), {
      params: releasesModel.cameraParams,
      detail: { summary: "Assign the camera the agent version it ran before", tags },
    });

  return new Elysia().use(agent).use(operator);
};
