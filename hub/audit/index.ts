import { Elysia } from "elysia";
import { z } from "zod";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { listAudit } from "./service";
import { queryInt } from "../../shared/http";

export const auditModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/audit" })
    .use(operatorAuth(ctx))
    .get("/", ({ query }) => listAudit(ctx.db, query), {
      query: z.object({ limit: queryInt(1, 1000).default(100), before: queryInt(1, Number.MAX_SAFE_INTEGER).optional() }).strict(),
    });
