/**
 * The fleet summary judges a camera's exposure again only when its quality window
 * changed: its answers must be those of reading every camera's window afresh (the
 * per-camera read of hub/quality), for cameras whose records changed and those whose
 * did not, on the same hub, on another replica, and after the thresholds change.
 */
import { expect, test } from "bun:test";
import { DEFAULT_QUALITY } from "../../shared/contracts/config";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { ingestBatch } from "../../hub/agents/service";
import { applyConfig, parseConfig } from "../../hub/config/service";
import { qualityPolicy } from "../../hub/config/settings";
import type { HubDb } from "../../hub/db/client";
import type { FleetSummary } from "../../hub/fleet/compute";
import { recordsFrom, windowKeysOf, windowsOf } from "../../hub/fleet/data";
import { fleetSummary } from "../../hub/fleet/service";
import { replaceRecord } from "../../hub/live/data";
import { cameraExposure, fleetWindow } from "../../hub/quality/service";
import { captureRecord, sunriseGridConfig } from "../harness/fixtures";
import { reopenTestHubDb, testHubDb } from "../harness/in-process";

const config = sunriseGridConfig({ ridge: {}, valley: {}, pass: {}, peak: {} });
const NOW = Date.parse("2026-11-24T14:30:00Z");
const IN_RANGE = 118;
const DARK = 20;

const frame = (camera: string, seq: number, luma: number, overrides: Partial<CaptureRecord> = {}, tick = seq) =>
  captureRecord(seq, { id: `${camera}-${seq}`, measures: { mean_luma: luma, clipped_highlights_pct: 0.5, crushed_shadows_pct: 0.5 }, ...overrides }, tick);
const failure = (camera: string, seq: number) =>
  captureRecord(seq, { id: `${camera}-${seq}`, outcome: "failed", captured_at: null, image: null, measures: null, reason_code: "camera_error", reason: "camera timed out" }, seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function upload(db: HubDb, camera: string, records: CaptureRecord[]) {
  await ingestBatch(db, camera, { log_id: `log-${camera}`, records }, NOW);
}

/** Each camera's exposure as its own window read afresh judges it. */
async function expectSameAsReadAfresh(db: HubDb, summary: FleetSummary) {
  const quality = await qualityPolicy(db);
  for (const camera of summary.cameras) expect({ id: camera.id, exposure: camera.exposure }).toEqual({ id: camera.id, exposure: await cameraExposure(db, camera.id, Number.MAX_SAFE_INTEGER, quality, fleetWindow(quality)) });
}

const attention = (summary: FleetSummary) => Object.fromEntries(summary.cameras.map((c) => [c.id, c.attention]));
const exposureOf = (summary: FleetSummary, id: string) => summary.cameras.find((c) => c.id === id)!.exposure;

test("a fleet with history: the summary's exposure and attention are those of every window read afresh, whatever changed since the last pass", async () => {
  const db = await testHubDb();
  await applyConfig(db, parseConfig(config), NOW);
  // More records than the 100-record window; ridge's seq 1..10 come later, older than its window.
  await upload(db, "ridge", range(11, 140).map((s) => frame("ridge", s, IN_RANGE)));
  await upload(db, "valley", range(1, 130).map((s) => frame("valley", s, IN_RANGE)));
  await upload(db, "pass", [...range(1, 127).map((s) => frame("pass", s, IN_RANGE)), ...range(128, 130).map((s) => failure("pass", s))]);
  // peak: dark from 116 on, 125 not yet uploaded: a run of 14.
  await upload(db, "peak", [...range(1, 115).map((s) => frame("peak", s, IN_RANGE)), ...range(116, 130).filter((s) => s !== 125).map((s) => frame("peak", s, DARK))]);

  const before = await fleetSummary(db, NOW);
  await expectSameAsReadAfresh(db, before);
  expect(attention(before)).toMatchObject({ ridge: [], valley: [], pass: ["camera_error"], peak: ["drift"] });

  await upload(db, "ridge", range(1, 10).map((s) => frame("ridge", s, DARK))); // older than its window: no change
  await upload(db, "valley", range(131, 142).map((s) => frame("valley", s, DARK))); // newer: drifting now
  await upload(db, "peak", [frame("peak", 125, IN_RANGE)]); // a late record inside the window ends the run
  // A late frame replaces the last failure in place (hub/live): the run of failures is over.
  await replaceRecord(db, "pass", "pass-130", frame("pass", 130, IN_RANGE, { id: "pass-130-late" }));

  const replica = await reopenTestHubDb(db);
  for (const [hub, summary] of [
    ["this hub", await fleetSummary(db, NOW)],
    ["another replica", await fleetSummary(replica, NOW)],
  ] as const) {
    await expectSameAsReadAfresh(db, summary);
    expect({ hub, attention: attention(summary) }).toEqual({ hub, attention: { ridge: [], valley: ["drift"], pass: [], peak: [] } });
    expect(exposureOf(summary, "ridge")).toEqual(exposureOf(before, "ridge")!);
  }
  expect(exposureOf(await fleetSummary(db, NOW), "valley")!.frames).toBe(12);

  // New thresholds: every camera judged by them (peak's run of 5 is a drift at 5 frames).
  await applyConfig(db, parseConfig({ ...config, quality: { ...DEFAULT_QUALITY, drift_frames: 5 } }), NOW);
  const stricter = await fleetSummary(db, NOW);
  await expectSameAsReadAfresh(db, stricter);
  expect(attention(stricter)).toMatchObject({ ridge: [], valley: ["drift"], pass: [], peak: ["drift"] });
});

test("a slice's windows: each camera's newest `limit` records and any tied with the last of them; records from a time on", async () => {
  const db = await testHubDb();
  await applyConfig(db, parseConfig(config), NOW);
  // ridge: ticks 1..10, and a second record at tick 3 (a capture by hand under another profile at the same instant).
  await upload(db, "ridge", [...range(1, 10).map((s) => frame("ridge", s, IN_RANGE)), frame("ridge", 11, IN_RANGE, { schedule: "manual", profile_id: "g" }, 3)]);
  await upload(db, "valley", range(1, 4).map((s) => frame("valley", s, IN_RANGE)));
  const windows = await windowsOf(db, ["ridge", "valley", "pass"], 8);
  const ticks = (id: string) => windows.get(id)!.map((f) => (f.plannedAt - Date.parse("2026-11-24T13:30:00Z")) / 15_000);
  expect(ticks("ridge")).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 3]);
  expect(ticks("valley")).toEqual([4, 3, 2, 1]);
  expect(windows.get("pass")).toEqual([]);
  const keys = await windowKeysOf(db, ["ridge", "valley", "pass"], 8);
  expect([...keys.keys()].sort()).toEqual(["ridge", "valley"]);
  expect(keys.get("ridge")!.startsWith("9:")).toBe(true);
  const since = await recordsFrom(db, new Map([["ridge", windows.get("ridge")![1]!.plannedAt], ["valley", Number.MAX_SAFE_INTEGER]]));
  expect(since.get("ridge")!.length).toBe(2);
  expect(since.get("valley")).toEqual([]);
});
