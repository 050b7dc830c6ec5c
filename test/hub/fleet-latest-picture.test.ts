import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ingestBatch } from "../../hub/agents/service";
import { captureImages } from "../../hub/db/schema";
import { fleetSummary } from "../../hub/fleet/service";
import { captureRecord, sunriseGridConfig } from "../harness/fixtures";
import { inProcessHub } from "../harness/in-process";

const config = sunriseGridConfig({ ridge: {}, valley: {} });
const TICK0 = Date.parse("2026-11-24T13:30:00Z");

test("the fleet names each camera's newest production picture at the hub: not a variant, not one whose thumbnail has not come or was removed", async () => {
  const { hub, clock } = await inProcessHub(config, "operator-token-0123456789");
  const { db } = hub.ctx;
  const records = [
    captureRecord(1, {}, 0),
    captureRecord(2, {}, 1),
    captureRecord(3, { test_id: "brighter", test_role: "baseline" }, 2),
    captureRecord(4, { id: "rec-4v", test_id: "brighter", test_role: "variant" }, 2),
    captureRecord(5, {}, 3),
  ];
  await ingestBatch(db, "ridge", { log_id: "log-1", records }, clock.now());
  const thumbnail = async (id: string, tick: number) =>
    await db.insert(captureImages).values({ captureId: id, cameraId: "ridge", plannedAt: TICK0 + tick * 15_000, thumbnailBytes: 5, thumbnailAt: clock.now() });
  const latest = async () => (await fleetSummary(db, clock.now())).cameras.find((c) => c.id === "ridge")!.latest_picture;

  expect(await latest()).toBeNull();
  await thumbnail("rec-1", 0);
  await thumbnail("rec-2", 1);
  expect(await latest()).toEqual({ capture_id: "rec-2", planned_at: "2026-11-24T13:30:15.000Z" });
  // The variant of the newest pair is not the camera's picture; its baseline is.
  await thumbnail("rec-4v", 2);
  expect((await latest())!.capture_id).toBe("rec-2");
  await thumbnail("rec-3", 2);
  expect((await latest())!.capture_id).toBe("rec-3");
  await thumbnail("rec-5", 3);
  expect((await latest())!.capture_id).toBe("rec-5");
  // Hub retention removed it: the one before.
  await db.update(captureImages).set({ thumbnailPurgedAt: clock.now() }).where(eq(captureImages.captureId, "rec-5"));
  expect((await latest())!.capture_id).toBe("rec-3");
  expect((await fleetSummary(db, clock.now())).cameras.find((c) => c.id === "valley")!.latest_picture).toBeNull();
});
