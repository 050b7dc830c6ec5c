import { Elysia } from "elysia";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { planModel, reportModel } from "./model";
import { cameraPlan, cameraReport } from "./service";

/** Sync reports: what a camera was planned to capture, what the hub holds, outages, clock; and the plan itself. */
export const reportsModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/cameras" })
    .use(operatorAuth(ctx))
    .get(
      "/:id/plan",
      ({ params, query }) => cameraPlan(ctx.db, params.id, Date.parse(query.from), Date.parse(query.to), ctx.clock.now()),
      { params: planModel.params, query: planModel.query, detail: { summary: "The camera's planned windows over [from, to) (at most 31 days), its zone and next planned capture" } },
    )
    .get(
      "/:id/report",
      async ({ params, query }) => {
        await ctx.contacts.flush();
        return cameraReport(ctx.db, params.id, Date.parse(query.from), Date.parse(query.to), ctx.clock.now());
      },
      { params: reportModel.params, query: reportModel.query },
    );
