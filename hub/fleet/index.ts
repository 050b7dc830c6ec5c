import { Elysia } from "elysia";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { fleetSummary } from "./service";

/** The fleet at a glance: which cameras are behind, and since when. */
export const fleetModule = (ctx: HubContext) =>
  new Elysia({ prefix: "/api/fleet" }).use(operatorAuth(ctx)).get("/", async () => {
    await ctx.contacts.flush();
    return fleetSummary(ctx.db, ctx.clock.now());
  });
