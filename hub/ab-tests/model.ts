import { z } from "zod";
import { IsoTime } from "../../shared/contracts/plan";
import { Slug } from "../../shared/contracts/profile";
import { TestId } from "../../shared/contracts/seed-api";
import { SettingsOverride } from "../../shared/contracts/settings";

export const abTestModel = {
  create: z
    .object({
      id: TestId.optional(),
      camera_id: Slug.optional(),
      camera_ids: z.array(Slug).min(1).max(200).optional(),
      schedule: Slug.optional(),
      override: SettingsOverride.refine((o) => Object.keys(o).length > 0, "an override changes at least one setting"),
      pairs: z.number().int().min(1).max(100_000).optional(),
      until: IsoTime.optional(),
      from: IsoTime.optional(),
    })
    .strict()
    .refine((t) => (t.camera_id === undefined) !== (t.camera_ids === undefined), { message: "give camera_id or camera_ids", path: ["camera_ids"] })
    .refine((t) => t.pairs !== undefined || t.until !== undefined, { message: "give pairs or until (or both): a test must end", path: ["pairs"] }),
  params: z.object({ id: TestId }),
};
export type CreateTest = z.infer<typeof abTestModel.create>;
