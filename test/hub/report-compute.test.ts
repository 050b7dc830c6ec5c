/** Pure computations behind the sync report, contact history and fleet summary: no server, no database. */
import { describe, expect, test } from "bun:test";
import { MissReason, type ObservedState } from "../../shared/contracts/sync";
import { type ContactState, onContact, outageThresholdMs } from "../../hub/agents/contact-history";
import { tickKey } from "../../hub/agents/service";
import { parseArgs, parseTime, UsageError } from "../../shared/cli/args";
import { duration, table } from "../../shared/cli/table";
import { computeFleet, type FleetCameraRow } from "../../hub/fleet/compute";
import { computeReport, MISS_BUCKETS, type ReportInput, type ReportRecord } from "../../hub/reports/compute";
import { observedState } from "../harness/fixtures";

const T0 = Date.parse("2026-11-24T12:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;

const observed = (overrides: Partial<ObservedState> = {}) => observedState(overrides, { now: T0, offsetMs: 12 });

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    cameraId: "ridge",
    timezone: "America/Denver",
    from: T0,
    to: T0 + 24 * HOUR,
    now: T0 + 24 * HOUR,
    ticks: [],
    firstContactAt: T0,
    records: [],
    outages: [],
    clockSamples: [],
    observed: null,
    lastContactAt: null,
    outageThresholdMs: 5 * MIN,
    ...overrides,
  };
}

const rec = (at: number, outcome: ReportRecord["outcome"], reasonCode: ReportRecord["reasonCode"] = null, profileId = "f", recovered = false, schedule = "sunrise", variant = false): ReportRecord => ({
  plannedAt: at,
  schedule,
  profileId,
  variant,
  outcome,
  reasonCode,
  recovered,
});
const tick = (at: number, profile = "f", schedule = "sunrise") => ({ at, schedule, profile });

describe("computeReport", () => {
  test("planned = captured + missed, with a tick missed for every reason and one not reported", async () => {
    const ticks = Array.from({ length: 10 }, (_, i) => tick(T0 + HOUR + i * 15_000));
    const records: ReportRecord[] = [
      rec(ticks[0]!.at, "captured"),
      rec(ticks[1]!.at, "captured", null, "f", true),
      // One record per miss reason, on ticks 2..7.
      ...MissReason.options.map((reason, i) => rec(ticks[2 + i]!.at, reason === "camera_error" || reason === "disk_full" || reason === "no_snapshot" ? "failed" : "missed", reason)),
      // Tick 8: failed without a code counts as a camera error. Tick 9: nothing at the hub.
      rec(ticks[8]!.at, "failed", null),
      // Off the plan: a capture taken while the clock was untrusted, and a missed record for no tick.
      rec(T0 + HOUR + 7_000, "captured"),
      rec(T0 + HOUR + 8_000, "missed", "late"),
      // Another profile at an instant already answered by its own is not that tick.
      rec(ticks[0]!.at, "captured", null, "g"),
    ];
    const r = computeReport(input({ ticks, records }));
    expect(r.planned).toBe(10);
    expect(r.captured).toBe(2);
    expect(r.missed).toBe(8);
    expect(r.missed_by_reason).toEqual({
      camera_error: 2,
      disk_full: 1,
      clock_untrusted: 1,
      agent_down: 1,
      late: 1,
      no_snapshot: 1,
      not_reported: 1,
    });
    expect(Object.keys(r.missed_by_reason).sort()).toEqual([...MISS_BUCKETS].sort());
    expect(r.unplanned).toBe(2);
    expect(r.uploaded).toBe(records.length);
    expect(r.recovered).toBe(1);
    expect(r.planned).toBe(r.captured + r.missed);
  });

  test("a tick with a captured and a missed record counts once, as captured; duplicate ticks count once", async () => {
    const at = T0 + HOUR;
    const r = computeReport(input({ ticks: [tick(at), tick(at)], records: [rec(at, "missed", "late"), rec(at, "captured")] }));
    expect(r).toMatchObject({ planned: 1, captured: 1, missed: 0, unplanned: 0 });
  });

  test("the invariant holds for arbitrary inputs", async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const outcomes = ["captured", "failed", "missed"] as const;
    const reasons = [...MissReason.options, null];
    for (let round = 0; round < 50; round++) {
      const ticks = Array.from({ length: Math.floor(rand() * 40) }, () => tick(T0 + Math.floor(rand() * 60) * 15_000, rand() < 0.5 ? "f" : "g"));
      const records = Array.from({ length: Math.floor(rand() * 60) }, () =>
        rec(T0 + Math.floor(rand() * 70) * 15_000, outcomes[Math.floor(rand() * 3)]!, reasons[Math.floor(rand() * reasons.length)]!, rand() < 0.5 ? "f" : "g"),
      );
      const r = computeReport(input({ ticks, records, now: T0 + Math.floor(rand() * 20) * MIN }));
      const byReason = Object.values(r.missed_by_reason).reduce((a, b) => a + b, 0);
      expect(r.planned).toBe(r.captured + r.missed);
      expect(byReason).toBe(r.missed);
      expect(r.planned + r.upcoming).toBe(new Set(ticks.map((t) => `${t.at}|${t.profile}`)).size);
      expect(r.uploaded).toBe(records.length);
    }
  });

  test("ticks not yet due are upcoming: neither planned nor missed", async () => {
    const ticks = [0, 1, 2, 3].map((i) => tick(T0 + i * MIN));
    const r = computeReport(input({ ticks, now: T0 + 2 * MIN }));
    expect(r).toMatchObject({ planned: 2, captured: 0, missed: 2, upcoming: 2 });
    expect(r.missed_by_reason.not_reported).toBe(2);
    // A tick answered early (an agent clock a little ahead) is planned and captured.
    const early = computeReport(input({ ticks, now: T0 + 2 * MIN, records: [rec(T0 + 2 * MIN, "captured")] }));
    expect(early).toMatchObject({ planned: 3, captured: 1, missed: 2, upcoming: 1 });
  });

  test("a production record at a tick's instant and schedule answers it under any profile; a variant or another schedule does not", async () => {
    const at = T0 + HOUR;
    const ticks = [tick(at), tick(at + 15_000), tick(at + 30_000), tick(at + 45_000)];
    const records = [
      // A technician's hand deploy: profile h at a planned instant of the schedule.
      rec(at, "captured", null, "h"),
      // A rollout between polls: the new profile g answers a tick still planned with f.
      rec(at + 15_000, "captured", null, "g"),
      // An A/B variant alone is not a production capture.
      rec(at + 30_000, "captured", null, "g", false, "sunrise", true),
      // Another schedule's capture at the same instant is not this schedule's.
      rec(at + 45_000, "captured", null, "g", false, "manual"),
    ];
    const r = computeReport(input({ ticks, records }));
    expect(r).toMatchObject({ planned: 4, captured: 2, missed: 2, unplanned: 2, uploaded: 4 });
  });

  test("outages: those overlapping the range, with duration and catch-up time; an ongoing one from the last contact", async () => {
    const from = T0;
    const to = T0 + 24 * HOUR;
    const r = computeReport(
      input({
        from,
        to,
        now: to + 2 * HOUR,
        lastContactAt: to - HOUR,
        outages: [
          { from: from - 3 * HOUR, to: from - HOUR, backlogAtReturn: 5, oldestPendingAt: null, caughtUpAt: from - HOUR },
          { from: from - HOUR, to: from + HOUR, backlogAtReturn: 240, oldestPendingAt: from - 50 * MIN, caughtUpAt: from + HOUR + 3 * MIN },
          { from: from + 5 * HOUR, to: from + 7 * HOUR, backlogAtReturn: 480, oldestPendingAt: from + 5 * HOUR, caughtUpAt: null },
          { from: to + 10 * MIN, to: to + 20 * MIN, backlogAtReturn: 1, oldestPendingAt: null, caughtUpAt: null },
        ],
      }),
    );
    expect(r.outages).toEqual([
      {
        from: "2026-11-24T11:00:00.000Z",
        to: "2026-11-24T13:00:00.000Z",
        duration_s: 7200,
        backlog_at_return: 240,
        oldest_pending_at: "2026-11-24T11:10:00.000Z",
        caught_up_at: "2026-11-24T13:03:00.000Z",
        catch_up_s: 180,
        ongoing: false,
      },
      {
        from: "2026-11-24T17:00:00.000Z",
        to: "2026-11-24T19:00:00.000Z",
        duration_s: 7200,
        backlog_at_return: 480,
        oldest_pending_at: "2026-11-24T17:00:00.000Z",
        caught_up_at: null,
        catch_up_s: null,
        ongoing: false,
      },
      {
        from: "2026-11-25T11:00:00.000Z",
        to: null,
        duration_s: 3 * 3600,
        backlog_at_return: null,
        oldest_pending_at: null,
        caught_up_at: null,
        catch_up_s: null,
        ongoing: true,
      },
    ]);
  });

  test("backlog, clock and incidents come from the latest observed state; samples from the range", async () => {
    const obs = observed({
      backlog: 42,
      oldest_pending_at: new Date(T0 + 23 * HOUR).toISOString(),
      clock: { now: new Date(T0).toISOString(), trusted: false, source: "untrusted", offset_ms: -900, correction_ms: 0 },
      incidents: [{ kind: "clock_untrusted", at: new Date(T0 + 22 * HOUR).toISOString(), detail: "no NTP" }],
    });
    const r = computeReport(
      input({
        observed: obs,
        lastContactAt: T0 + 24 * HOUR - MIN,
        clockSamples: [
          { at: T0 - MIN, offsetMs: 5, trusted: true, source: "hub", correctionMs: 0 },
          { at: T0 + 10 * MIN, offsetMs: 7, trusted: true, source: "hub", correctionMs: 0 },
          { at: T0 + 20 * MIN, offsetMs: -900, trusted: false, source: "untrusted", correctionMs: 0 },
        ],
      }),
    );
    expect(r.backlog).toEqual({ count: 42, oldest_pending_at: "2026-11-25T11:00:00.000Z", age_s: 3600 });
    expect(r.clock.current).toMatchObject({ trusted: false, offset_ms: -900, reported_at: "2026-11-25T11:59:00.000Z" });
    expect(r.clock.offset_samples.map((s) => s.offset_ms)).toEqual([7, -900]);
    expect(r.incidents).toEqual(obs.incidents);
    expect(r.outages).toEqual([]);
  });
});

describe("contact history (onContact)", () => {
  const fresh: ContactState = { lastAt: null, awaitingCatchUp: false, lastSampleAt: null };

  test("the outage threshold is 3 poll intervals, never under 5 minutes", async () => {
    expect(outageThresholdMs(60)).toBe(5 * MIN);
    expect(outageThresholdMs(600)).toBe(30 * MIN);
  });

  test("a gap over the threshold is an outage with the backlog at return; the first empty backlog closes it", async () => {
    let state = onContact("ridge", fresh, observed(), T0, 60).state;
    const short = onContact("ridge", state, observed(), T0 + 5 * MIN, 60);
    expect(short.events.filter((e) => e.kind === "outage")).toEqual([]);
    state = short.state;
    const back = onContact("ridge", state, observed({ backlog: 300, oldest_pending_at: new Date(T0 + 6 * MIN).toISOString() }), T0 + 2 * HOUR, 60);
    expect(back.events.filter((e) => e.kind === "outage")).toEqual([
      { kind: "outage", cameraId: "ridge", from: T0 + 5 * MIN, to: T0 + 2 * HOUR, backlogAtReturn: 300, oldestPendingAt: T0 + 6 * MIN, caughtUpAt: null },
    ]);
    const draining = onContact("ridge", back.state, observed({ backlog: 100 }), T0 + 2 * HOUR + MIN, 60);
    expect(draining.events.filter((e) => e.kind === "caught_up")).toEqual([]);
    const done = onContact("ridge", draining.state, observed(), T0 + 2 * HOUR + 2 * MIN, 60);
    expect(done.events.filter((e) => e.kind === "caught_up")).toEqual([{ kind: "caught_up", cameraId: "ridge", at: T0 + 2 * HOUR + 2 * MIN }]);
    expect(done.state.awaitingCatchUp).toBe(false);
  });

  test("returning with nothing pending is caught up at once", async () => {
    const state = { ...fresh, lastAt: T0 };
    const { events, state: after } = onContact("ridge", state, observed(), T0 + HOUR, 60);
    expect(events.find((e) => e.kind === "outage")).toMatchObject({ caughtUpAt: T0 + HOUR });
    expect(after.awaitingCatchUp).toBe(false);
  });

  test("clock samples at most every 10 minutes", async () => {
    let state = fresh;
    const sampledAt: number[] = [];
    for (let m = 0; m <= 25; m++) {
      const r = onContact("ridge", state, observed(), T0 + m * MIN, 60);
      state = r.state;
      for (const e of r.events) if (e.kind === "clock") sampledAt.push((e.at - T0) / MIN);
    }
    expect(sampledAt).toEqual([0, 10, 20]);
  });
});

describe("fleet summary", () => {
  const row = (id: string, lastContactAt: number | null, obs: Partial<ObservedState> | null): FleetCameraRow => ({
    id,
    createdAt: T0 - 48 * HOUR,
    lastContactAt,
    observed: obs ? observed(obs) : null,
  });
  const now = T0 + 3 * HOUR;

  test("cameras needing attention first, longest behind first; behind_since is the earlier of offline and oldest pending", async () => {
    const f = computeFleet(
      [
        row("alpha", now - 30_000, { backlog: 2, oldest_pending_at: new Date(now - 60_000).toISOString() }),
        row("bravo", now - 30_000, { backlog: 240, oldest_pending_at: new Date(now - HOUR).toISOString() }),
        row("charlie", now - 2 * HOUR, { backlog: 100, oldest_pending_at: new Date(now - 3 * HOUR).toISOString() }),
        row("delta", now - 2 * HOUR, { backlog: 0 }),
        row("echo", null, null),
        row("foxtrot", now - 30_000, { disk: { used_bytes: 9, free_bytes: 1, total_bytes: 10, images_bytes: 9, budget_bytes: null, percent: 90, warning: true } }),
      ],
      60,
      now,
    );
    expect(f.cameras.map((c) => [c.id, c.attention])).toEqual([
      ["charlie", ["offline", "behind"]],
      ["delta", ["offline"]],
      ["bravo", ["behind"]],
      ["foxtrot", ["disk"]],
      ["alpha", []],
      ["echo", []],
    ]);
    const by = Object.fromEntries(f.cameras.map((c) => [c.id, c]));
    expect(by.charlie).toMatchObject({ online: false, offline_since: "2026-11-24T13:00:00.000Z", behind_since: "2026-11-24T12:00:00.000Z" });
    expect(by.delta).toMatchObject({ offline_since: "2026-11-24T13:00:00.000Z", behind_since: "2026-11-24T13:00:00.000Z" });
    // Registered, never heard from: waiting for its first contact, not offline.
    expect(by.echo).toMatchObject({ status: "waiting_for_first_contact", online: false, last_contact_at: null, offline_since: null, behind_since: null });
    expect(by.charlie!.status).toBe("offline");
    expect(by.bravo).toMatchObject({ online: true, offline_since: null, behind_since: "2026-11-24T14:00:00.000Z", backlog: 240 });
    expect(by.alpha!.online).toBe(true);
    expect(by.alpha!.status).toBe("online");
    expect(f.totals).toEqual({ cameras: 6, online: 3, waiting_for_first_contact: 1, attention: 4 });
  });

  test("a camera waiting for its first contact is neither offline nor unconverged; one in contact before is", async () => {
    const assignment = { profile_id: "f", version: "latest", resolved_version: "1.0.0", running: null, converged: false, since: new Date(T0).toISOString() };
    const f = computeFleet(
      [
        { ...row("new", null, null), assignment },
        { ...row("live", null, null), firstContactAt: T0, assignment },
      ],
      60,
      now,
    );
    const by = Object.fromEntries(f.cameras.map((c) => [c.id, c]));
    expect(by.new).toMatchObject({ status: "waiting_for_first_contact", attention: [], offline_since: null });
    // The hub drove it (live mode) without a poll: its life began, so it is offline since then.
    expect(by.live).toMatchObject({ status: "offline", attention: ["offline", "not_converged"], first_contact_at: new Date(T0).toISOString(), offline_since: new Date(T0).toISOString() });
  });

  test("online means contact within 3 poll intervals", async () => {
    const f = computeFleet([row("a", now - 3 * MIN, {}), row("b", now - 3 * MIN - 1, {})], 60, now);
    expect(f.cameras.map((c) => [c.id, c.online])).toEqual([
      ["b", false],
      ["a", true],
    ]);
  });
});

describe("natural key", () => {
  test("the same tick under another id or log has the same key; test arms and profiles differ", async () => {
    const base = { planned_at: "2026-11-24T13:30:15Z", profile_id: "f", test_id: null, test_role: null };
    expect(tickKey(base)).toBe(tickKey({ ...base, planned_at: "2026-11-24T13:30:15.000Z" }));
    expect(tickKey(base)).not.toBe(tickKey({ ...base, profile_id: "g" }));
    expect(tickKey({ ...base, test_id: "t1", test_role: "baseline" })).not.toBe(tickKey({ ...base, test_id: "t1", test_role: "variant" }));
  });
});

describe("CLI parsing and tables", () => {
  const spec = { name: "report", args: ["CAMERA"], flags: { from: { type: "string" as const, description: "" } } };

  test("positionals and flags in either form; unknown flags, missing and extra arguments are usage errors", async () => {
    expect(parseArgs(spec, ["ridge", "--from", "2026-11-24", "--json"])).toEqual({ args: { CAMERA: "ridge" }, flags: { from: "2026-11-24", json: true } });
    expect(parseArgs(spec, ["--from=2026-11-24", "ridge"]).flags.from).toBe("2026-11-24");
    for (const argv of [["ridge", "--nope"], [], ["ridge", "extra"], ["ridge", "--from"], ["ridge", "--json=1"], ["ridge", "-x"]])
      expect(() => parseArgs(spec, argv)).toThrow(UsageError);
  });

  test("dates need a zone, or are whole UTC days", async () => {
    expect(parseTime("from", "2026-11-24")).toBe(Date.parse("2026-11-24T00:00:00Z"));
    expect(parseTime("from", "2026-11-24T06:00:00+01:00")).toBe(Date.parse("2026-11-24T05:00:00Z"));
    for (const bad of ["yesterday", "2026-11-24T06:00:00", "2026-13-45", "2026-11-24T25:00:00Z"]) expect(() => parseTime("from", bad)).toThrow(UsageError);
  });

  test("tables align columns; durations read as h/m/s", async () => {
    expect(table(["A", "NUM"], [["x", "1"], ["long", "100"]], ["left", "right"])).toBe("A     NUM\nx       1\nlong  100");
    expect([45, 725, 3 * 3600 + 7 * 60, 2 * 86_400 + 4 * 3600].map(duration)).toEqual(["45s", "12m 05s", "3h 07m", "2d 04h"]);
  });
});
