/**
 * Exposure quality: the drift check over a camera's recent production frames
 * (pure), and how the report, the fleet and the CLI tables show it (in process,
 * time is a ManualClock).
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { ManualClock } from "../../shared/clock";
import { DEFAULT_QUALITY } from "../../shared/contracts/config";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { TARGET_LUMA } from "../../shared/image/measures";
import { createHub } from "../../hub/app";
import { callHub, hubOn, testHubDb } from "../harness/in-process";
import { testBackend } from "../harness/postgres";
import { formatFleet, formatReport } from "../../hub/cli/format";
import { applyConfig, applyConfigDiff, exportConfig, parseConfig } from "../../hub/config/service";
import { qualityPolicy } from "../../hub/config/settings";
import { type HubDb, sqliteHandle } from "../../hub/db/client";
import { computeFleet } from "../../hub/fleet/compute";
import { type ExposureFrame, exposureSummary } from "../../hub/quality/compute";
import { exposureQuery } from "../../hub/quality/data";
import { DENVER } from "../harness/scenario";
import { captureRecord, observedState } from "../harness/fixtures";

const OPERATOR = "operator-token-for-tests-0006";
const T0 = Date.parse("2026-11-24T12:00:00Z");
const TICK0 = Date.parse("2026-11-24T13:30:00Z");
const DAY = "from=2026-11-24T07:00:00Z&to=2026-11-25T07:00:00Z";
const POLICY = DEFAULT_QUALITY;

/** The mean luma of a frame `stops` from the target. */
const luma = (stops: number) => Math.round(TARGET_LUMA * 2 ** stops * 100) / 100;
const iso = (ms: number) => new Date(ms).toISOString();

describe("exposureSummary (pure)", () => {
  const frame = (tick: number, stops: number | null, over: Partial<ExposureFrame> = {}): ExposureFrame => ({
    plannedAt: TICK0 + tick * 15_000,
    capturedAt: TICK0 + tick * 15_000 + 800,
    profileId: "f",
    outcome: "captured",
    testRole: null,
    meanLuma: stops === null ? null : luma(stops),
    ...over,
  });
  const frames = (from: number, n: number, stops: number) => Array.from({ length: n }, (_, i) => frame(from + i, stops));

  test("no frames: nothing to say", async () => {
    expect(exposureSummary([], POLICY)).toEqual({ drifting: false, since: null, frames: 0, mean_stops: null, last_measured_at: null, recent_mean_luma: null, truncated: false, issues: [] });
  });

  test("drifting once the run of frames beyond drift_stops reaches drift_frames; since is the run's first planned time", async () => {
    const good = frames(0, 5, 0.2);
    expect(exposureSummary([...good, ...frames(5, 9, -1.5)], POLICY)).toMatchObject({ drifting: false, frames: 9, since: iso(TICK0 + 5 * 15_000), mean_stops: -1.5 });
    const s = exposureSummary([...good, ...frames(5, 10, -1.5)], POLICY);
    expect(s).toMatchObject({ drifting: true, frames: 10, since: iso(TICK0 + 5 * 15_000), mean_stops: -1.5, truncated: false });
    expect(s.last_measured_at).toBe(iso(TICK0 + 14 * 15_000 + 800));
    expect(s.recent_mean_luma).toBeCloseTo(luma(-1.5), 0);
    // Bright drift too; the threshold is exclusive (exactly 1 stop is in range) and configurable.
    expect(exposureSummary(frames(0, 10, 1.2), POLICY)).toMatchObject({ drifting: true, mean_stops: 1.2 });
    expect(exposureSummary(frames(0, 10, 0.99), POLICY)).toMatchObject({ drifting: false, frames: 0, since: null, mean_stops: null });
    expect(exposureSummary(frames(0, 10, -1.5), { ...POLICY, drift_stops: 2 }).drifting).toBe(false);
    expect(exposureSummary(frames(0, 3, -1.5), { ...POLICY, drift_frames: 3 }).drifting).toBe(true);
  });

  test("one frame in range ends the run; a mixed-sign run still counts, with a signed mean", async () => {
    const cleared = exposureSummary([...frames(0, 12, -1.5), frame(12, -0.3)], POLICY);
    expect(cleared).toMatchObject({ drifting: false, frames: 0, since: null, mean_stops: null });
    const restarted = exposureSummary([...frames(0, 12, -1.5), frame(12, 0), ...frames(13, 4, -2)], POLICY);
    expect(restarted).toMatchObject({ drifting: false, frames: 4, since: iso(TICK0 + 13 * 15_000), mean_stops: -2 });
    const mixed = exposureSummary([...frames(0, 6, -1.5), ...frames(6, 4, 2)], POLICY);
    expect(mixed).toMatchObject({ drifting: true, frames: 10, mean_stops: -0.1 });
  });

  test("test variants, misses, failures and frames without measures are skipped; input order does not matter", async () => {
    const dark = frames(0, 10, -1.5);
    const noise = [
      frame(3, 0, { testRole: "variant" }),
      frame(4, 0, { outcome: "failed", capturedAt: null }),
      frame(5, 0, { outcome: "missed", capturedAt: null }),
      frame(10, null),
      frame(11, 0, { testRole: "variant" }),
    ];
    const s = exposureSummary([...noise, ...dark].reverse(), POLICY);
    expect(s).toMatchObject({ drifting: true, frames: 10, since: iso(TICK0), last_measured_at: iso(TICK0 + 9 * 15_000 + 800) });
    // A baseline frame of an A/B test is production: it counts.
    expect(exposureSummary([...dark, frame(10, 0, { testRole: "baseline" })], POLICY).drifting).toBe(false);
  });

  test("a run reaching the oldest record of a full window is truncated: it may have started earlier", async () => {
    expect(exposureSummary(frames(0, 10, -1.5), POLICY, true).truncated).toBe(true);
    expect(exposureSummary([frame(0, 0), ...frames(1, 10, -1.5)], POLICY, true).truncated).toBe(false);
    expect(exposureSummary(frames(0, 10, -1.5), POLICY, false).truncated).toBe(false);
  });

  test("the fleet flags a drifting camera with a `drift` reason", async () => {
    const drifting = exposureSummary(frames(0, 12, -1.5), POLICY);
    const f = computeFleet(
      [
        { id: "a", createdAt: T0, lastContactAt: T0, observed: observedState(), exposure: exposureSummary(frames(0, 12, 0), POLICY) },
        { id: "b", createdAt: T0, lastContactAt: T0, observed: observedState(), exposure: drifting },
      ],
      60,
      T0,
      POLICY,
    );
    expect(f.cameras.map((c) => [c.id, c.attention])).toEqual([
      ["b", ["drift"]],
      ["a", []],
    ]);
    expect(f.quality).toEqual(POLICY);
    expect(f.cameras[0]!.exposure).toEqual(drifting);
  });
});

describe("report and fleet (in process)", () => {
  let db: HubDb;
  let hub: Awaited<ReturnType<typeof createHub>>;
  let clock: ManualClock;
  let cameraToken: string;

  const config = (quality?: Partial<typeof POLICY>) => ({
    location: DENVER,
    schedules: { sunrise: { offset_minutes: -30, duration_minutes: 60, interval_seconds: 15 } },
    cameras: { ridge: { deployed_profile: "f", schedules: ["sunrise"] }, valley: { deployed_profile: "f", schedules: ["sunrise"] } },
    profiles: { f: { base: { metering: "spot", ev: 0.7 } } },
    sync: { poll_interval_seconds: 60, plan_days: 7 },
    ...(quality ? { quality } : {}),
  });

  const call = (method: string, path: string, token: string | null, body?: unknown) => callHub(hub, method, path, token, body);

  /** A captured frame `stops` from the target at tick `seq`. */
  const measured = (seq: number, stops: number, over: Partial<CaptureRecord> = {}) =>
    captureRecord(seq, { measures: { mean_luma: luma(stops), clipped_highlights_pct: 0, crushed_shadows_pct: stops < 0 ? 12 : 0 }, ...over });

  async function upload(records: CaptureRecord[]) {
    const res = await call("POST", "/agent/v1/captures", cameraToken, { log_id: "log-1", records });
    expect(res.status).toBe(200);
  }
  const report = async () => (await call("GET", `/api/cameras/ridge/report?${DAY}`, OPERATOR)).body;
  const fleet = async () => (await call("GET", "/api/fleet", OPERATOR)).body;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    db = await testHubDb();
    await applyConfig(db, parseConfig(config()), clock.now());
    hub = await hubOn(db, clock, OPERATOR);
    cameraToken = (await call("POST", "/api/cameras/ridge/token", OPERATOR)).body.token;
    expect((await call("POST", "/agent/v1/state", cameraToken, observedState({}, { now: T0 }))).status).toBe(200);
  });

  test("a camera whose last 12 frames are 1.5 stops dark is flagged, with since; one good frame clears it", async () => {
    // 5 good frames, then 12 dark ones (an A/B variant in between, well exposed, changes nothing).
    await upload([
      ...Array.from({ length: 5 }, (_, i) => measured(i + 1, 0.1)),
      ...Array.from({ length: 12 }, (_, i) => measured(i + 6, -1.5)),
      captureRecord(18, { id: "variant-12", measures: { mean_luma: TARGET_LUMA, clipped_highlights_pct: 0, crushed_shadows_pct: 0 }, test_id: "t-1", test_role: "variant" }, 17),
    ]);
    const since = iso(TICK0 + 6 * 15_000);
    const r = await report();
    expect(r.exposure).toMatchObject({ drifting: true, since, frames: 12, mean_stops: -1.5, truncated: false });
    expect(r.exposure.recent_mean_luma).toBeCloseTo(luma(-1.5), 0);
    expect(r.exposure.last_measured_at).toBe(iso(TICK0 + 17 * 15_000));
    expect(r.quality).toEqual(POLICY);
    const f = await fleet();
    expect(f.quality).toEqual(POLICY);
    const ridge = f.cameras.find((c: { id: string }) => c.id === "ridge");
    expect(ridge.attention).toContain("drift");
    expect(ridge.exposure).toMatchObject({ drifting: true, since, frames: 12 });
    // A camera with no measured frames is not flagged.
    const valley = f.cameras.find((c: { id: string }) => c.id === "valley");
    expect(valley.attention).not.toContain("drift");
    expect(valley.exposure).toMatchObject({ drifting: false, frames: 0, last_measured_at: null });

    // The CLI tables show it.
    expect(formatReport(r)).toMatch(/Exposure\s+DRIFTING since 2026-11-24 06:31:30 MST: 12 frames, mean -1\.50 stops/);
    const lines = formatFleet(f).split("\n");
    expect(lines[0]).toMatch(/\bEXPOSURE\s+ATTENTION$/);
    expect(lines.find((l) => l.startsWith("ridge"))).toMatch(/DRIFT -1\.50 ×12\s+drift$/);

    // One good frame clears it.
    await upload([measured(19, 0.2)]);
    const after = await report();
    expect(after.exposure).toMatchObject({ drifting: false, since: null, frames: 0, mean_stops: null });
    expect((await fleet()).cameras.find((c: { id: string }) => c.id === "ridge").attention).not.toContain("drift");
    expect(formatReport(after)).toMatch(/Exposure\s+in range; recent mean luma/);
  });

  test("the report judges exposure as of its range's end", async () => {
    await upload(Array.from({ length: 12 }, (_, i) => measured(i + 1, -1.5)));
    const early = (await call("GET", `/api/cameras/ridge/report?from=2026-11-24T07:00:00Z&to=${iso(TICK0 + 6 * 15_000)}`, OPERATOR)).body;
    expect(early.exposure).toMatchObject({ drifting: false, frames: 5, since: iso(TICK0 + 15_000) });
    expect((await report()).exposure).toMatchObject({ drifting: true, frames: 12 });
  });

  test("the thresholds come from the config's optional quality section; export and diff carry it", async () => {
    expect(await qualityPolicy(db)).toEqual(POLICY);
    expect((await exportConfig(db)).quality).toEqual(POLICY);
    // A config without the section applies back unchanged (defaults); changing it is a diff.
    expect((await applyConfigDiff(db, config(), { dryRun: true, prune: false }, clock.now())).changes).toEqual([]);
    const loose = { ...POLICY, drift_stops: 2 };
    expect(await applyConfigDiff(db, config(loose), { dryRun: false, prune: false }, clock.now())).toMatchObject({ applied: true, changes: [{ path: "quality", action: "change", from: POLICY, to: loose }] });
    expect(await qualityPolicy(db)).toEqual(loose);
    await upload(Array.from({ length: 12 }, (_, i) => measured(i + 1, -1.5)));
    expect((await report()).exposure).toMatchObject({ drifting: false, frames: 0 });
    expect(() => parseConfig(config({ drift_stops: 1, drift_frames: 0 }))).toThrow(/quality\.drift_frames/);
    expect(parseConfig({ ...config(), quality: {} }).quality).toEqual(POLICY);
  });

  test.skipIf(testBackend() === "postgres")("the fleet's read is one indexed query per camera", async () => {
    const query = exposureQuery(db, "ridge", Number.MAX_SAFE_INTEGER, 100).toSQL();
    const plan = sqliteHandle(db)!.sqlite
      .query<{ detail: string }, never[]>(`EXPLAIN QUERY PLAN ${query.sql}`)
      .all(...(query.params as never[]))
      .map((r) => r.detail)
      .join("; ");
    expect(plan).toContain("captures_camera_planned");
    expect(plan).not.toContain("TEMP B-TREE");
  });
});
