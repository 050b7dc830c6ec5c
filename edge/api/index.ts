import { Elysia } from "elysia";
import { timingSafeEqual } from "node:crypto";
import { HttpError, bearerToken, problems } from "../../shared/http";
import type { Agent } from "../agent";
import { localModel } from "./model";
import * as local from "./service";

/** Writes need the technician token when one is configured; reads are open on the local network. */
const technicianAuth = (token: string | undefined) =>
  new Elysia({ name: "technician-auth" }).onBeforeHandle({ as: "scoped" }, ({ headers }) => {
    if (!token) return;
    const given = bearerToken(headers.authorization);
    if (!given) throw new HttpError(401, "unauthorized", "this write needs the technician token (SKYLAPSE_EDGE_TOKEN)");
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError(401, "unauthorized", "the technician token is not valid");
  });

const jpeg = (body: Blob | Uint8Array) => new Response(body as BodyInit, { headers: { "content-type": "image/jpeg", "cache-control": "no-store" } });

/** Reads: the seed's status, meter, profile and latest-image endpoints, and our plan and capture log. */
const reads = (agent: Agent) =>
  new Elysia()
    .get("/health", () => ({ status: "ok" }))
    .get("/status", () => local.status(agent))
    .get("/meter", () => local.meter(agent))
    .get("/profile/current", () => local.currentProfile(agent))
    .get("/plan", () => local.plan(agent))
    .get("/captures", ({ query }) => local.listCaptures(agent, query), { query: localModel.capturesQuery })
    .get("/captures/:id", ({ params }) => local.captureById(agent, params.id), { params: localModel.captureParams })
    .get("/captures/:id/image", ({ params }) => jpeg(local.image(agent, params.id)), { params: localModel.captureParams })
    .get("/captures/:id/thumbnail", ({ params }) => jpeg(local.thumbnail(agent, params.id)), { params: localModel.captureParams })
    .get("/latest-image", ({ query }) => jpeg(local.image(agent, local.latest(agent, query.profile).id)), { query: localModel.latestQuery })
    .get("/images/profile-:profile/latest.jpg", ({ params }) => jpeg(local.image(agent, local.latest(agent, params.profile).id)), { params: localModel.profileParams })
    .get("/images/profile-:profile/latest.info", ({ params }) => local.latestInfo(agent, params.profile), { params: localModel.profileParams })
    .get("/images/profile-:profile/list", ({ params, query }) => local.imageList(agent, params.profile, query.limit), {
      params: localModel.profileParams,
      query: localModel.listQuery,
    });

/** Writes: capture, deploy, clear, sync, focus tests. */
const writes = (agent: Agent) =>
  new Elysia()
    .use(technicianAuth(agent.env.SKYLAPSE_EDGE_TOKEN))
    .post("/capture", ({ body }) => local.manualCapture(agent, body), { body: localModel.captureBody })
    .post("/capture-bracket", ({ body }) => local.bracketCapture(agent, body), { body: localModel.bracketBody })
    .post("/profile/deploy", ({ body }) => local.deploy(agent, body), { body: localModel.deployBody })
    .delete("/profile/current", () => local.clearProfile(agent))
    .post("/sync", () => local.syncNow(agent))
    .post("/focus-test", ({ query }) => local.focusTest(agent, query.lens_position), { query: localModel.focusQuery })
    .post("/focus-test/auto", () => local.focusAuto(agent));

/** The local API on port 8080: the seed-era Pi API, unchanged for its clients, and ours beside it. */
export const localApi = (agent: Agent) => new Elysia().use(problems).use(reads(agent)).use(writes(agent));
