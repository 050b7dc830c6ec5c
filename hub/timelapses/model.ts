import { z } from "zod";
import { Slug } from "../../shared/contracts/profile";
import { Timelapse, TimelapseRequest, TimelapseStatus } from "../../shared/contracts/timelapse";

export const timelapseModel = {
  request: TimelapseRequest,
  created: z.object({ id: z.string() }).strict(),
  params: z.object({ id: z.string().regex(/^tl_[A-Za-z0-9_-]{1,64}$/, "a timelapse id (tl_…)") }).strict(),
  listQuery: z
    .object({
      camera_id: Slug.optional(),
      status: TimelapseStatus.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    })
    .strict(),
  timelapse: Timelapse,
  list: z.object({ timelapses: z.array(Timelapse) }).strict(),
};
