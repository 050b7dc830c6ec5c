import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlanWindow } from "../../shared/contracts/plan";
import { PollResponse } from "../../shared/contracts/sync";
import { offsetAt } from "../../shared/plan/local-time";
import { plannedTicks } from "../../shared/plan/ticks";
import { openEdgeDb } from "../../edge/db/client";
import { DesiredStore } from "../../edge/sync/desired";
import { observedState } from "../harness/fixtures";
import { inProcessHub } from "../harness/in-process";
import { DENVER } from "../harness/scenario";

const OPERATOR = "extrapolation-limits-operator-token";
const config = {
  location: DENVER,
  schedules: {
    workday: { cron: "*/10 7-18 * * 1-5" },
    weekend: { start_time: "10:00", end_time: "11:00", interval_seconds: 60, days: ["sat", "sun"] },
    project: { anchor: "sunset", offset_minutes: -30, duration_minutes: 60, interval_seconds: 15, from_date: "2026-03-01", to_date: "2026-11-26" },
  },
  cameras: { ridge: { deployed_profile: "f", schedules: ["workday", "weekend", "project"] } },
  profiles: { f: { base: { ev: 0 } } },
  sync: { poll_interval_seconds: 60, plan_days: 1 },
};

const localDay = (w: PlanWindow) => new Date(Date.parse(w.start) + offsetAt(DENVER.timezone, Date.parse(w.start))).toISOString().slice(0, 10);

describe("an agent extending its plan through an outage", () => {
  test("honours cron expressions, day-of-week and date-range limits, on the hub's grid", async () => {
    // The hub plans Tuesday 2026-11-24 only (plan_days 1); then the agent hears nothing until Friday.
    const { hub } = await inProcessHub(config, OPERATOR);
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await hub.app.handle(
        new Request(`http://localhost${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
      return (await res.json()) as any;
    };
    const token = (await call("POST", "/api/cameras/ridge/token", OPERATOR)).token;
    const poll = PollResponse.parse(await call("POST", "/agent/v1/state", token, observedState({}, { offsetMs: null })));
    const { db } = openEdgeDb(join(mkdtempSync(join(tmpdir(), "skylapse-extrapolation-")), "agent.sqlite"));
    const store = new DesiredStore(db);
    store.apply(poll.etag, poll.desired, Date.parse("2026-11-24T12:00:00Z"));

    const friday = Date.parse("2026-11-27T19:00:00Z");
    const windows = store.windows(friday);
    const planned = windows.filter((w) => !w.extrapolated);
    const extra = windows.filter((w) => w.extrapolated);
    expect(planned.map((w) => `${w.schedule} ${localDay(w)}`)).toEqual(["workday 2026-11-24", "project 2026-11-24"]);
    // Wednesday 25 … Sunday 29: the cron's weekdays, the weekend rule's days, the project until its last date.
    const byDay = (name: string) => extra.filter((w) => w.schedule === name).map(localDay);
    expect(byDay("workday")).toEqual(["2026-11-25", "2026-11-26", "2026-11-27"]);
    expect(byDay("weekend")).toEqual(["2026-11-28", "2026-11-29"]);
    expect(byDay("project")).toEqual(["2026-11-25", "2026-11-26"]);

    // The same ticks the hub plans for those days.
    const from = Date.parse(poll.desired.plan.to);
    const to = Math.max(...extra.map((w) => Date.parse(w.end)));
    const hubPlan = await call("GET", `/api/cameras/ridge/plan?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`, OPERATOR);
    const keys = (ws: PlanWindow[]) => plannedTicks(ws, from, to).map((t) => `${t.at}|${t.schedule}`);
    expect(keys(extra)).toEqual(keys(hubPlan.windows));
    // Sunset falls in the workday's hours: six cron instants a day are the denser sunset schedule's.
    expect(keys(extra).length).toBe(3 * 72 + 2 * 60 + 2 * 240 - 2 * 6);
  });
});
