import { z } from "zod";
import { ReleaseVersion, SignedManifest } from "../../shared/contracts/release";
import { queryInt } from "../../shared/http";
import { Slug } from "../../shared/contracts/profile";

const Target = z.union([z.literal("latest"), ReleaseVersion]);

export const releasesModel = {
  artifactParams: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in lower-case hex") }),
  chunkQuery: z.object({ offset: queryInt(0, 2 ** 40), total: queryInt(1, 2 ** 40) }),
  publishBody: SignedManifest,
  assignBody: z.object({ camera_ids: z.array(Slug).min(1).max(1000), target: Target }).strict(),
  cameraParams: z.object({ id: Slug }),
};
