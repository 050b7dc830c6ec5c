import { afterEach, describe, expect, setSystemTime, test } from "bun:test";
import { ManualClock, SimulatedClock, SystemClock } from "../../shared/clock";
import { clockFromEnv, readEnv } from "../../shared/env";

const START = Date.parse("2026-06-21T04:00:00Z");
const ANCHOR = Date.parse("2025-01-01T00:00:00Z");

afterEach(() => setSystemTime()); // back to the real time

describe("SimulatedClock", () => {
  test("sim = start + (real − anchor) × speed", () => {
    const clock = new SimulatedClock({ start: START, speed: 60, anchor: ANCHOR });
    setSystemTime(new Date(ANCHOR));
    expect(clock.now()).toBe(START);
    setSystemTime(new Date(ANCHOR + 10_000));
    expect(clock.now()).toBe(START + 600_000);
    setSystemTime(new Date(ANCHOR + 60_000));
    expect(clock.now()).toBe(START + 3_600_000);
    expect(clock.speed).toBe(60);
  });

  test("a real time before the anchor maps before start", () => {
    const clock = new SimulatedClock({ start: START, speed: 2, anchor: ANCHOR });
    setSystemTime(new Date(ANCHOR - 1000));
    expect(clock.now()).toBe(START - 2000);
  });

  test("whole milliseconds even at fractional speeds", () => {
    const clock = new SimulatedClock({ start: START, speed: 1.5, anchor: ANCHOR });
    setSystemTime(new Date(ANCHOR + 1));
    expect(clock.now()).toBe(START + 1);
    expect(Number.isInteger(clock.now())).toBe(true);
  });

  test("two clocks with the same start, speed and anchor agree, whenever they were created", () => {
    setSystemTime(new Date(ANCHOR + 5_000));
    const a = new SimulatedClock({ start: START, speed: 600, anchor: ANCHOR });
    setSystemTime(new Date(ANCHOR + 50_000));
    const b = new SimulatedClock({ start: START, speed: 600, anchor: ANCHOR });
    expect(a.now()).toBe(b.now());
    expect(a.now()).toBe(START + 30_000_000);
  });

  test("sleepUntil resolves once the simulated time is due (speed shortens the real wait)", async () => {
    const clock = new SimulatedClock({ start: START, speed: 1000, anchor: Date.now() });
    const target = clock.now() + 60_000; // one simulated minute = 60 real ms
    const realStart = performance.now();
    await clock.sleepUntil(target);
    expect(clock.now()).toBeGreaterThanOrEqual(target);
    expect(performance.now() - realStart).toBeLessThan(2000);
  });

  test("sleepUntil a past time returns at once; an abort ends the wait", async () => {
    const clock = new SimulatedClock({ start: START, speed: 1, anchor: Date.now() });
    await clock.sleepUntil(START - 1000);
    const controller = new AbortController();
    const waiting = clock.sleepUntil(START + 3_600_000, controller.signal);
    controller.abort();
    await waiting;
    expect(clock.now()).toBeLessThan(START + 3_600_000);
  });
});

describe("SystemClock", () => {
  test("reads the system time at speed 1", () => {
    const clock = new SystemClock();
    setSystemTime(new Date(START));
    expect(clock.now()).toBe(START);
    expect(clock.speed).toBe(1);
  });

  test("monotonic time does not follow system clock steps", () => {
    const clock = new SystemClock();
    const m0 = clock.monotonic();
    setSystemTime(new Date(ANCHOR - 86_400_000));
    expect(clock.monotonic()).toBeGreaterThanOrEqual(m0);
  });
});

describe("ManualClock", () => {
  test("moves only by hand", () => {
    const clock = new ManualClock(START);
    expect(clock.now()).toBe(START);
    clock.advance(1500);
    expect(clock.now()).toBe(START + 1500);
    clock.set(START + 10_000);
    expect(clock.now()).toBe(START + 10_000);
  });

  test("sleepUntil resolves when the time is set to or past the target, not before", async () => {
    const clock = new ManualClock(START);
    const woke: string[] = [];
    const early = clock.sleepUntil(START + 1000).then(() => woke.push("early"));
    const late = clock.sleepUntil(START + 5000).then(() => woke.push("late"));
    clock.advance(999);
    await Promise.resolve();
    expect(woke).toEqual([]);
    clock.advance(1);
    await early;
    expect(woke).toEqual(["early"]);
    clock.set(START + 6000);
    await late;
    expect(woke).toEqual(["early", "late"]);
  });

  test("sleepUntil now or in the past resolves at once; abort releases a waiter", async () => {
    const clock = new ManualClock(START);
    await clock.sleepUntil(START);
    await clock.sleepUntil(START - 1);
    const controller = new AbortController();
    let done = false;
    const waiting = clock.sleepUntil(START + 1000, controller.signal).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    controller.abort();
    await waiting;
    expect(done).toBe(true);
    expect(clock.now()).toBe(START);
  });
});

describe("readEnv", () => {
  test("keeps prefixed variables, trimmed; drops empty and blank values", () => {
    expect(
      readEnv({ SKYLAPSE_PORT: " 8082 ", SKYLAPSE_EMPTY: "", SKYLAPSE_BLANK: "   ", SKYLAPSE_UNSET: undefined, PATH: "/usr/bin", skylapse_lower: "x" }),
    ).toEqual({ SKYLAPSE_PORT: "8082" });
  });

  test("another prefix", () => {
    expect(readEnv({ EDGE_HUB: "http://hub", SKYLAPSE_HUB: "x" }, "EDGE_")).toEqual({ EDGE_HUB: "http://hub" });
  });
});

describe("clockFromEnv", () => {
  test("no SKYLAPSE_CLOCK_START gives the system clock", () => {
    const clock = clockFromEnv(readEnv({ SKYLAPSE_CLOCK_START: "", SKYLAPSE_CLOCK_SPEED: " " }));
    expect(clock).toBeInstanceOf(SystemClock);
  });

  test("START, SPEED and ANCHOR build the simulated clock", () => {
    const clock = clockFromEnv({
      SKYLAPSE_CLOCK_START: "2026-06-21T04:00:00Z",
      SKYLAPSE_CLOCK_SPEED: "60",
      SKYLAPSE_CLOCK_ANCHOR: "2025-01-01T00:00:00Z",
    });
    expect(clock).toBeInstanceOf(SimulatedClock);
    expect(clock.speed).toBe(60);
    setSystemTime(new Date(ANCHOR + 1000));
    expect(clock.now()).toBe(START + 60_000);
  });

  test("without ANCHOR the process start anchors the clock; speed defaults to 1", () => {
    const processStart = ANCHOR + 123_000;
    const clock = clockFromEnv({ SKYLAPSE_CLOCK_START: "2026-06-21T04:00:00Z" }, processStart);
    expect(clock.speed).toBe(1);
    setSystemTime(new Date(processStart + 5000));
    expect(clock.now()).toBe(START + 5000);
  });

  test("bad values are rejected with a message naming the variable", () => {
    const start = { SKYLAPSE_CLOCK_START: "2026-06-21T04:00:00Z" };
    expect(() => clockFromEnv({ SKYLAPSE_CLOCK_START: "yesterday" })).toThrow("SKYLAPSE_CLOCK_START: must be an ISO 8601 time");
    expect(() => clockFromEnv({ ...start, SKYLAPSE_CLOCK_SPEED: "fast" })).toThrow(/invalid clock settings: SKYLAPSE_CLOCK_SPEED:/);
    expect(() => clockFromEnv({ ...start, SKYLAPSE_CLOCK_SPEED: "0" })).toThrow(/SKYLAPSE_CLOCK_SPEED: Too small/);
    expect(() => clockFromEnv({ ...start, SKYLAPSE_CLOCK_SPEED: "1000000" })).toThrow(/SKYLAPSE_CLOCK_SPEED: Too big/);
    expect(() => clockFromEnv({ ...start, SKYLAPSE_CLOCK_ANCHOR: "soon" })).toThrow("SKYLAPSE_CLOCK_ANCHOR: must be an ISO 8601 time");
  });

  test("SPEED or ANCHOR without START is refused", () => {
    expect(() => clockFromEnv({ SKYLAPSE_CLOCK_SPEED: "10" })).toThrow("SKYLAPSE_CLOCK_SPEED and SKYLAPSE_CLOCK_ANCHOR need SKYLAPSE_CLOCK_START");
    expect(() => clockFromEnv({ SKYLAPSE_CLOCK_ANCHOR: "2025-01-01T00:00:00Z" })).toThrow("need SKYLAPSE_CLOCK_START");
  });

  // Date.parse would take "1" as 2001-01-01 and read zone-less text in the local zone.
  test("a non-ISO SKYLAPSE_CLOCK_START is rejected", () => {
    expect(() => clockFromEnv({ SKYLAPSE_CLOCK_START: "1" })).toThrow("SKYLAPSE_CLOCK_START");
  });
});
