import { describe, expect, test } from "bun:test";
// format.js imports the hub-served shared module: register its resolution before loading it.
import "../harness/dashboard-shared";

const {
  addDays,
  ATTENTION_TEXT,
  compareVersions,
  contactStatus,
  exposureIssueLines,
  formatAgo,
  formatBytes,
  formatDateTime,
  formatDuration,
  formatShutter,
  formatSigned,
  formatTime,
  fromLocalInput,
  issueField,
  issuesFor,
  localDate,
  pairsProgress,
  previousVersion,
  sortByAttention,
  startOfLocalDay,
  toLocalInput,
  zonedTimeToUtc,
} = await import("../../hub/dashboard/public/lib/format.js");

describe("dashboard formatting: times in the camera's zone", () => {
  test("a moment in Denver and in Zurich, the zone shown", () => {
    const t = "2026-11-24T14:05:30Z";
    expect(formatDateTime(t, "America/Denver")).toBe("24 Nov, 07:05 MST");
    expect(formatDateTime(t, "Europe/Zurich", { seconds: true })).toBe("24 Nov, 15:05:30 GMT+1");
    expect(formatDateTime("2026-07-01T12:00:00Z", "America/Denver", { year: true })).toBe("1 Jul 2026, 06:00 MDT");
    expect(formatDateTime(null, "UTC")).toBe("—");
    expect(formatTime(t, "America/Denver")).toBe("07:05");
    expect(localDate("2026-11-25T03:00:00Z", "America/Denver")).toBe("2026-11-24");
  });

  test("wall-clock times in a zone to UTC, across DST changes", () => {
    expect(new Date(zonedTimeToUtc("2026-11-24", "07:30", "America/Denver")).toISOString()).toBe("2026-11-24T14:30:00.000Z");
    expect(new Date(startOfLocalDay("2026-03-08", "America/Denver")).toISOString()).toBe("2026-03-08T07:00:00.000Z");
    // 2026-03-08: 02:00 → 03:00 in Denver; the day after the change starts at UTC−6.
    expect(new Date(startOfLocalDay("2026-03-09", "America/Denver")).toISOString()).toBe("2026-03-09T06:00:00.000Z");
    expect(new Date(zonedTimeToUtc("2026-10-25", "12:00", "Europe/Zurich")).toISOString()).toBe("2026-10-25T11:00:00.000Z");
    expect(fromLocalInput("2026-11-24T07:30", "America/Denver")).toBe("2026-11-24T14:30:00.000Z");
    expect(fromLocalInput("", "America/Denver")).toBeNull();
    expect(toLocalInput("2026-11-24T14:30:00Z", "America/Denver")).toBe("2026-11-24T07:30");
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
  });

  test("durations, ages, sizes, shutter times, signed numbers", () => {
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe("3 h 20 min");
    expect(formatDuration(52 * 3600)).toBe("2 d 4 h");
    expect(formatAgo("2026-11-24T12:00:00Z", Date.parse("2026-11-24T12:05:00Z"))).toBe("5 min ago");
    expect(formatAgo("2026-11-24T12:05:00Z", Date.parse("2026-11-24T12:00:00Z"))).toBe("in 5 min");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(40354)).toBe("39 KB");
    expect(formatBytes(1.5 * 1024 * 1024)).toBe("1.5 MB");
    expect(formatShutter(4000)).toBe("1/250 s");
    expect(formatShutter(500_000)).toBe("0.5 s");
    expect(formatShutter(2_000_000)).toBe("2 s");
    expect(formatShutter(null)).toBe("auto");
    expect(formatSigned(0.3)).toBe("+0.3");
    expect(formatSigned(-1.5, 2)).toBe("−1.50");
    expect(formatSigned(-0.001, 2)).toBe("0.00");
  });
});

describe("dashboard ordering and messages", () => {
  test("cameras needing attention first: the worst reason, then more reasons, then longest behind; the rest by id", () => {
    const cams = [
      { id: "a", attention: [], behind_since: null },
      { id: "b", attention: ["not_converged"], behind_since: null },
      { id: "c", attention: ["offline"], behind_since: "2026-11-24T10:00:00Z" },
      { id: "d", attention: ["offline"], behind_since: "2026-11-23T10:00:00Z" },
      { id: "e", attention: ["disk", "drift"], behind_since: null },
      { id: "f", attention: [], behind_since: null },
      { id: "g", attention: ["disk"], behind_since: null },
    ];
    expect(sortByAttention(cams).map((c) => c.id)).toEqual(["d", "c", "e", "g", "b", "a", "f"]);
    expect(cams[0]!.id).toBe("a"); // not sorted in place
  });

  test("a camera's contact: online, offline since when, or waiting for its first contact", () => {
    const now = Date.parse("2026-11-24T15:00:00Z");
    expect(contactStatus({ status: "waiting_for_first_contact", online: false, last_contact_at: null, offline_since: null }, now, "UTC")).toEqual({ tone: "muted", text: "waiting for first contact" });
    expect(contactStatus({ status: "online", online: true, last_contact_at: "2026-11-24T14:59:00Z", offline_since: null }, now, "UTC")).toMatchObject({ tone: "ok", text: expect.stringMatching(/^online · contact 1 ?min ago$/) });
    expect(contactStatus({ status: "offline", online: false, last_contact_at: "2026-11-24T13:00:00Z", offline_since: "2026-11-24T13:00:00Z" }, now, "UTC")).toMatchObject({ tone: "bad", text: expect.stringMatching(/^offline since 24 Nov, 13:00 UTC \(2 ?h/) });
  });

  test("API issue paths reach the field they concern", () => {
    const issues = [
      { path: "body.base.ev", message: "too big" },
      { path: "body.base.white_balance.kelvin", message: "needs kelvin" },
      { path: "body.adaptive_wb", message: "Invalid input" },
    ];
    expect(issueField("body.base.ev")).toBe("base.ev");
    expect(issueField("body")).toBe("(root)");
    expect(issuesFor(issues, "base.white_balance").map((i) => i.message)).toEqual(["needs kelvin"]);
    expect(issuesFor(issues, "base.e")).toEqual([]);
  });

  test("versions compare by number; a rollback goes to the one before", () => {
    expect(["1.10.0", "1.2.0", "1.9.0"].sort(compareVersions)).toEqual(["1.2.0", "1.9.0", "1.10.0"]);
    expect(previousVersion(["1.0.0", "1.10.0", "1.9.0"], "1.10.0")).toBe("1.9.0");
    expect(previousVersion(["1.0.0"], "1.0.0")).toBeNull();
  });

  test("exposure issues in words, with the run's start in the camera's zone; each kind has its words", () => {
    const exposure = {
      issues: [
        { kind: "clipped", text: "sky clipped 37 % for 40 frames", since: "2026-11-24T19:10:00Z", truncated: false },
        { kind: "camera_error", text: "3 captures failed in a row (camera_error)", since: "2026-11-24T19:12:00Z", truncated: true },
      ],
    };
    expect(exposureIssueLines(exposure, "America/Denver")).toEqual([
      "sky clipped 37 % for 40 frames since 24 Nov, 12:10 MST",
      "3 captures failed in a row (camera_error) since at or before 24 Nov, 12:12 MST",
    ]);
    expect(exposureIssueLines(null, "UTC")).toEqual([]);
    for (const kind of ["clipped", "crushed", "drift", "camera_error"]) expect(ATTENTION_TEXT[kind]).toBeString();
  });

  test("an A/B test's pairs: every camera's against the per-camera target times the cameras, split by camera when there are several", () => {
    expect(pairsProgress({ pairs_done: { valley: 3 }, pairs_target: 3, camera_ids: ["valley"] })).toEqual({ total: "3 / 3", cameras: null });
    expect(pairsProgress({ pairs_done: { ridge: 10, valley: 7 }, pairs_target: 10, camera_ids: ["ridge", "valley"] })).toEqual({ total: "17 / 20", cameras: "ridge 10, valley 7" });
    // A test that ends at a time has no target: just the count.
    expect(pairsProgress({ pairs_done: { ridge: 4 }, pairs_target: null, camera_ids: ["ridge"] })).toEqual({ total: "4", cameras: null });
    expect(pairsProgress({ pairs_done: {}, pairs_target: 5, camera_ids: ["ridge"] })).toEqual({ total: "0 / 5", cameras: null });
  });
});
