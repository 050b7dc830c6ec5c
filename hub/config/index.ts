import { Elysia } from "elysia";
import { z } from "zod";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { applyConfigDiff, exportConfig } from "./service";

/** The whole configuration: export it, or apply a file as a diff (dry run first). */
export const configModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/config" })
    .use(operatorAuth(ctx))
    .get("/", () => exportConfig(ctx.db))
    .put("/", ({ body, query }) => applyConfigDiff(ctx.db, body, { dryRun: query.dry_run === "true", prune: query.prune === "true" }, ctx.clock.now()), {
      body: z.record(z.string(), z.unknown()),
      query: z.object({ dry_run: z.enum(["true", "false"]).optional(), prune: z.enum(["true", "false"]).optional() }).strict(),
    });
