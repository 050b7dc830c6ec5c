import { Elysia } from "elysia";
import { z } from "zod";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { listAudit } from "./service";

export const auditModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/audit" })
    .use(operatorAuth(ctx))
    .get("/", ({ query }) => listAudit(ctx.db, query), {
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), before: z.coerce.number().int().positive().optional() }).strict(),
    });
