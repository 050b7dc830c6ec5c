import type { DiagnosticsView } from "../../shared/contracts/diagnostics";
import type { DiagnosticsRow } from "./store";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** A request as the operator API shows it, with the camera's last contact (when it may next hear of it). */
export function presentRequest(row: DiagnosticsRow, lastContactAt: number | null): DiagnosticsView {
  return {
    camera_id: row.cameraId,
    request_id: row.id,
    status: row.receivedAt === null ? "requested" : "received",
    requested_at: iso(row.requestedAt)!,
    received_at: iso(row.receivedAt),
    last_contact_at: iso(lastContactAt),
    bytes: row.bytes,
    bundle: row.bundle ?? null,
  };
}

/** What an upload for a request means: store it, a replay of one stored, or not this camera's request. */
export function uploadVerdict(row: Pick<DiagnosticsRow, "cameraId" | "receivedAt"> | null, cameraId: string): "store" | "duplicate" | "unknown" {
  if (!row || row.cameraId !== cameraId) return "unknown";
  return row.receivedAt === null ? "store" : "duplicate";
}
