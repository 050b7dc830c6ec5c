import { z } from "zod";
import { Slug } from "../../shared/contracts/profile";

export const enrollmentModel = {
  params: z.object({ id: Slug }),
  /** `POST /agent/v1/enroll`: no bearer; the one-time code is the credential. */
  exchange: z
    .object({
      camera_id: Slug,
      code: z.string().min(8).max(100),
    })
    .strict(),
};
export type EnrollmentExchange = z.infer<typeof enrollmentModel.exchange>;
