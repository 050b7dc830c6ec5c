/**
 * The first system's monitoring endpoints on the hub: GET /status and
 * GET /cameras/{id}/status, behind the operator token, from what the hub holds.
 */
import { expect, test } from "bun:test";
import { ingestBatch } from "../../hub/agents/service";
import { captureRecord, sunriseGridConfig } from "../harness/fixtures";
import { callHub, firstContact, inProcessHub } from "../harness/in-process";

const OPERATOR = "operator-token-for-tests-0001";

async function hubWithCaptures() {
  const { hub, clock } = await inProcessHub(sunriseGridConfig({ ridge: {}, valley: {}, spare: {} }), OPERATOR);
  await firstContact(hub.ctx, "ridge");
  await firstContact(hub.ctx, "valley");
  // ridge captured ticks 1–5 (the last at 13:31:15Z) and missed tick 6; valley missed its only record.
  const ridge = [1, 2, 3, 4, 5].map((n) => captureRecord(n));
  ridge.push(captureRecord(6, { outcome: "missed", reason_code: "late", reason: "late", image: null }));
  await ingestBatch(hub.ctx.db, "ridge", { log_id: "log-r", records: ridge }, clock.now());
  await ingestBatch(hub.ctx.db, "valley", { log_id: "log-v", records: [captureRecord(1, { id: "v-1", outcome: "missed", reason_code: "late", reason: "late", image: null })] }, clock.now());
  clock.set(Date.parse("2026-11-24T13:32:00Z"));
  return { hub, clock };
}

test("GET /status: the open schedules, every camera's last capture by schedule, the hub's own work", async () => {
  const { hub } = await hubWithCaptures();
  const { status, body } = await callHub(hub, "GET", "/status", OPERATOR);
  expect(status).toBe(200);
  expect(body.current_time).toBe("2026-11-24T13:32:00.000Z");
  expect(body.scheduler).toEqual({ autonomous_cameras: 3, live_cameras: 0, session_renders: false, renders: { queued: 0, running: 0 } });
  // The sunrise window 13:30–13:35Z is open for the cameras in contact; the spare has no plan yet.
  expect(body.active_schedules.map((s: { camera_id: string; schedule: string }) => `${s.camera_id} ${s.schedule}`).sort()).toEqual(["ridge sunrise", "valley sunrise"]);
  const byId = Object.fromEntries(body.cameras.map((c: { camera_id: string }) => [c.camera_id, c]));
  expect(byId.ridge).toMatchObject({ last_capture_at: "2026-11-24T13:31:15.000Z", last_capture_by_schedule: { sunrise: "2026-11-24T13:31:15.000Z" }, mode: "autonomous" });
  expect(byId.valley).toMatchObject({ last_capture_at: null, last_capture_by_schedule: { sunrise: null } });
  expect(byId.spare).toMatchObject({ status: "waiting_for_first_contact", active_schedules: [], last_capture_at: null });
});

test("GET /cameras/{id}/status: one camera; an unknown one is 404, a bad id 422", async () => {
  const { hub } = await hubWithCaptures();
  const { status, body } = await callHub(hub, "GET", "/cameras/ridge/status", OPERATOR);
  expect(status).toBe(200);
  expect(body).toMatchObject({ camera_id: "ridge", timezone: "Etc/GMT+7", last_capture_at: "2026-11-24T13:31:15.000Z" });
  expect(body.active_schedules).toEqual([{ schedule: "sunrise", start: "2026-11-24T13:30:00.000Z", end: "2026-11-24T13:35:00.000Z", interval_seconds: 15, profiles: ["f"] }]);
  expect((await callHub(hub, "GET", "/cameras/nope/status", OPERATOR)).status).toBe(404);
  expect((await callHub(hub, "GET", "/cameras/Not%20A%20Slug/status", OPERATOR)).status).toBe(422);
});

test("both need the operator token: none, a wrong one or an agent's is 401", async () => {
  const { hub } = await hubWithCaptures();
  const agent = (await callHub(hub, "POST", "/api/cameras/ridge/token", OPERATOR)).body.token;
  for (const path of ["/status", "/cameras/ridge/status"]) {
    for (const token of [null, "wrong-token-wrong-token", agent]) expect((await callHub(hub, "GET", path, token)).status).toBe(401);
  }
});
