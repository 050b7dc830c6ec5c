import { z } from "zod";
import { ProfileDefinition, ProfileDefinitionInput, SeedProfileDefinition, Slug } from "../../shared/contracts/profile";

/** A published version number. */
export const Semver = z.string().regex(/^\d+\.\d+\.\d+$/, 'a version like "1.2.0"');
/** A published version, or "latest" (the highest). */
export const VersionOrLatest = z.union([z.literal("latest"), Semver]);

/**
 * The body's JSON Schema, as OpenAPI shows it: either form. Validation goes through
 * ProfileDefinitionInput, which picks the form first so errors speak of the one
 * meant; a transform has no JSON Schema of its own, so it carries this one.
 */
function definitionJsonSchema() {
  const { $schema: _, ...schema } = z.toJSONSchema(z.union([ProfileDefinition, SeedProfileDefinition]), {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  return schema;
}

export const profileModel = {
  params: z.object({ id: Slug }),
  versionParams: z.object({ id: Slug, version: VersionOrLatest }),
  /** Either form the config accepts: ours, or the first system's (`settings: {base, ...}`). */
  definition: ProfileDefinitionInput.meta(definitionJsonSchema()),
  diffQuery: z.object({ from: VersionOrLatest, to: VersionOrLatest }).strict(),
  /** `with_children=true`: republish every profile that extends this one. */
  publishQuery: z.object({ with_children: z.enum(["true", "false"]).optional() }).strict(),
};

