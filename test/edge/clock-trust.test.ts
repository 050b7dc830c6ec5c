import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../shared/clock";
import type { PlanWindow } from "../../shared/contracts/plan";
import { emptyCaptureRecord } from "../../shared/contracts/sync";
import { AgentClock, type ClockMemory } from "../../edge/clock";
import { CaptureLog, Outbox, type NewCaptureRecord } from "../../edge/capture/log";
import { retimeStepped } from "../../edge/capture/retime";
import { openEdgeDb } from "../../edge/db/client";

const T0 = Date.parse("2026-11-24T14:00:00Z");
const HOUR = 3_600_000;
const options = { lastTrusted: null, configuredTrusted: false, ntpSyncFile: null, monotonicOrigin: 0 };

describe("clock trust within one OS boot", () => {
  const memory = (over: Partial<ClockMemory> = {}): ClockMemory => ({
    boot_id: "boot-a",
    agent_since_mono: 5_000,
    source: "hub",
    correction_ms: 3 * HOUR,
    confirmed_mono: 9_000,
    system_at: T0 - 3 * HOUR,
    ...over,
  });

  test("a restart in the same boot keeps the source, the correction and when the clock was last known right", () => {
    const clock = new AgentClock(new ManualClock(T0 - 3 * HOUR + 60_000), { ...options, bootId: "boot-a", memory: memory() });
    expect(clock.inherited).toBe(true);
    expect(clock.state()).toMatchObject({ trusted: true, source: "hub", correction_ms: 3 * HOUR });
    expect(clock.now()).toBe(T0 + 60_000);
    expect(clock.agentSinceMono).toBe(5_000);
    expect(clock.memory()).toMatchObject({ boot_id: "boot-a", confirmed_mono: 9_000, agent_since_mono: 5_000 });
  });

  test("a changed boot id starts untrusted, without the correction; so does a clock set back within the boot", () => {
    const rebooted = new AgentClock(new ManualClock(T0 - 3 * HOUR + 60_000), { ...options, bootId: "boot-b", memory: memory() });
    expect(rebooted.state()).toMatchObject({ trusted: false, source: "untrusted", correction_ms: 0 });
    const setBack = new AgentClock(new ManualClock(T0 - 4 * HOUR), { ...options, bootId: "boot-a", memory: memory() });
    expect(setBack.trusted).toBe(false);
    // Configuration still counts after a reboot.
    expect(new AgentClock(new ManualClock(T0), { ...options, configuredTrusted: true, bootId: "boot-b", memory: memory() }).state().source).toBe("configured");
  });

  test("an answer that took long cannot step a right clock; a confirmation marks the clock right from then", () => {
    const base = new ManualClock(T0);
    const clock = new AgentClock(base, { ...options, configuredTrusted: true, bootId: "boot-a" });
    expect(clock.observeServerTime(T0 + 10_000, 15_000)).toEqual({ correctedBy: 0, becameTrusted: false, wrongSinceMono: null });
    const stepped = clock.observeServerTime(T0 - HOUR);
    expect(stepped.correctedBy).toBe(-HOUR);
    expect(stepped.wrongSinceMono).not.toBeNull();
  });
});

describe("records re-timed after a step", () => {
  const windows: PlanWindow[] = [{ schedule: "morning", start: new Date(T0).toISOString(), end: new Date(T0 + HOUR).toISOString(), interval_seconds: 10, profiles: ["f"], extrapolated: false }];
  const record = (seq: number, plannedAt: number, over: Partial<NewCaptureRecord> = {}) => ({
    ...emptyCaptureRecord({ id: `r${seq}`, planned_at: new Date(plannedAt).toISOString(), schedule: "morning", profile_id: "f", boot_id: "boot-a" }),
    seq,
    ...over,
  });

  test("a capture answers the tick its true time falls on; a miss of a tick still ahead is dropped, one already past stays", () => {
    // The clock ran an hour ahead: what it logged at 15:00:10 really happened at 14:00:10.
    const wrong = T0 + HOUR;
    const records = [
      record(1, wrong + 10_000, { outcome: "captured", captured_at: new Date(wrong + 10_400).toISOString(), monotonic_ms: 10_400 }),
      record(2, wrong + 20_000, { outcome: "missed", reason_code: "late", monotonic_ms: 27_000 }),
      record(3, T0 - 600_000, { outcome: "missed", reason_code: "agent_down", monotonic_ms: 1_000 }),
      record(4, wrong + HOUR + 600_000, { outcome: "captured", captured_at: new Date(wrong + HOUR + 600_000).toISOString(), monotonic_ms: 20_000 }),
    ];
    const timeAt = (mono: number) => T0 + mono;
    const { moves, drop } = retimeStepped(records, -HOUR, timeAt, () => windows);
    expect(drop).toEqual([2]);
    expect(moves.get(1)).toEqual({ plannedAt: T0 + 10_000, capturedAt: T0 + 10_400, shiftMs: -HOUR, schedule: "morning" });
    // Its true time is past the plan's window: a capture off the plan, at its true time.
    expect(moves.get(4)).toMatchObject({ plannedAt: T0 + HOUR + 600_000, schedule: undefined });
    expect(moves.has(3)).toBe(false);
  });

  test("the log moves records without a clash, and sets aside what an earlier boot could not date", () => {
    const { db } = openEdgeDb(join(mkdtempSync(join(tmpdir(), "skylapse-retime-")), "agent.sqlite"));
    const log = new CaptureLog(db);
    const outbox = new Outbox(db);
    const commit = (r: NewCaptureRecord) => log.commit(r, T0);
    commit(record(0, T0 + 10_000, { outcome: "captured" }));
    const b = commit(record(0, T0 + HOUR + 10_000, { id: "b", outcome: "captured" }));
    // b's true tick is taken by a: it moves a millisecond on, answering no tick.
    log.retime(new Map([[b, { plannedAt: T0 + 10_000, capturedAt: T0 + 10_000, shiftMs: -HOUR }]]));
    expect(log.byId("b")!.planned_at).toBe(new Date(T0 + 10_001).toISOString());
    expect(log.byId("b")!.time_corrected_ms).toBe(-HOUR);
    expect(log.has(T0 + 10_000, "f")).toBe(true);
    // An earlier boot: a safety capture never dated, and a record dated tomorrow.
    commit(record(0, T0 + 20_000, { id: "s", boot_id: "boot-0", schedule: "clock_untrusted", clock_trusted: false, outcome: "captured" }));
    commit(record(0, T0 + 24 * HOUR, { id: "t", boot_id: "boot-0", outcome: "captured" }));
    expect(log.setAsideUndatable("boot-a", T0 + 60_000)).toBe(2);
    expect(outbox.next(10).map((r) => r.id).sort()).toEqual(["b", "r0"]);
    expect(log.byId("t")!.clock_trusted).toBe(false);
    // Neither holds a tick of the plan any more.
    expect(log.has(T0 + 24 * HOUR, "f")).toBe(false);
    expect(log.lastPlannedAt(T0 + 48 * HOUR)).toBe(T0 + 10_001);
  });
});
