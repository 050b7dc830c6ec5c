import { Elysia } from "elysia";
import { bearerToken, HttpError, problems, sameSecret } from "../../shared/http";
import type { Agent } from "../agent";
import { localModel } from "./model";
import * as focus from "./focus";
import * as seed from "./seed";
import * as local from "./service";

/** Request bodies above this are refused with 413. */
export const EDGE_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Writes (any method but GET/HEAD) need the technician token when one is configured,
 * checked as the request arrives, before its body is parsed; reads are open on the local network.
 */
const technicianAuth = (token: string | undefined) =>
  new Elysia({ name: "technician-auth" }).onRequest(({ request }) => {
    if (!token || request.method === "GET" || request.method === "HEAD") return;
    const given = bearerToken(request.headers.get("authorization"));
    if (!given) throw new HttpError(401, "unauthorized", "this write needs the technician token (SKYLAPSE_EDGE_TOKEN)");
    if (!sameSecret(given, token)) throw new HttpError(401, "unauthorized", "the technician token is not valid");
  });

const jpeg = (body: Blob | Uint8Array) => new Response(body as BodyInit, { headers: { "content-type": "image/jpeg", "cache-control": "no-store" } });

/** GETs the first system served to any origin (its CORS allowed every one): its reads and its image files. */
const SEED_READS = /^\/(health|status|meter|profile\/current|latest-image|images\/.*|focus-test\/images|static\/.*)$/;

const firstSystemCors = new Elysia({ name: "first-system-cors" }).onRequest(({ request, set }) => {
  if (!SEED_READS.test(new URL(request.url).pathname)) return;
  if (request.method === "GET" || request.method === "HEAD") set.headers["access-control-allow-origin"] = "*";
  // A page's GET with headers of its own is preflighted first.
  else if (request.method === "OPTIONS" && request.headers.get("access-control-request-method") === "GET")
    return new Response(null, {
      status: 204,
      headers: { "access-control-allow-origin": "*", "access-control-allow-methods": "GET, HEAD", "access-control-allow-headers": request.headers.get("access-control-request-headers") ?? "*", "access-control-max-age": "600" },
    });
});

/** Reads: the seed's status, meter, profile and image endpoints, and our plan and capture log. */
const reads = (agent: Agent) =>
  new Elysia()
    .use(firstSystemCors)
    .get("/health", () => ({ status: "ok" }))
    .get("/status", () => local.status(agent))
    .get("/meter", () => local.meter(agent))
    .get("/profile/current", () => local.currentProfile(agent))
    .get("/plan", () => local.plan(agent))
    .get("/captures", ({ query }) => local.listCaptures(agent, query), { query: localModel.capturesQuery })
    .get("/captures/:id", ({ params }) => local.captureById(agent, params.id), { params: localModel.captureParams })
    .get("/captures/:id/image", ({ params }) => jpeg(local.image(agent, params.id)), { params: localModel.captureParams })
    .get("/captures/:id/thumbnail", async ({ params }) => jpeg(await local.thumbnail(agent, params.id)), { params: localModel.captureParams })
    .get("/latest-image", ({ query }) => seed.latestImage(agent, query.profile), { query: localModel.latestQuery })
    .get("/images/profile-:profile/latest.jpg", ({ params }) => jpeg(local.image(agent, local.latest(agent, params.profile).id)), { params: localModel.profileParams })
    .get("/images/profile-:profile/latest.info", ({ params }) => local.latestInfo(agent, params.profile), { params: localModel.profileParams })
    .get("/images/profile-:profile/info", ({ params }) => seed.imageInfo(agent, params.profile), { params: localModel.profileParams })
    .get("/images/profile-:profile/list", ({ params, query }) => seed.imageList(agent, params.profile, query.limit), {
      params: localModel.profileParams,
      query: localModel.listQuery,
    })
    // A wildcard, so the profile routes above keep their precedence.
    .get("/images/*", ({ params }) => jpeg(Bun.file(seed.findImage(agent, params["*"]))), { params: localModel.imageParams })
    .get("/focus-test/images", () => focus.focusTestImages(agent))
    .get("/static/:file", ({ params }) => seed.staticPage(agent, params.file), { params: localModel.staticParams });

/** Writes: capture, deploy, clear, sync, focus tests. */
const writes = (agent: Agent) =>
  new Elysia()
    .use(technicianAuth(agent.env.SKYLAPSE_EDGE_TOKEN))
    .post("/capture", ({ body }) => local.manualCapture(agent, body), { body: localModel.captureBody })
    .post("/capture-bracket", ({ body }) => local.bracketCapture(agent, body), { body: localModel.bracketBody })
    .post("/profile/deploy", ({ body }) => local.deploy(agent, body), { body: localModel.deployBody })
    .delete("/profile/current", () => local.clearProfile(agent))
    .post("/sync", () => local.syncNow(agent))
    .post("/focus-test", ({ query }) => focus.focusTest(agent, query.lens_position), { query: localModel.focusQuery })
    .post("/focus-test/auto", () => focus.focusAuto(agent));

/** The local API on port 8080: the seed-era Pi API, unchanged for its clients, and ours beside it. */
export const localApi = (agent: Agent) => new Elysia().use(problems(EDGE_MAX_BODY_BYTES)).use(reads(agent)).use(writes(agent));
