import { Elysia } from "elysia";
import { timingSafeEqual } from "node:crypto";
import { HttpError, bearerToken } from "../shared/http";
import { cameraForToken, hashToken } from "./agents/service";
import type { HubContext } from "./context";

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Operator routes: the operator bearer token, compared by hash in constant time. */
export const operatorAuth = (ctx: HubContext) =>
  new Elysia({ name: "operator-auth" }).onBeforeHandle({ as: "scoped" }, ({ headers }) => {
    const token = bearerToken(headers.authorization);
    if (!token) throw new HttpError(401, "unauthorized", "an operator bearer token is required");
    if (!sameHash(hashToken(token), ctx.operatorTokenHash)) throw new HttpError(401, "unauthorized", "the operator token is not valid");
  });

/** Agent routes: each camera's own token; the camera id comes from the token, never from the request. */
export const agentAuth = (ctx: HubContext) =>
  new Elysia({ name: "agent-auth" }).resolve({ as: "scoped" }, ({ headers }) => {
    const token = bearerToken(headers.authorization);
    if (!token) throw new HttpError(401, "unauthorized", "an agent bearer token is required");
    const cameraId = cameraForToken(ctx.db, token);
    if (!cameraId) throw new HttpError(401, "unauthorized", "the agent token is not valid");
    return { cameraId };
  });
