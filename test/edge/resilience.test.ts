import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "jpeg-js";
import { ManualClock } from "../../shared/clock";
import { windowsWithExtrapolation } from "../../shared/plan/extrapolate";
import { planRange, computePlan } from "../../shared/plan/windows";
import { plannedTicks } from "../../shared/plan/ticks";
import type { DesiredState } from "../../shared/contracts/sync";
import { AgentClock } from "../../edge/clock";
import { CaptureLog } from "../../edge/capture/log";
import { recoverFromImages } from "../../edge/capture/recover";
import { openEdgeDbOrReplace } from "../../edge/db/client";
import { ImageStore } from "../../edge/store/images";
import { jpegSize } from "../../shared/image/jpeg";
import { bytesOver } from "../../edge/store/retention";
import { schedulerHealthy, watchdogPeriodMs } from "../../edge/watchdog";

const dir = () => mkdtempSync(join(tmpdir(), "skylapse-res-"));
const jpeg = (w: number, h: number) => new Uint8Array(encode({ data: Buffer.alloc(w * h * 4, 128), width: w, height: h }, 80).data);

describe("database replacement", () => {
  for (const [what, damage] of [
    ["garbage", (f: string) => writeFileSync(f, Buffer.alloc(20_000, 0x41))],
    ["truncated", (f: string) => truncateSync(f, 1000)],
  ] as const) {
    test(`a ${what} database is moved aside and a fresh one opened`, () => {
      const d = dir();
      const file = join(d, "agent.sqlite");
      const first = openEdgeDbOrReplace(file, 0);
      new CaptureLog(first.db);
      first.sqlite.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      first.sqlite.close();
      damage(file);
      const second = openEdgeDbOrReplace(file, Date.parse("2026-11-24T10:00:00Z"));
      expect(second.replaced?.movedTo).toContain("agent.sqlite.corrupt-2026-11-24T100000000Z");
      expect(readdirSync(d).filter((f) => f.includes("corrupt")).length).toBeGreaterThan(0);
      expect(new CaptureLog(second.db).lastSeq()).toBe(0);
      second.sqlite.close();
    });
  }

  test("a healthy database is opened as it is", () => {
    const file = join(dir(), "agent.sqlite");
    openEdgeDbOrReplace(file, 0).sqlite.close();
    const again = openEdgeDbOrReplace(file, 0);
    expect(again.replaced).toBeNull();
    again.sqlite.close();
  });
});

describe("recovery from images", () => {
  test("records are rebuilt from paths and files: time, schedule, profile, size, hash, bracket frames", () => {
    const images = new ImageStore(join(dir(), "images"));
    const main = jpeg(64, 48);
    images.write("2026-11-24/sunrise/f/20261124T135915Z.jpg", main);
    images.write("2026-11-24/sunrise/f/20261124T135915Z_ev-2.jpg", jpeg(64, 48));
    images.write("2026-11-24/sunrise/f/20261124T135900Z.jpg", jpeg(32, 24));
    images.write("2026-11-24/sunrise/f/notes.txt", new Uint8Array([1]));
    images.write("2026-11-24/sunrise/f/20261124T140000Z.jpg", new Uint8Array([1, 2, 3]));
    const records = recoverFromImages(images, "boot");
    expect(records.map((r) => r.planned_at)).toEqual(["2026-11-24T13:59:00.000Z", "2026-11-24T13:59:15.000Z"]);
    const r = records[1]!;
    expect(r).toMatchObject({ schedule: "sunrise", profile_id: "f", outcome: "captured", recovered: true });
    expect(r.image).toMatchObject({ width: 64, height: 48, bytes: main.byteLength, frames: 2 });
    expect(r.image!.sha256).toBe(new Bun.CryptoHasher("sha256").update(main).digest("hex"));
  });

  test("a recovered A/B baseline keeps its test id: its variant in tests/ID/ names it", () => {
    const images = new ImageStore(join(dir(), "images"));
    images.write("2026-11-24/sunrise/f/20261124T135915Z.jpg", jpeg(32, 24));
    images.write("2026-11-24/sunrise/f/tests/ev-up/20261124T135915Z_variant.jpg", jpeg(32, 24));
    images.write("2026-11-24/sunrise/f/20261124T135930Z.jpg", jpeg(32, 24));
    const byFile = Object.fromEntries(recoverFromImages(images, "boot").map((r) => [r.image!.file, r]));
    expect(byFile["2026-11-24/sunrise/f/20261124T135915Z.jpg"]).toMatchObject({ test_id: "ev-up", test_role: "baseline" });
    expect(byFile["2026-11-24/sunrise/f/tests/ev-up/20261124T135915Z_variant.jpg"]).toMatchObject({ test_id: "ev-up", test_role: "variant" });
    expect(byFile["2026-11-24/sunrise/f/20261124T135930Z.jpg"]).toMatchObject({ test_id: null, test_role: null });
  });

  test("jpegSize reads the frame header and refuses non-JPEG bytes", () => {
    expect(jpegSize(jpeg(640, 360))).toEqual({ width: 640, height: 360 });
    expect(jpegSize(new Uint8Array([0x89, 0x50]))).toBeNull();
  });
});

describe("storage limits", () => {
  const policy = { budgetBytes: 1000, minFreeBytes: 500, purgeUnuploaded: false };
  test("over the budget or under the free-space floor, by how much", () => {
    expect(bytesOver(policy, 900, { free_bytes: 10_000 }, 50)).toBe(0);
    expect(bytesOver(policy, 900, { free_bytes: 10_000 }, 200)).toBe(100);
    expect(bytesOver(policy, 0, { free_bytes: 600 }, 300)).toBe(200);
    expect(bytesOver({ ...policy, budgetBytes: null }, 1e12, { free_bytes: 1e9 }, 10)).toBe(0);
  });
});

describe("clock trust", () => {
  const base = () => new ManualClock(Date.parse("1970-01-01T00:00:10Z"));
  test("untrusted at boot; the hub's time corrects it and is trusted from then on", () => {
    const clock = new AgentClock(base(), { lastTrusted: Date.parse("2026-11-20T00:00:00Z"), configuredTrusted: false, ntpSyncFile: null });
    expect(clock.trusted).toBe(false);
    expect(clock.behindLastTrusted()).toBe(true);
    const server = Date.parse("2026-11-24T12:00:00Z");
    const { correctedBy, becameTrusted } = clock.observeServerTime(server);
    expect(becameTrusted).toBe(true);
    expect(correctedBy).toBe(server - Date.parse("1970-01-01T00:00:10Z"));
    expect(clock.now()).toBe(server);
    expect(clock.state()).toMatchObject({ trusted: true, source: "hub", correction_ms: correctedBy });
  });

  test("a small offset confirms the clock without stepping it", () => {
    const b = new ManualClock(Date.parse("2026-11-24T12:00:00Z"));
    const clock = new AgentClock(b, { lastTrusted: null, configuredTrusted: false, ntpSyncFile: null });
    expect(clock.observeServerTime(b.now() + 500)).toMatchObject({ correctedBy: 0, becameTrusted: true });
    expect(clock.state().offset_ms).toBe(500);
    expect(clock.now()).toBe(b.now());
  });

  test("NTP's sync marker or configuration make the clock trusted", () => {
    const marker = join(dir(), "synchronized");
    const clock = new AgentClock(base(), { lastTrusted: null, configuredTrusted: false, ntpSyncFile: marker });
    expect(clock.checkNtp()).toBe(false);
    writeFileSync(marker, "");
    expect(clock.checkNtp()).toBe(true);
    expect(clock.state().source).toBe("ntp");
    expect(new AgentClock(base(), { lastTrusted: null, configuredTrusted: true, ntpSyncFile: null }).state().source).toBe("configured");
  });
});

describe("plan extrapolation", () => {
  test("past the hub's plan the agent adds windows from the same rules, on the same grid, marked extrapolated", () => {
    const camera = { id: "cam", latitude: 39.6, longitude: -105.3, timezone: "America/Denver" };
    const schedules = { sunrise: { type: "solar_relative" as const, anchor: "sunrise" as const, offset_minutes: -30, duration_minutes: 60, interval_seconds: 15, enabled: true } };
    const issued = Date.parse("2026-11-24T12:00:00Z");
    const { from, to } = planRange(camera.timezone, issued, 1);
    const state: DesiredState = {
      camera,
      assignment: { profile_id: "f", version: "1.0.0" },
      profiles: [],
      schedules,
      plan: computePlan({ cameraId: "cam", position: camera, schedules, defaultProfiles: ["f"], from, to, generatedAt: from }),
      tests: [],
      poll_interval_seconds: 60,
    };
    expect(windowsWithExtrapolation(state, issued - 2 * 86_400_000)).toBe(state.plan.windows);
    const later = Date.parse("2026-11-27T12:00:00Z");
    const windows = windowsWithExtrapolation(state, later);
    expect(windows.filter((w) => !w.extrapolated).length).toBe(1);
    const extra = windows.filter((w) => w.extrapolated);
    expect(extra.length).toBe(5);
    // The same ticks the hub would plan for those days.
    const hubPlan = computePlan({ cameraId: "cam", position: camera, schedules, defaultProfiles: ["f"], from: to, to: Date.parse("2026-11-30T07:00:00Z"), generatedAt: to });
    const keys = (ws: typeof windows) => plannedTicks(ws, to, Date.parse("2026-11-30T07:00:00Z")).map((t) => t.at);
    expect(keys(extra)).toEqual(keys(hubPlan.windows));
  });
});

describe("watchdog", () => {
  test("pets only under systemd with a watchdog, and only while the scheduler is alive", () => {
    expect(watchdogPeriodMs({})).toBeNull();
    expect(watchdogPeriodMs({ NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "60000000" })).toBe(60_000);
    expect(schedulerHealthy(10_000, 60_000)).toBe(true);
    expect(schedulerHealthy(61_000, 60_000)).toBe(false);
  });
});
