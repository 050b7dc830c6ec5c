import { Elysia } from "elysia";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { reportModel } from "./model";
import { cameraReport } from "./service";

/** Sync reports: what a camera was planned to capture, what the hub holds, outages, clock. */
export const reportsModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/cameras" }).use(operatorAuth(ctx)).get(
    "/:id/report",
    ({ params, query }) => {
      ctx.contacts.flush();
      return cameraReport(ctx.db, params.id, Date.parse(query.from), Date.parse(query.to), ctx.clock.now());
    },
    { params: reportModel.params, query: reportModel.query },
  );
