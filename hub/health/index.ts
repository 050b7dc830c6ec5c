import { Elysia } from "elysia";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { healthModel } from "./model";
import { healthHistory } from "./service";

const DAY_MS = 24 * 3_600_000;

/** A camera's device health over time: 5-minute buckets, min / max / last per metric. */
export const healthModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/cameras" }).use(operatorAuth(ctx)).get(
    "/:id/health",
    ({ params, query }) => {
      const to = query.to ? Date.parse(query.to) : ctx.clock.now();
      const from = query.from ? Date.parse(query.from) : to - DAY_MS;
      return healthHistory(ctx.db, params.id, from, Math.max(to, from));
    },
    { params: healthModel.params, query: healthModel.historyQuery, detail: { summary: "A camera's device health history (5-minute buckets, 30 days kept)", tags: ["cameras"] } },
  );
