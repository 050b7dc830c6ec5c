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
