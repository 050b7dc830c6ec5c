import { Elysia } from "elysia";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { abTestModel } from "./model";
import { cancelTest, createTest, getTest, listTests } from "./service";

/** A/B override tests: define, follow, cancel; pairs and their measures. */
export const abTestsModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/tests" })
    .use(operatorAuth(ctx))
    .post("/", ({ body, set }) => {
      set.status = 201;
      return createTest(ctx.db, body, ctx.clock.now());
    }, { body: abTestModel.create })
    .get("/", () => listTests(ctx.db, ctx.clock.now()))
    .get("/:id", ({ params }) => getTest(ctx.db, params.id, ctx.clock.now()), { params: abTestModel.params })
    .post("/:id/cancel", ({ params }) => cancelTest(ctx.db, params.id, ctx.clock.now()), { params: abTestModel.params })
    .delete("/:id", ({ params }) => cancelTest(ctx.db, params.id, ctx.clock.now()), { params: abTestModel.params });
