import { z } from "zod";
import { CameraConfig } from "../../shared/contracts/config";
import { Slug } from "../../shared/contracts/profile";
import { IsoTime } from "../../shared/contracts/plan";
import { queryInt } from "../../shared/http";

const field = CameraConfig.shape;

/** `POST /api/cameras`: the camera's id and its config, exactly as a config file's `cameras.ID` takes it. */
export const RegisterCamera = CameraConfig.safeExtend({ id: Slug });
export type RegisterCamera = z.infer<typeof RegisterCamera>;

/**
 * `PATCH /api/cameras/{id}`: only the fields to change. `null` removes an optional
 * field (own coordinates or zone → the site's again). The profile is not here:
 * assignments have their own endpoint (`PUT /api/cameras/{id}/assignment`).
 */
export const UpdateCamera = z
  .object({
    name: field.name.unwrap().nullable().optional(),
    location: field.location.unwrap().nullable().optional(),
    host: field.host.unwrap().nullable().optional(),
    port: field.port.unwrap().nullable().optional(),
    mode: field.mode.unwrap().optional(),
    api: field.api.unwrap().nullable().optional(),
    /** A live camera's technician token; `null` removes it, "(set)" keeps it. */
    technician_token: field.technician_token.unwrap().nullable().optional(),
    latitude: field.latitude.unwrap().nullable().optional(),
    longitude: field.longitude.unwrap().nullable().optional(),
    timezone: field.timezone.unwrap().nullable().optional(),
    schedules: field.schedules.unwrap().optional(),
    /** Which full images the agent uploads; `null` goes back to the default ("all"). */
    image_sync: field.image_sync.unwrap().nullable().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: "nothing to change: name at least one field" });
export type UpdateCamera = z.infer<typeof UpdateCamera>;

export const cameraModel = {
  params: z.object({ id: Slug }),
  register: RegisterCamera,
  update: UpdateCamera,
  capturesQuery: z
    .object({
      from: IsoTime.optional(),
      to: IsoTime.optional(),
      limit: queryInt(1, 10_000).default(1_000),
      cursor: z.string().max(200).optional(),
    })
    .strict()
    .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: "must be after query.from", path: ["to"] }),
};
