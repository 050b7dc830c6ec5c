import { z } from "zod";
import { ImageUploadState } from "../../shared/contracts/sync";

export const imagesModel = {
  captureParams: z.object({ id: z.string().min(1).max(64) }).strict(),
  cameraCaptureParams: z.object({ id: z.string().min(1).max(64), capture_id: z.string().min(1).max(64) }).strict(),
  chunkQuery: z.object({ offset: z.coerce.number().int().nonnegative() }).strict(),
  uploadState: ImageUploadState,
};
