import { Elysia } from "elysia";
import type { Clock } from "../../shared/clock";
import { MAX_IMAGE_CHUNK_BYTES, MAX_THUMBNAIL_BYTES } from "../../shared/contracts/sync";
import { agentAuth, operatorAuth } from "../auth";
import type { HubContext } from "../context";
import type { HubEnv } from "../env";
import type { ImageStorage } from "../storage";
import { imagesModel } from "./model";
import { CaptureImages, type ImageRetention, uploadedBytes } from "./service";

export interface ImagesOptions {
  storage: ImageStorage;
  retention: ImageRetention;
  retentionEveryMs: number;
}

/** From the hub's settings: the one picture store, retention from SKYLAPSE_KEEP_*_DAYS. */
export function imagesOptions(settings: HubEnv, storage: ImageStorage): ImagesOptions {
  return {
    storage,
    retention: { keepFullDays: settings.SKYLAPSE_KEEP_FULL_DAYS ?? null, keepThumbnailsDays: settings.SKYLAPSE_KEEP_THUMBNAILS_DAYS ?? null },
    retentionEveryMs: settings.SKYLAPSE_IMAGE_RETENTION_EVERY_SECONDS * 1000,
  };
}

/**
 * Hub retention passes, the first 5 s after start, then every `retentionEveryMs`
 * (none when nothing is to be removed). Started by main.ts; returns the stop.
 */
export function startImageRetention(images: CaptureImages, options: ImagesOptions, clock: Clock): () => void {
  if (options.retention.keepFullDays === null && options.retention.keepThumbnailsDays === null) return () => {};
  const retain = async () => {
    try {
      const removed = await images.applyRetention(options.retention, clock.now());
      if (removed.full || removed.thumbnails) console.log(`hub: image retention removed ${removed.full} full image(s), ${removed.thumbnails} thumbnail(s)`);
    } catch (e) {
      console.error(`hub: image retention failed: ${(e as Error).message}`);
    }
  };
  const first = setTimeout(retain, Math.min(5_000, options.retentionEveryMs));
  const every = setInterval(retain, options.retentionEveryMs);
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}

const tags = ["images"];

/** The agent's picture uploads, each read within its own limit as it streams (the app's body reader takes these). */
export const IMAGE_BODY_LIMITS: Record<string, number> = {
  "/agent/v1/captures/:id/thumbnail": MAX_THUMBNAIL_BYTES,
  "/agent/v1/captures/:id/image": MAX_IMAGE_CHUNK_BYTES,
};

/**
 * Capture pictures: agents upload a thumbnail with each record and the full image
 * in resumable chunks (/agent/v1/captures/{id}/…, the camera from the token);
 * operators read them (/api/cameras/{id}/captures/{capture_id}/…, range requests
 * on the full image).
 */
export const imagesModule = (ctx: HubContext, images: CaptureImages) => {
  const agent = new Elysia({ prefix: "/agent/v1/captures" })
    .use(agentAuth(ctx))
    .put(
      "/:id/thumbnail",
      ({ cameraId, params, request, body }) => images.putThumbnail(cameraId, params.id, uploadedBytes(request, body, ["image/jpeg"]), ctx.clock.now()),
      { params: imagesModel.captureParams, detail: { summary: "Upload a capture's thumbnail (image/jpeg, ≤ 64 KiB)", tags } },
    )
    .get("/:id/image", ({ cameraId, params }) => images.imageState(cameraId, params.id), {
      params: imagesModel.captureParams,
      response: imagesModel.uploadState,
      detail: { summary: "How much of a capture's full image the hub holds", tags },
    })
    .put(
      "/:id/image",
      ({ cameraId, params, query, request, body }) =>
        images.appendChunk(cameraId, params.id, query.offset, uploadedBytes(request, body, ["application/octet-stream"]), ctx.clock.now()),
      {
        params: imagesModel.captureParams,
        query: imagesModel.chunkQuery,
        response: imagesModel.uploadState,
        detail: { summary: "Append a chunk (application/octet-stream, ≤ 1 MiB) at ?offset=N; the last one is checked against the record's sha256", tags },
      },
    );

  const operator = new Elysia({ prefix: "/api/cameras" })
    .use(operatorAuth(ctx))
    .get(
      "/:id/captures/:capture_id/thumbnail",
      async ({ params }) => {
        const { stream, bytes } = await images.thumbnail(params.id, params.capture_id);
        return new Response(stream, { headers: { "content-type": "image/jpeg", "content-length": String(bytes), "cache-control": "private, max-age=86400" } });
      },
      { params: imagesModel.cameraCaptureParams, detail: { summary: "A capture's thumbnail (image/jpeg)", tags } },
    )
    .get("/:id/captures/:capture_id/image", ({ params, request }) => images.image(params.id, params.capture_id, request.headers.get("range")), {
      params: imagesModel.cameraCaptureParams,
      detail: { summary: "A capture's full image (image/jpeg; Range requests answered with 206)", tags },
    });

  return new Elysia().use(agent).use(operator);
};
