import { isNull, ne, or } from "drizzle-orm";
import type { CaptureRecord } from "../../shared/contracts/sync";
import { captures } from "./schema";

/** The columns a capture row keeps of its record, beside the record itself: what queries filter and read. */
export function captureColumns(record: CaptureRecord) {
  return {
    outcome: record.outcome,
    testId: record.test_id,
    testRole: record.test_role,
    capturedAt: record.captured_at === null ? null : Date.parse(record.captured_at),
    reasonCode: record.reason_code,
    reason: record.reason,
    recovered: record.recovered,
    meanLuma: record.measures?.mean_luma ?? null,
    clippedPct: record.measures?.clipped_highlights_pct ?? null,
    crushedPct: record.measures?.crushed_shadows_pct ?? null,
  };
}

/**
 * A production capture: what the camera's plan shot, not an A/B variant (a test's
 * baseline is the tick's production capture). The one definition, in SQL and in code.
 */
export const isProduction = (testRole: CaptureRecord["test_role"]) => testRole !== "variant";
export const productionCapture = or(isNull(captures.testRole), ne(captures.testRole, "variant"));
