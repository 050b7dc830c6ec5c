import { Elysia } from "elysia";
import { join } from "node:path";
import { operatorAuth } from "../auth";
import type { HubContext } from "../context";
import type { HubEnv } from "../env";
import type { ImageStorage } from "../storage";
import { timelapseModel } from "./model";
import type { RendererOptions } from "./service";
import type { AutoRenderPolicy } from "./sessions";

export interface TimelapsesOptions extends RendererOptions {
  /** Real ms between looks at the queue for jobs another process queued or a dead worker's lease let go. */
  queueLookMs: number;
  /** Null: sessions are not rendered automatically. */
  auto: AutoRenderPolicy | null;
}

/** From the hub's settings: videos in the one picture store, renders staged in DATA_DIR/render. */
export function timelapsesOptions(s: HubEnv, storage: ImageStorage): TimelapsesOptions {
  return {
    storage,
    workDir: join(s.SKYLAPSE_DATA_DIR, "render"),
    ffmpeg: s.SKYLAPSE_FFMPEG,
    concurrency: s.SKYLAPSE_RENDER_CONCURRENCY,
    queueLookMs: s.SKYLAPSE_RENDER_POLL_SECONDS * 1000,
    auto: s.SKYLAPSE_AUTO_TIMELAPSE
      ? {
          fps: s.SKYLAPSE_TIMELAPSE_FPS,
          crf: s.SKYLAPSE_TIMELAPSE_CRF,
          deflicker: s.SKYLAPSE_TIMELAPSE_DEFLICKER,
          settleMs: s.SKYLAPSE_TIMELAPSE_SETTLE_MINUTES * 60_000,
          lookbackMs: s.SKYLAPSE_TIMELAPSE_LOOKBACK_DAYS * 86_400_000,
          scanEveryMs: s.SKYLAPSE_TIMELAPSE_SCAN_SECONDS * 1000,
        }
      : null,
  };
}

const tags = ["timelapses"];

/**
 * Timelapse renders: request one for a camera (or a grid of cameras) and a
 * range, follow its progress, cancel it, fetch the video (Range requests) and
 * poster. The jobs (ctx.timelapses) and the session scanner are started by main.ts.
 */
export const timelapsesModule = (ctx: HubContext) => {
  const jobs = ctx.timelapses;
  return new Elysia({ prefix: "/api/timelapses" })
    .use(operatorAuth(ctx))
    .post(
      "/",
      async ({ body, set }) => {
        set.status = 202;
        return { id: (await jobs.request(body, "request")).id };
      },
      { body: timelapseModel.request, response: { 202: timelapseModel.created }, detail: { summary: "Queue a render (the same spec again re-renders it, same id)", tags } },
    )
    .get("/", async ({ query }) => ({ timelapses: await jobs.list(query) }), {
      query: timelapseModel.listQuery,
      response: timelapseModel.list,
      detail: { summary: "Renders, newest first", tags },
    })
    .get("/:id", ({ params }) => jobs.get(params.id), { params: timelapseModel.params, response: timelapseModel.timelapse, detail: { summary: "A render: status, progress, frames, missing, url", tags } })
    .post("/:id/cancel", ({ params }) => jobs.cancel(params.id), { params: timelapseModel.params, response: timelapseModel.timelapse, detail: { summary: "Stop a queued or running render", tags } })
    .delete(
      "/:id",
      async ({ params, set }) => {
        await jobs.remove(params.id);
        set.status = 204;
      },
      { params: timelapseModel.params, detail: { summary: "Stop the render if it runs; remove it and its video", tags } },
    )
    .get("/:id/video", ({ params, request }) => jobs.video(params.id, request.headers.get("range")), {
      params: timelapseModel.params,
      detail: { summary: "The video (video/mp4; Range requests answered with 206)", tags },
    })
    .get("/:id/poster", ({ params }) => jobs.poster(params.id), { params: timelapseModel.params, detail: { summary: "The poster (image/jpeg, the middle frame)", tags } });
};
