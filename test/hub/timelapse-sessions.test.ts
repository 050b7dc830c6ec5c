import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ingestBatch } from "../../hub/agents/service";
import { captureImages, timelapses } from "../../hub/db/schema";
import { queueClosedSessions } from "../../hub/timelapses/sessions";
import { captureRecord, sunriseGridConfig } from "../harness/fixtures";
import { firstContact, inProcessHub } from "../harness/in-process";

const config = sunriseGridConfig();
const END = Date.parse("2026-11-24T13:35:00Z");
const policy = { fps: 24, crf: 20, deflicker: "rolling" as const, settleMs: 30 * 60_000, lookbackMs: 2 * 86_400_000, scanEveryMs: 1000 };

function setup() {
  const { hub, clock } = inProcessHub(config, "operator-token-0123456789");
  const { ctx } = hub;
  firstContact(ctx, "ridge");
  const upload = (ticks: number[], outcome: "captured" | "missed" = "captured") =>
    ingestBatch(ctx.db, "ridge", { log_id: "log-1", records: ticks.map((t) => captureRecord(t + 1, outcome === "missed" ? { outcome, reason_code: "late", reason: "late", image: null, captured_at: null } : {}, t)) }, clock.now());
  const picture = (ticks: number[]) => {
    for (const t of ticks)
      ctx.db.insert(captureImages).values({ captureId: `rec-${t + 1}`, cameraId: "ridge", plannedAt: Date.parse("2026-11-24T13:30:00Z") + t * 15_000, imageBytes: 10, imageCompleteAt: clock.now(), thumbnailBytes: 5, thumbnailAt: clock.now() }).run();
  };
  const pass = () => queueClosedSessions(ctx, ctx.timelapses, policy);
  return { ctx, clock, upload, picture, pass };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("session timelapses", () => {
  test("queued once when the window has closed and every tick has its record and picture", () => {
    const { ctx, clock, upload, picture, pass } = setup();
    upload(range(0, 18));
    picture(range(0, 18));
    clock.set(END - 1000);
    expect(pass()).toEqual([]);
    clock.set(END + 60_000);
    // Two ticks have no record yet: wait.
    expect(pass()).toEqual([]);
    upload(range(18, 19));
    upload([19], "missed");
    // Every tick recorded, but tick 18's picture is on its way: wait.
    expect(pass()).toEqual([]);
    picture([18]);
    const [id] = pass();
    expect(id).toMatch(/^tl_/);
    const job = ctx.timelapses.get(id!);
    expect(job).toMatchObject({ status: "queued", origin: "auto", camera_ids: ["ridge"], schedule: "sunrise", from: "2026-11-24T13:30:00.000Z", to: "2026-11-24T13:35:00.000Z", deflicker: "rolling", source: "full" });
    expect(pass()).toEqual([]);
    expect(ctx.timelapses.list({ limit: 10 })).toHaveLength(1);
  });

  test("after the settle time what came is rendered; a session without any picture is not", () => {
    const { ctx, clock, upload, picture, pass } = setup();
    upload(range(0, 10));
    picture(range(0, 5));
    clock.set(END + policy.settleMs - 1000);
    expect(pass()).toEqual([]);
    clock.set(END + policy.settleMs);
    expect(pass()).toHaveLength(1);
    // Yesterday's session (no camera yet, no pictures) never got a job.
    expect(ctx.timelapses.list({ limit: 10 }).map((t) => t.from)).toEqual(["2026-11-24T13:30:00.000Z"]);
  });

  test("a session rendered short of pictures is rendered again, in place, when more arrive", () => {
    const { ctx, clock, upload, picture, pass } = setup();
    upload(range(0, 20));
    picture(range(0, 8));
    clock.set(END + policy.settleMs);
    const [id] = pass();
    // As if the render had finished with the 8 pictures it had.
    ctx.db.update(timelapses).set({ status: "done", frames: 8, missing: 12 }).where(eq(timelapses.id, id!)).run();
    expect(pass()).toEqual([]);
    picture(range(8, 20));
    expect(pass()).toEqual([id!]);
    expect(ctx.timelapses.get(id!).status).toBe("queued");
    ctx.db.update(timelapses).set({ status: "done", frames: 20, missing: 0 }).where(eq(timelapses.id, id!)).run();
    expect(pass()).toEqual([]);
  });

  test("a camera that sends thumbnails only gets its sessions from thumbnails", () => {
    const { hub, clock } = inProcessHub(sunriseGridConfig({ ridge: { image_sync: "thumbnails" } }), "operator-token-0123456789");
    const { ctx } = hub;
    firstContact(ctx, "ridge");
    ingestBatch(ctx.db, "ridge", { log_id: "log-1", records: range(0, 20).map((t) => captureRecord(t + 1, {}, t)) }, clock.now());
    for (const t of range(0, 20))
      ctx.db.insert(captureImages).values({ captureId: `rec-${t + 1}`, cameraId: "ridge", plannedAt: Date.parse("2026-11-24T13:30:00Z") + t * 15_000, thumbnailBytes: 5, thumbnailAt: clock.now() }).run();
    clock.set(END + 1000);
    const [id] = queueClosedSessions(ctx, ctx.timelapses, policy);
    expect(ctx.timelapses.get(id!).source).toBe("thumbnails");
  });
});
