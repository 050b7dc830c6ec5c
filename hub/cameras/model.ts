import { z } from "zod";
import { Slug } from "../../shared/contracts/profile";
import { IsoTime } from "../../shared/contracts/plan";

export const cameraModel = {
  params: z.object({ id: Slug }),
  capturesQuery: z
    .object({
      from: IsoTime.optional(),
      to: IsoTime.optional(),
      limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
      cursor: z.string().max(200).optional(),
    })
    .strict(),
};
