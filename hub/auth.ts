import { Elysia } from "elysia";
import { bearerToken, HttpError, sameSecret } from "../shared/http";
import { cameraForToken, hashToken } from "./agents/service";
import type { HubContext } from "./context";

const unauthorized = (message: string) => new HttpError(401, "unauthorized", message);
/** A request's path; an HTTP/1.0 request without a Host header (a load balancer's health check) has a URL without an origin. */
export const pathOf = (request: Request) => new URL(request.url, "http://hub").pathname;

/** The first system's monitoring paths, kept at their places: operator routes too. */
const SEED_MONITORING = /^\/(status|cameras\/[^/]+\/status)$/;
const isOperatorPath = (path: string) => path.startsWith("/api/") || SEED_MONITORING.test(path);

/**
 * Operator routes (/api/…, and the first system's /status paths): the operator bearer token, compared by hash in
 * constant time — checked as the request arrives, before its body is parsed or
 * validated, so a caller without the token learns nothing about the schema.
 */
export const operatorAuth = (ctx: HubContext) =>
  new Elysia({ name: "operator-auth" }).onRequest(({ request }) => {
    if (!isOperatorPath(pathOf(request))) return;
    const token = bearerToken(request.headers.get("authorization"));
    if (!token) throw unauthorized("an operator bearer token is required");
    if (!sameSecret(hashToken(token), ctx.operatorTokenHash)) throw unauthorized("the operator token is not valid");
  });

/** The camera each authenticated agent request speaks for, found once per request. */
const agentOf = new WeakMap<Request, string>();

/** Paths under /agent/v1/ that a new agent reaches without a token (it has none yet). */
export const AGENT_OPEN_PATHS = new Set(["/agent/v1/enroll"]);

/** Agent routes: each camera's own token; the camera id comes from the token, never from the request. */
export const agentAuth = (ctx: HubContext) =>
  new Elysia({ name: "agent-auth" })
    .onRequest(async ({ request }) => {
      const path = pathOf(request);
      if (!path.startsWith("/agent/v1/") || AGENT_OPEN_PATHS.has(path)) return;
      const token = bearerToken(request.headers.get("authorization"));
      if (!token) throw unauthorized("an agent bearer token is required");
      const cameraId = await cameraForToken(ctx.db, token);
      if (!cameraId) throw unauthorized("the agent token is not valid");
      agentOf.set(request, cameraId);
    })
    .resolve({ as: "scoped" }, ({ request }) => ({ cameraId: agentOf.get(request)! }));
