import { Elysia } from "elysia";
import { agentAuth } from "../auth";
import type { HubContext } from "../context";
import { notFound } from "../../shared/http";
import { writeWhenFree } from "../db/locks";
import { DIAGNOSTICS_REQUEST_HEADER } from "../../shared/contracts/diagnostics";
import { inTransaction } from "../db/transaction";
import { agentModel, SERVER_TIME_HEADER } from "./model";
import { checkAgentLog, presentAgentLog } from "./log-binding";
import { ingestBatch } from "./service";
import { recordHealthSoon } from "../health/service";

/** The pull protocol: agents poll their desired state (conditional) and upload capture records. */
export const agentsModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/agent/v1" })
    .use(agentAuth(ctx))
    .post(
      "/state",
      async ({ cameraId, body, headers, set }) => {
        const now = ctx.clock.now();
        // A poll writes only when it binds a new log: a poll of the current log stays a few reads, lock or not.
        if (await checkAgentLog(ctx.db, cameraId, body.log_id))
          await writeWhenFree(ctx.db, () => inTransaction(ctx.db, (tx) => presentAgentLog(tx, cameraId, body.log_id, now)));
        const planned = await ctx.desiredStates.get(ctx.db, cameraId, now);
        if (!planned) throw notFound(`camera ${cameraId}`);
        const state = { ...planned, ...(await ctx.releases.forPoll(cameraId, planned)) };
        await ctx.planHistory.served(cameraId, state.revision, now);
        await ctx.contacts.record(cameraId, body, now, state.desired.poll_interval_seconds);
        if (body.health) recordHealthSoon(ctx.db, cameraId, body.health, now);
        const serverTime = new Date(now).toISOString();
        set.headers.etag = state.etag;
        set.headers[SERVER_TIME_HEADER] = serverTime;
        const diagnostics = await ctx.diagnostics.pendingFor(cameraId);
        if (diagnostics) set.headers[DIAGNOSTICS_REQUEST_HEADER] = diagnostics;
        if (headers["if-none-match"] === state.etag) {
          set.status = 304;
          return;
        }
        return { etag: state.etag, server_time: serverTime, desired: state.desired };
      },
      { body: agentModel.pollBody },
    )
    .post("/captures", ({ cameraId, body }) => writeWhenFree(ctx.db, () => ingestBatch(ctx.db, cameraId, body, ctx.clock.now())), {
      body: agentModel.uploadBody,
    });
