/**
 * Which pictures go into a timelapse (hub/timelapses/frames.ts) and the
 * session rules (hub/timelapses/sessions.ts): pure functions, no hub.
 */
import { describe, expect, test } from "bun:test";
import type { PlanWindow } from "../../shared/contracts/plan";
import { type CaptureRow, type FrameSequence, frameSequence, gridSequence, gridShape, outputSize } from "../../hub/timelapses/frames";
import { closedSessions, pictured, sessionComplete, sessionSpec, sourceFor } from "../../hub/timelapses/sessions";
import { specKey, timelapseView } from "../../hub/timelapses/view";

const T0 = Date.parse("2026-11-24T13:30:00Z");
const S = 15_000;
/** Tick n of a 15 s grid. */
const at = (n: number) => T0 + n * S;

function row(n: number, overrides: Partial<CaptureRow> = {}): CaptureRow {
  return {
    cameraId: "ridge",
    captureId: `c${String(n).padStart(3, "0")}`,
    plannedAt: at(n),
    schedule: "sunrise",
    profileId: "f",
    outcome: "captured",
    variant: false,
    hasPicture: true,
    luma: 100 + n,
    width: 640,
    height: 360,
    ...overrides,
  };
}

const RULES = { schedules: new Set(["sunrise", "sunset"]) };
const ids = (s: FrameSequence) => s.frames.map((f) => f.captureId);

describe("frameSequence", () => {
  test("one frame per captured tick with a picture, in time order whatever order the rows come in", () => {
    const rows = [row(2), row(0), row(1)];
    const s = frameSequence(rows, [at(0), at(1), at(2)], RULES);
    expect(ids(s)).toEqual(["c000", "c001", "c002"]);
    expect(s.frames.map((f) => f.plannedAt)).toEqual([at(0), at(1), at(2)]);
    expect(s.frames[1]).toEqual({ cameraId: "ridge", captureId: "c001", plannedAt: at(1), luma: 101, width: 640, height: 360 });
    expect(s).toMatchObject({ missing: 0, ticks: 3 });
  });

  test("missed, failed and captured-without-picture ticks are missing, not frames", () => {
    const rows = [
      row(0),
      row(1, { outcome: "missed", hasPicture: false, width: null, height: null }),
      row(2, { outcome: "failed", hasPicture: false, width: null, height: null }),
      row(3, { hasPicture: false }),
      // A picture the record says nothing about the size of cannot be placed.
      row(4, { width: null, height: null }),
      row(5),
    ];
    const s = frameSequence(rows, [], RULES);
    expect(ids(s)).toEqual(["c000", "c005"]);
    expect(s).toMatchObject({ missing: 4, ticks: 6 });
  });

  test("planned ticks without any record are missing; ticks recorded but not planned still count", () => {
    const s = frameSequence([row(0), row(2), row(7)], [at(0), at(1), at(2), at(3), at(4)], RULES);
    expect(ids(s)).toEqual(["c000", "c002", "c007"]);
    // Ticks 0–4 planned plus tick 7 recorded: 6 ticks, 3 of them without a picture.
    expect(s).toMatchObject({ missing: 3, ticks: 6 });
  });

  test("no rows at all: every planned tick missing", () => {
    expect(frameSequence([], [at(0), at(1)], RULES)).toEqual({ frames: [], missing: 2, ticks: 2 });
  });

  test("an A/B variant is never a frame; the baseline at its tick is kept", () => {
    const rows = [
      // Variant first and with the lower id: still not chosen.
      row(0, { captureId: "a-variant", variant: true, luma: 180 }),
      row(0, { captureId: "z-baseline", luma: 100 }),
      // A tick whose baseline failed: the variant's picture does not stand in for it.
      row(1, { captureId: "a-variant-1", variant: true }),
      row(1, { captureId: "z-baseline-1", outcome: "failed", hasPicture: false, width: null, height: null }),
    ];
    const s = frameSequence(rows, [at(0), at(1)], RULES);
    expect(ids(s)).toEqual(["z-baseline"]);
    expect(s.frames[0]!.luma).toBe(100);
    expect(s).toMatchObject({ missing: 1, ticks: 2 });
  });

  test("a variant alone does not add a tick", () => {
    const s = frameSequence([row(0), row(1, { variant: true })], [], RULES);
    expect(s).toMatchObject({ missing: 0, ticks: 1 });
  });

  test("a named schedule keeps only its captures (and its ticks)", () => {
    const rows = [row(0), row(1, { schedule: "sunset" }), row(2), row(3, { schedule: "sunset", outcome: "missed", hasPicture: false })];
    const sunrise = frameSequence(rows, [], { ...RULES, schedule: "sunrise" });
    expect(ids(sunrise)).toEqual(["c000", "c002"]);
    expect(sunrise).toMatchObject({ missing: 0, ticks: 2 });
    const sunset = frameSequence(rows, [], { ...RULES, schedule: "sunset" });
    expect(ids(sunset)).toEqual(["c001"]);
    expect(sunset).toMatchObject({ missing: 1, ticks: 2 });
  });

  test("a named schedule outside the camera's rules is still honoured (a manual render of manual shots)", () => {
    const s = frameSequence([row(0, { schedule: "manual" }), row(1)], [], { ...RULES, schedule: "manual" });
    expect(ids(s)).toEqual(["c000"]);
  });

  test("a named profile keeps only its captures", () => {
    const rows = [row(0, { profileId: "f" }), row(0, { captureId: "g0", profileId: "g" }), row(1, { profileId: "f", outcome: "missed", hasPicture: false }), row(1, { captureId: "g1", profileId: "g" })];
    const g = frameSequence(rows, [], { ...RULES, profileId: "g" });
    expect(ids(g)).toEqual(["g0", "g1"]);
    expect(g).toMatchObject({ missing: 0, ticks: 2 });
    const f = frameSequence(rows, [], { ...RULES, profileId: "f" });
    expect(ids(f)).toEqual(["c000"]);
    expect(f).toMatchObject({ missing: 1, ticks: 2 });
  });

  test("with no schedule named, manual and focus shots (schedules outside the camera's rules) are left out entirely", () => {
    const rows = [row(0), row(1, { schedule: "manual" }), row(2, { schedule: "focus" }), row(3, { schedule: "sunset" }), row(4, { schedule: "manual", outcome: "failed", hasPicture: false })];
    const s = frameSequence(rows, [], RULES);
    expect(ids(s)).toEqual(["c000", "c003"]);
    // Neither a frame nor a missing tick.
    expect(s).toMatchObject({ missing: 0, ticks: 2 });
  });

  test("two captures at one instant (a burst of profiles): the same frame whatever the row order, the first profile by id", () => {
    // The burst captured b first (its id sorts first), but the choice is by profile, so a sequence never mixes profiles.
    const a = (n: number) => row(n, { captureId: `z${n}`, profileId: "a" });
    const b = (n: number) => row(n, { captureId: `a${n}`, profileId: "b" });
    const forward = frameSequence([a(0), b(0), b(1), a(1)], [], RULES);
    const backward = frameSequence([b(1), a(1), b(0), a(0)], [], RULES);
    expect(ids(forward)).toEqual(["z0", "z1"]);
    expect(ids(backward)).toEqual(ids(forward));
    expect(forward).toMatchObject({ missing: 0, ticks: 2 });
    // Same profile twice at one instant: the lower capture id, either order.
    const twice = [row(0, { captureId: "c2" }), row(0, { captureId: "c1" })];
    expect(ids(frameSequence(twice, [], RULES))).toEqual(["c1"]);
    expect(ids(frameSequence([...twice].reverse(), [], RULES))).toEqual(["c1"]);
  });

  test("a profile at an instant without a picture does not hide the other profile's picture", () => {
    const rows = [row(0, { captureId: "x", profileId: "a", outcome: "failed", hasPicture: false, width: null, height: null }), row(0, { captureId: "y", profileId: "b" })];
    const s = frameSequence(rows, [], RULES);
    expect(ids(s)).toEqual(["y"]);
    expect(s).toMatchObject({ missing: 0, ticks: 1 });
  });
});

describe("gridSequence", () => {
  const seq = (camera: string, ticks: number[], missing = 0): FrameSequence => ({
    frames: ticks.map((n) => ({ cameraId: camera, captureId: `${camera}-${n}`, plannedAt: at(n), luma: 100, width: 640, height: 360 })),
    missing,
    ticks: ticks.length + missing,
  });

  test("every tick any camera has a picture at; a camera without one holds its previous picture, and its first before it has any", () => {
    const grid = gridSequence([seq("a", [1, 2, 5]), seq("b", [0, 2, 3]), seq("c", [4])]);
    if ("error" in grid) throw new Error(grid.error);
    expect(grid.ticks).toEqual([0, 1, 2, 3, 4, 5].map(at));
    expect(grid.cells.map((c) => c.map((f) => f.captureId))).toEqual([
      ["a-1", "a-1", "a-2", "a-2", "a-2", "a-5"],
      ["b-0", "b-0", "b-2", "b-3", "b-3", "b-3"],
      ["c-4", "c-4", "c-4", "c-4", "c-4", "c-4"],
    ]);
    // Every column the same length, on the same instants where a camera has its own picture.
    for (const [c, cells] of grid.cells.entries()) {
      expect(cells).toHaveLength(grid.ticks.length);
      for (const [t, f] of cells.entries()) if (f.captureId === `${"abc"[c]}-${(grid.ticks[t]! - T0) / S}`) expect(f.plannedAt).toBe(grid.ticks[t]!);
    }
  });

  test("missing is the sum of each camera's own missing ticks (held cells are not counted again)", () => {
    const grid = gridSequence([seq("a", [0, 1], 3), seq("b", [1], 2)]);
    if ("error" in grid) throw new Error(grid.error);
    expect(grid.missing).toBe(5);
    expect(grid.ticks).toEqual([at(0), at(1)]);
  });

  test("a camera with no picture in the range is an error naming its index", () => {
    expect(gridSequence([seq("a", [0]), seq("b", [0]), seq("c", [], 4)])).toEqual({ error: "no pictures in the range", cameraIndex: 2 });
    expect(gridSequence([seq("a", [], 1), seq("b", [0])])).toMatchObject({ cameraIndex: 0 });
  });
});

describe("gridShape and outputSize", () => {
  test("as square as possible, wider than tall", () => {
    const shapes = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => gridShape(n));
    expect(shapes).toEqual([
      { cols: 1, rows: 1 },
      { cols: 2, rows: 1 },
      { cols: 2, rows: 2 },
      { cols: 2, rows: 2 },
      { cols: 3, rows: 2 },
      { cols: 3, rows: 2 },
      { cols: 3, rows: 3 },
      { cols: 3, rows: 3 },
      { cols: 3, rows: 3 },
    ]);
    for (const [i, s] of shapes.entries()) {
      expect(s.cols * s.rows).toBeGreaterThanOrEqual(i + 1);
      expect(s.cols).toBeGreaterThanOrEqual(s.rows);
    }
  });

  test("one camera at its own size when it fits; odd sizes rounded down to even", () => {
    expect(outputSize({ width: 1920, height: 1080 }, 1)).toEqual({ tile: { width: 1920, height: 1080 }, width: 1920, height: 1080, cols: 1, rows: 1 });
    expect(outputSize({ width: 641, height: 361 }, 1)).toMatchObject({ width: 640, height: 360 });
    // Never scaled up.
    expect(outputSize({ width: 320, height: 240 }, 4)).toMatchObject({ tile: { width: 320, height: 240 }, width: 640, height: 480 });
  });

  test("a large sensor is shrunk to fit 3840×2160, keeping its shape, even in both dimensions", () => {
    const o = outputSize({ width: 4056, height: 3040 }, 1);
    expect(o.width).toBeLessThanOrEqual(3840);
    expect(o.height).toBeLessThanOrEqual(2160);
    expect(o.height).toBeGreaterThanOrEqual(2156);
    expect(o.width % 2).toBe(0);
    expect(o.height % 2).toBe(0);
    expect(o.width / o.height).toBeCloseTo(4056 / 3040, 2);
  });

  test("a grid: tiles of one size, the whole within the bound, every size even", () => {
    for (const tiles of [2, 3, 4, 5, 9]) {
      for (const first of [{ width: 1920, height: 1080 }, { width: 4056, height: 3040 }, { width: 1001, height: 777 }]) {
        const o = outputSize(first, tiles);
        const { cols, rows } = gridShape(tiles);
        expect({ cols: o.cols, rows: o.rows }).toEqual({ cols, rows });
        expect(o.width).toBe(o.tile.width * cols);
        expect(o.height).toBe(o.tile.height * rows);
        expect(o.width).toBeLessThanOrEqual(3840);
        expect(o.height).toBeLessThanOrEqual(2160);
        for (const x of [o.width, o.height, o.tile.width, o.tile.height]) expect(x % 2).toBe(0);
      }
    }
    // Three 1080p cameras: a 2×2 grid of 1920×1080 tiles is exactly 4K.
    expect(outputSize({ width: 1920, height: 1080 }, 3)).toEqual({ tile: { width: 1920, height: 1080 }, width: 3840, height: 2160, cols: 2, rows: 2 });
    // Nine: 3×3 tiles of 1280×720.
    expect(outputSize({ width: 1920, height: 1080 }, 9)).toMatchObject({ tile: { width: 1280, height: 720 }, width: 3840, height: 2160 });
  });

  test("a smaller bound is honoured", () => {
    const o = outputSize({ width: 1920, height: 1080 }, 2, { width: 1280, height: 720 });
    expect(o).toMatchObject({ tile: { width: 640, height: 360 }, width: 1280, height: 360 });
  });
});

describe("sessions", () => {
  test("sourceFor: full images when the camera sends them for the schedule, else thumbnails", () => {
    expect(sourceFor(undefined, "sunrise")).toBe("full");
    expect(sourceFor("all", "sunrise")).toBe("full");
    expect(sourceFor("thumbnails", "sunrise")).toBe("thumbnails");
    expect(sourceFor({ schedules: ["sunset"] }, "sunset")).toBe("full");
    expect(sourceFor({ schedules: ["sunset"] }, "sunrise")).toBe("thumbnails");
    expect(sourceFor({ schedules: [] }, "sunset")).toBe("thumbnails");
  });

  const planned = [at(0), at(1), at(2)];

  test("sessionComplete: every planned tick recorded and every capture with its picture", () => {
    expect(sessionComplete([row(0), row(1), row(2)], planned, "sunrise")).toBe(true);
    // A missed tick has no picture to wait for.
    expect(sessionComplete([row(0), row(1, { outcome: "missed", hasPicture: false }), row(2)], planned, "sunrise")).toBe(true);
    // A planned tick without its record: not yet.
    expect(sessionComplete([row(0), row(2)], planned, "sunrise")).toBe(false);
    // A capture whose picture has not arrived: not yet.
    expect(sessionComplete([row(0), row(1, { hasPicture: false }), row(2)], planned, "sunrise")).toBe(false);
    // Nothing planned: complete.
    expect(sessionComplete([], [], "sunrise")).toBe(true);
  });

  test("sessionComplete: only the session's schedule and production captures count", () => {
    // Another schedule's record at tick 1 is not this session's record.
    expect(sessionComplete([row(0), row(1, { schedule: "sunset" }), row(2)], planned, "sunrise")).toBe(false);
    // Another schedule's picture still on its way does not hold this session.
    expect(sessionComplete([row(0), row(1), row(2), row(3, { schedule: "sunset", hasPicture: false })], planned, "sunrise")).toBe(true);
    // A variant is not the tick's record, and its missing picture holds nothing.
    expect(sessionComplete([row(0), row(1, { variant: true }), row(2)], planned, "sunrise")).toBe(false);
    expect(sessionComplete([row(0), row(1), row(1, { captureId: "v", variant: true, hasPicture: false }), row(2)], planned, "sunrise")).toBe(true);
  });

  test("pictured: distinct ticks of the schedule with a production picture", () => {
    const rows = [row(0), row(0, { captureId: "x", profileId: "g" }), row(1, { hasPicture: false }), row(2, { variant: true }), row(3, { schedule: "sunset" }), row(4, { outcome: "missed" })];
    expect(pictured(rows, "sunrise")).toBe(1);
    expect(pictured(rows, "sunset")).toBe(1);
  });

  const win = (schedule: string, start: number, end: number): PlanWindow => ({
    schedule,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    interval_seconds: 15,
    profiles: ["f"],
    extrapolated: false,
  });

  test("closedSessions: windows that ended in (now − lookback, now]", () => {
    const H = 3_600_000;
    const now = T0 + 48 * H;
    const lookback = 24 * H;
    const windows = [
      win("open", now - H, now + H), // still open
      win("just", now - H, now), // ends exactly now: closed
      win("recent", now - 3 * H, now - 2 * H),
      win("edge", now - lookback - H, now - lookback), // ended exactly a lookback ago: too old
      win("old", now - 40 * H, now - 39 * H),
      win("future", now + H, now + 2 * H),
    ];
    expect(closedSessions(windows, now, lookback).map((w) => w.schedule)).toEqual(["recent", "just"]);
    expect(closedSessions([], now, lookback)).toEqual([]);
  });

  test("closedSessions: a window a plan change cut in two (another profile from a poll mid-window) is one session", () => {
    const H = 3_600_000;
    const now = T0 + 48 * H;
    const first = win("sunrise", now - 3 * H, now - 2.5 * H);
    const second = { ...win("sunrise", now - 2.5 * H, now - 2 * H), profiles: ["g"] };
    const other = win("sunset", now - 2 * H, now - H);
    const sessions = closedSessions([second, other, first], now, 24 * H);
    expect(sessions.map((s) => [s.schedule, s.start, s.end, s.parts.length])).toEqual([
      ["sunrise", first.start, second.end, 2],
      ["sunset", other.start, other.end, 1],
    ]);
  });

  test("sessionSpec: the window's range and schedule, the policy's settings", () => {
    const w = { ...win("sunrise", at(0), at(20)), parts: [] };
    expect(sessionSpec("ridge", w, "thumbnails", { fps: 30, crf: 18, deflicker: "ffmpeg", settleMs: 1, lookbackMs: 1, scanEveryMs: 1 })).toEqual({
      camera_id: "ridge",
      from: w.start,
      to: w.end,
      schedule: "sunrise",
      fps: 30,
      crf: 18,
      deflicker: "ffmpeg",
      source: "thumbnails",
    });
  });
});

describe("jobs: specKey and timelapseView", () => {
  const spec = { camera_id: "ridge", from: "2026-11-24T13:30:00Z", to: "2026-11-24T13:35:00Z", fps: 24, crf: 20, deflicker: "none" as const, source: "full" as const };

  test("specKey: the same render however its times are written; any setting that changes the video changes the key", () => {
    const key = specKey(spec);
    expect(specKey({ ...spec, from: "2026-11-24T13:30:00.000Z", to: "2026-11-24T06:35:00-07:00" })).toBe(key);
    // One camera named either way is the same render.
    expect(specKey({ ...spec, camera_id: undefined, camera_ids: ["ridge"] })).toBe(key);
    const changed = [
      { ...spec, fps: 25 },
      { ...spec, crf: 21 },
      { ...spec, deflicker: "rolling" as const },
      { ...spec, source: "thumbnails" as const },
      { ...spec, schedule: "sunrise" },
      { ...spec, profile_id: "f" },
      { ...spec, to: "2026-11-24T13:35:01Z" },
      { ...spec, camera_id: "valley" },
    ];
    for (const s of changed) expect(specKey(s)).not.toBe(key);
    // A grid's order is its layout.
    const grid = { ...spec, camera_id: undefined };
    expect(specKey({ ...grid, camera_ids: ["a", "b"] })).not.toBe(specKey({ ...grid, camera_ids: ["b", "a"] }));
  });

  const job = {
    id: "tl_x",
    specKey: "k",
    origin: "request" as const,
    cameraIds: ["ridge"],
    fromAt: Date.parse("2026-11-24T13:30:00Z"),
    toAt: Date.parse("2026-11-24T13:35:00Z"),
    schedule: null,
    profileId: null,
    fps: 24,
    crf: 20,
    deflicker: "none" as const,
    source: "full" as const,
    status: "running" as const,
    attempt: 1,
    frames: 40,
    framesDone: 10,
    missing: 2,
    width: null,
    height: null,
    bytes: null,
    error: null,
    createdAt: Date.parse("2026-11-24T14:00:00Z"),
    startedAt: Date.parse("2026-11-24T14:00:01Z"),
    finishedAt: null,
    leaseUntil: null,
  };

  test("timelapseView: progress is frames encoded over frames; the video's links only once it is done", () => {
    const running = timelapseView(job);
    expect(running).toMatchObject({ id: "tl_x", status: "running", progress: 0.25, frames: 40, frames_done: 10, missing: 2, url: null, poster_url: null, from: "2026-11-24T13:30:00.000Z", started_at: "2026-11-24T14:00:01.000Z", finished_at: null });
    expect(timelapseView({ ...job, status: "queued", frames: 0, framesDone: 0 }).progress).toBe(0);
    expect(timelapseView({ ...job, framesDone: 50 }).progress).toBe(1);
    const done = timelapseView({ ...job, status: "done", framesDone: 40, width: 640, height: 360, bytes: 1000, finishedAt: job.startedAt + 5000 });
    expect(done).toMatchObject({ progress: 1, url: "/api/timelapses/tl_x/video", poster_url: "/api/timelapses/tl_x/poster" });
    expect(timelapseView({ ...job, status: "failed", error: "no pictures" })).toMatchObject({ url: null, error: "no pictures" });
  });
});
