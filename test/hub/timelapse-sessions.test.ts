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

async function setup() {
  const { hub, clock } = await inProcessHub(config, "operator-token-0123456789");
  const { ctx } = hub;
  await firstContact(ctx, "ridge");
  const upload = async (ticks: number[], outcome: "captured" | "missed" = "captured") =>
    await ingestBatch(ctx.db, "ridge", { log_id: "log-1", records: ticks.map((t) => captureRecord(t + 1, outcome === "missed" ? { outcome, reason_code: "late", reason: "late", image: null, captured_at: null } : {}, t)) }, clock.now());
  const picture = async (ticks: number[]) => {
    for (const t of ticks)
      await ctx.db.insert(captureImages).values({ captureId: `rec-${t + 1}`, cameraId: "ridge", plannedAt: Date.parse("2026-11-24T13:30:00Z") + t * 15_000, imageBytes: 10, imageCompleteAt: clock.now(), thumbnailBytes: 5, thumbnailAt: clock.now() });
  };
  const pass = async () => await queueClosedSessions(ctx, ctx.timelapses, policy);
  return { ctx, clock, upload, picture, pass };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("session timelapses", () => {
  test("queued once when the window has closed and every tick has its record and picture", async () => {
    const { ctx, clock, upload, picture, pass } = await setup();
    await upload(range(0, 18));
    await picture(range(0, 18));
    clock.set(END - 1000);
    expect(await pass()).toEqual([]);
    clock.set(END + 60_000);
    // Two ticks have no record yet: wait.
    expect(await pass()).toEqual([]);
    await upload(range(18, 19));
    await upload([19], "missed");
    // Every tick recorded, but tick 18's picture is on its way: wait.
    expect(await pass()).toEqual([]);
    await picture([18]);
    const [id] = await pass();
    expect(id).toMatch(/^tl_/);
    const job = await ctx.timelapses.get(id!);
    expect(job).toMatchObject({ status: "queued", origin: "auto", camera_ids: ["ridge"], schedule: "sunrise", from: "2026-11-24T13:30:00.000Z", to: "2026-11-24T13:35:00.000Z", deflicker: "rolling", source: "full" });
    expect(await pass()).toEqual([]);
    expect(await ctx.timelapses.list({ limit: 10 })).toHaveLength(1);
  });

  test("after the settle time what came is rendered; a session without any picture is not", async () => {
    const { ctx, clock, upload, picture, pass } = await setup();
    await upload(range(0, 10));
    await picture(range(0, 5));
    clock.set(END + policy.settleMs - 1000);
    expect(await pass()).toEqual([]);
    clock.set(END + policy.settleMs);
    expect(await pass()).toHaveLength(1);
    // Yesterday's session (no camera yet, no pictures) never got a job.
    expect((await ctx.timelapses.list({ limit: 10 })).map((t) => t.from)).toEqual(["2026-11-24T13:30:00.000Z"]);
  });

  test("a session rendered short of pictures is rendered again, in place, when more arrive", async () => {
    const { ctx, clock, upload, picture, pass } = await setup();
    await upload(range(0, 20));
    await picture(range(0, 8));
    clock.set(END + policy.settleMs);
    const [id] = await pass();
    // As if the render had finished with the 8 pictures it had.
    await ctx.db.update(timelapses).set({ status: "done", frames: 8, missing: 12 }).where(eq(timelapses.id, id!));
    expect(await pass()).toEqual([]);
    await picture(range(8, 20));
    expect(await pass()).toEqual([id!]);
    expect((await ctx.timelapses.get(id!)).status).toBe("queued");
    await ctx.db.update(timelapses).set({ status: "done", frames: 20, missing: 0 }).where(eq(timelapses.id, id!));
    expect(await pass()).toEqual([]);
  });

  test("a camera that sends thumbnails only gets its sessions from thumbnails", async () => {
    const { hub, clock } = await inProcessHub(sunriseGridConfig({ ridge: { image_sync: "thumbnails" } }), "operator-token-0123456789");
    const { ctx } = hub;
    await firstContact(ctx, "ridge");
    await ingestBatch(ctx.db, "ridge", { log_id: "log-1", records: range(0, 20).map((t) => captureRecord(t + 1, {}, t)) }, clock.now());
    for (const t of range(0, 20))
      await ctx.db.insert(captureImages).values({ captureId: `rec-${t + 1}`, cameraId: "ridge", plannedAt: Date.parse("2026-11-24T13:30:00Z") + t * 15_000, thumbnailBytes: 5, thumbnailAt: clock.now() });
    clock.set(END + 1000);
    const [id] = await queueClosedSessions(ctx, ctx.timelapses, policy);
    expect((await ctx.timelapses.get(id!)).source).toBe("thumbnails");
  });
});
