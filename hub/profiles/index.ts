import { Elysia } from "elysia";
import { normalizeDefinition } from "../../shared/exposure/compile";
import type { ProfileDefinition, SeedProfileDefinition } from "../../shared/contracts/profile";
import { assignmentsModule } from "../assignments";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import { profileModel } from "./model";
import { diffVersions, getVersion, listProfiles, publishDefinition, showProfile } from "./service";

/**
 * Profile definitions and their immutable published versions; with them, the
 * assignment of versions to cameras (../assignments), so the app mounts one module.
 */
export const profilesModule = (ctx: HubContext) =>
  new Elysia()
    .use(
      new Elysia({ prefix: "/api/profiles" })
        .use(operatorAuth(ctx))
        .get("/", () => listProfiles(ctx.db))
        .get("/:id", ({ params }) => showProfile(ctx.db, params.id), { params: profileModel.params })
        .post(
          "/:id/versions",
          async ({ params, query, body, set }) => {
            const definition = normalizeDefinition(body as ProfileDefinition | SeedProfileDefinition);
            const result = await publishDefinition(ctx.db, params.id, definition, ctx.clock.now(), query.with_children === "true");
            set.status = result.created || result.children.some((c) => c.created) ? 201 : 200;
            return result;
          },
          { params: profileModel.params, query: profileModel.publishQuery, body: profileModel.definition },
        )
        .get("/:id/versions/:version", ({ params }) => getVersion(ctx.db, params.id, params.version), { params: profileModel.versionParams })
        .get("/:id/diff", ({ params, query }) => diffVersions(ctx.db, params.id, query.from, query.to), {
          params: profileModel.params,
          query: profileModel.diffQuery,
        }),
    )
    .use(assignmentsModule(ctx));
