import { z } from "zod";
import { Slug } from "../../shared/contracts/profile";
import { VersionOrLatest } from "../profiles/model";

/** At most this many cameras in one staged-rollout step. */
export const MAX_GROUP = 10_000;

const target = {
  profile_id: Slug,
  /** A published version of the profile, or "latest" (follows new versions as they are published). */
  version: VersionOrLatest,
};

export const assignmentModel = {
  params: z.object({ id: Slug }),
  body: z.object(target).strict(),
  groupBody: z
    .object({
      camera_ids: z
        .array(Slug)
        .min(1)
        .max(MAX_GROUP)
        .refine((ids) => new Set(ids).size === ids.length, "lists a camera more than once"),
      ...target,
    })
    .strict(),
  listQuery: z.object({ converged: z.enum(["true", "false"]).optional() }).strict(),
};
