import { expect, test } from "bun:test";
import { imageSyncLine } from "../../edge/cli/format";

test("the technician's status line for image sync: policy, what waits, what went, the last error", () => {
  const progress = {
    policy: { schedules: ["sunset"] },
    pending: 12,
    pending_bytes: 38_200_000,
    oldest_pending_at: "2026-11-24T13:30:00.000Z",
    thumbnails_pending: 1,
    last_uploaded_at: "2026-11-24T13:00:00.000Z",
    sent_since_start: { thumbnails: 40, images: 30, bytes: 120_000_000 },
    last_error: "hub unreachable",
  };
  expect(imageSyncLine(progress)).toBe(
    "schedules sunset: 12 full images (38.2 MB) to send, oldest 2026-11-24 13:30:00Z; 1 thumbnail waiting; sent since start 30 full (120.0 MB), 40 thumbnails; hub last verified one 2026-11-24 13:00:00Z; last error: hub unreachable",
  );
  expect(imageSyncLine({ ...progress, policy: "thumbnails", pending: 0, thumbnails_pending: 0, last_uploaded_at: null, last_error: null })).toBe(
    "thumbnails: no full image waiting; sent since start 30 full (120.0 MB), 40 thumbnails",
  );
  expect(imageSyncLine(null)).toBe("none (standalone)");
});

test("the technician's plan reads in the camera's zone, the zone named", async () => {
  const { formatPlan } = await import("../../edge/cli/format");
  const plan = {
    timezone: "America/Denver",
    from: "2026-11-24T07:00:00.000Z",
    to: "2026-11-25T07:00:00.000Z",
    extrapolated: false,
    next_capture: { at: "2026-11-24T13:30:00.000Z", schedule: "sunrise", profile: "f" },
    windows: [{ schedule: "sunrise", start: "2026-11-24T13:30:00.000Z", end: "2026-11-24T14:30:00.000Z", interval_seconds: 15, profiles: ["f"], ticks: 240, extrapolated: false }],
  };
  const text = formatPlan(plan);
  expect(text).toContain("plan 2026-11-24 00:00:00 MST → 2026-11-25 00:00:00 MST; next capture 2026-11-24 06:30:00 MST sunrise/f");
  expect(text).toMatch(/sunrise\s+2026-11-24 06:30:00 MST\s+2026-11-24 07:30:00 MST\s+15s/);
});
