import { describe, expect, test } from "bun:test";
import type { PlanWindow } from "../../shared/contracts/plan";
import { ingestBatch } from "../../hub/agents/service";
import { captureImages } from "../../hub/db/schema";
import { queueClosedSessions } from "../../hub/timelapses/sessions";
import { captureRecord, observedState } from "../harness/fixtures";
import { firstContact, inProcessHub } from "../harness/in-process";
import { DENVER } from "../harness/scenario";

const OPERATOR = "cron-schedule-operator-token";
const config = {
  location: DENVER,
  schedules: {
    workday: { cron: "*/10 7-18 * * 1-5" },
    wednesday_noon: { start_time: "12:00", end_time: "12:30", interval_seconds: 60, days: ["wed"] },
    from_thursday: { type: "cron", cron: "0 9 * * *", from_date: "2026-11-26", to_date: "2027-03-31" },
  },
  cameras: {
    ridge: { deployed_profile: "f", schedules: ["workday", "wednesday_noon", "from_thursday"] },
    alps: { timezone: "Europe/Zurich", latitude: 46.5, longitude: 8, deployed_profile: "f", schedules: ["workday"] },
  },
  profiles: { f: { base: { ev: 0 } } },
  sync: { poll_interval_seconds: 60, plan_days: 3 },
};

describe("a camera on a cron schedule", async () => {
  // The clock stands at 2026-11-24T12:00Z: Tuesday 05:00 in Denver, 13:00 in Zurich.
  const { hub } = await inProcessHub(config, OPERATOR);
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await hub.app.handle(
      new Request(`http://localhost${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    return { status: res.status, body: (await res.json()) as any };
  };
  const desired = async (camera: string) => {
    const token = (await call("POST", `/api/cameras/${camera}/token`, OPERATOR)).body.token;
    const res = await call("POST", "/agent/v1/state", token, observedState({}, { offsetMs: null }));
    expect(res.status).toBe(200);
    return res.body.desired;
  };
  const spans = (windows: PlanWindow[]) => windows.map((w) => [w.schedule, w.start, w.end, w.interval_seconds]);

  test("gets the expected plan windows in its desired state, limits applied, in its own zone", async () => {
    const ridge = await desired("ridge");
    expect(ridge.schedules.workday).toEqual({ type: "cron", cron: "*/10 7-18 * * 1-5", enabled: true });
    expect(spans(ridge.plan.windows)).toEqual([
      ["workday", "2026-11-24T14:00:00.000Z", "2026-11-25T02:00:00.000Z", 600],
      ["workday", "2026-11-25T14:00:00.000Z", "2026-11-26T02:00:00.000Z", 600],
      ["wednesday_noon", "2026-11-25T19:00:00.000Z", "2026-11-25T19:30:00.000Z", 60],
      // One tick a day is a window of its own; its interval (how late it may still be taken) is the widest grid step it sits on.
      ["from_thursday", "2026-11-26T16:00:00.000Z", "2026-11-26T20:00:00.000Z", 14_400],
      ["workday", "2026-11-26T14:00:00.000Z", "2026-11-27T02:00:00.000Z", 600],
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))));
    expect(ridge.plan.windows.every((w: PlanWindow) => w.profiles.join() === "f" && !w.extrapolated)).toBe(true);

    // Zurich's 07:00 is 06:00Z: the plan served runs from local midnight (the agent acts on ticks ahead of it only).
    const alps = await desired("alps");
    expect(spans(alps.plan.windows)).toEqual([
      ["workday", "2026-11-24T06:00:00.000Z", "2026-11-24T18:00:00.000Z", 600],
      ["workday", "2026-11-25T06:00:00.000Z", "2026-11-25T18:00:00.000Z", 600],
      ["workday", "2026-11-26T06:00:00.000Z", "2026-11-26T18:00:00.000Z", 600],
    ]);
  });

  test("the schedules export as they were given and apply again without a change", async () => {
    const exported = await call("GET", "/api/config", OPERATOR);
    expect(exported.body.schedules.from_thursday).toEqual({ type: "cron", cron: "0 9 * * *", from_date: "2026-11-26", to_date: "2027-03-31", enabled: true });
    expect(exported.body.schedules.wednesday_noon.days).toEqual(["wed"]);
    const again = await call("PUT", "/api/config?dry_run=true", OPERATOR, exported.body);
    expect(again.status).toBe(200);
    expect(again.body.changes).toEqual([]);
  });

  test("a bad schedule is refused with the field named, and changes nothing", async () => {
    const exported = (await call("GET", "/api/config", OPERATOR)).body;
    const put = (workday: unknown) => call("PUT", "/api/config", OPERATOR, { ...exported, schedules: { ...exported.schedules, workday } });
    const unknownDay = await put({ cron: "*/10 7-18 * * 1-5", days: ["mon", "funday"] });
    expect(unknownDay.status).toBe(422);
    expect(unknownDay.body.message).toContain('schedules.workday.days.1: unknown day "funday"');
    const backwards = await put({ cron: "*/10 7-18 * * 1-5", from_date: "2026-12-01", to_date: "2026-11-01" });
    expect(backwards.body.message).toContain("schedules.workday.to_date: 2026-11-01 is before from_date 2026-12-01");
    const badCron = await put({ cron: "*/10 7-18 * * MON-FRY" });
    expect(badCron.body.message).toContain("schedules.workday.cron: not a usable cron expression");
    expect((await call("GET", "/api/config", OPERATOR)).body.schedules.workday).toEqual({ type: "cron", cron: "*/10 7-18 * * 1-5", enabled: true });
  });
});

describe("a cron schedule's session", () => {
  test("is all its windows of one local day: one timelapse, not one per tick", async () => {
    const { hub, clock } = await inProcessHub(
      { location: DENVER, schedules: { site: { cron: "5,17,43 7-8 * * *" } }, cameras: { ridge: { deployed_profile: "f", schedules: ["site"] } }, profiles: { f: { base: { ev: 0 } } } },
      OPERATOR,
    );
    const { ctx } = hub;
    await firstContact(ctx, "ridge");
    // 07:05 … 08:43 in Denver: six ticks, each a window of its own.
    const ticks = ["14:05", "14:17", "14:43", "15:05", "15:17", "15:43"].map((hm) => Date.parse(`2026-11-24T${hm}:00Z`));
    const records = ticks.map((t, i) => captureRecord(i + 1, { planned_at: new Date(t).toISOString(), captured_at: new Date(t).toISOString(), schedule: "site" }));
    await ingestBatch(ctx.db, "ridge", { log_id: "log-1", records }, clock.now());
    for (const [i, t] of ticks.entries()) await ctx.db.insert(captureImages).values({ captureId: `rec-${i + 1}`, cameraId: "ridge", plannedAt: t, imageBytes: 10, imageCompleteAt: clock.now(), thumbnailBytes: 5, thumbnailAt: clock.now() });
    clock.set(Date.parse("2026-11-24T16:00:00Z"));
    const policy = { fps: 24, crf: 20, deflicker: "rolling" as const, settleMs: 30 * 60_000, lookbackMs: 2 * 86_400_000, scanEveryMs: 1000 };
    const queued = await queueClosedSessions(ctx, ctx.timelapses, policy);
    expect(queued).toHaveLength(1);
    expect(await ctx.timelapses.get(queued[0]!)).toMatchObject({ schedule: "site", from: "2026-11-24T14:05:00.000Z", to: "2026-11-24T15:44:00.000Z" });
    expect(await queueClosedSessions(ctx, ctx.timelapses, policy)).toEqual([]);
  });
});
