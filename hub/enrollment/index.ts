import { Elysia } from "elysia";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { OPERATOR } from "../audit/service";
import { enrollmentModel } from "./model";
import { exchangeEnrollmentCode, issueEnrollmentCode } from "./service";

/** The one body the hub reads without a bearer token: a camera id and a code, so it is read within a few KiB. */
export const ENROLL_BODY_LIMITS: Record<string, number> = { "/agent/v1/enroll": 4 * 1024 };

/** The agent's side: a new agent trades its one-time code for its own token. No bearer token. */
export const enrollmentAgentModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/agent/v1" }).post("/enroll", ({ body }) => exchangeEnrollmentCode(ctx.db, body, ctx.clock.now()), {
    body: enrollmentModel.exchange,
    detail: { summary: "Exchange a one-time enrollment code for the camera's token (no bearer)", tags: ["agent"], security: [] },
  });

/** The operator's side: a one-time code for a camera. */
export const enrollmentOperatorModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/cameras" })
    .use(operatorAuth(ctx))
    .post("/:id/enrollment", ({ params, set }) => {
      set.status = 201;
      return issueEnrollmentCode(ctx.db, params.id, ctx.clock.now(), OPERATOR);
    }, {
      params: enrollmentModel.params,
      detail: { summary: "Issue a one-time enrollment code (24 h; replaces older unused ones)", tags: ["cameras"] },
    });
