import { z } from "zod";
import { Slug } from "../../shared/contracts/profile";
import { Timelapse, TimelapseRequest, TimelapseStatus } from "../../shared/contracts/timelapse";
import { queryInt } from "../../shared/http";

export const timelapseModel = {
  request: TimelapseRequest,
  created: z.object({ id: z.string() }).strict(),
  params: z.object({ id: z.string().regex(/^tl_[A-Za-z0-9_-]{1,64}$/, "a timelapse id (tl_…)") }).strict(),
  listQuery: z
    .object({
      camera_id: Slug.optional(),
      status: TimelapseStatus.optional(),
      limit: queryInt(1, 500).default(100),
    })
    .strict(),
  timelapse: Timelapse,
  list: z.object({ timelapses: z.array(Timelapse) }).strict(),
};
