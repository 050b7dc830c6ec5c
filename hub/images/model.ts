import { z } from "zod";
import { ImageUploadState } from "../../shared/contracts/sync";
import { queryInt } from "../../shared/http";

export const imagesModel = {
  captureParams: z.object({ id: z.string().min(1).max(64) }).strict(),
  cameraCaptureParams: z.object({ id: z.string().min(1).max(64), capture_id: z.string().min(1).max(64) }).strict(),
  chunkQuery: z.object({ offset: queryInt(0, Number.MAX_SAFE_INTEGER) }).strict(),
  uploadState: ImageUploadState,
};
