import { notFound } from "../../shared/http";
import { HttpError } from "../../shared/http";
import { nextTicks, plannedTicks } from "../../shared/plan/ticks";
import { outageThresholdMs } from "../agents/contact-history";
import { qualityPolicy, syncPolicy } from "../config/settings";
import { isProduction } from "../db/captures";
import type { HubDb } from "../db/client";
import { planInForce } from "../plans/service";
import { cameraExposure, reportWindow } from "../quality/service";
import { computeReport, type SyncReport } from "./compute";
import { cameraContact, clockSamplesIn, outagesOverlapping, picturesReceived, recordsPlannedIn } from "./data";

/** A report walks every planned tick; beyond this the hub would stall, so the range must be shorter. */
export const MAX_REPORT_TICKS = 1_000_000;

/**
 * The sync report of one camera over [from, to): reads what the report needs
 * (the plan in force over the range, records by planned time, outages,
 * clock samples, the latest observed state) and hands it to computeReport.
 */
export async function cameraReport(db: HubDb, cameraId: string, from: number, to: number, now: number): Promise<SyncReport> {
  const plan = await planInForce(db, cameraId, from, to, now);
  const camera = await cameraContact(db, cameraId);
  if (!plan || !camera) throw notFound(`camera ${cameraId}`);
  const { windows } = plan;
  const estimate = windows.reduce((n, w) => n + ((Date.parse(w.end) - Date.parse(w.start)) / (w.interval_seconds * 1000) + 1) * w.profiles.length, 0);
  if (estimate > MAX_REPORT_TICKS)
    throw new HttpError(422, "invalid_request", `query.to: the range holds about ${Math.round(estimate)} planned captures; ask for at most ${MAX_REPORT_TICKS} (a shorter range)`);
  const ticks = plannedTicks(windows, from, to);
  const records = (await recordsPlannedIn(db, cameraId, from, to)).map(({ testRole, ...r }) => ({
    ...r,
    outcome: r.outcome as "captured" | "failed" | "missed",
    variant: !isProduction(testRole),
  }));
  const outageRows = await outagesOverlapping(db, cameraId, from, to);
  const samples = await clockSamplesIn(db, cameraId, from, to);
  const quality = await qualityPolicy(db);
  return computeReport({
    cameraId,
    timezone: plan.setup.position.timezone,
    from,
    to,
    now,
    ticks,
    firstContactAt: plan.firstContactAt,
    records,
    outages: outageRows.map((o) => ({ from: o.fromAt, to: o.toAt, backlogAtReturn: o.backlogAtReturn, oldestPendingAt: o.oldestPendingAt, caughtUpAt: o.caughtUpAt })),
    clockSamples: samples.map((s) => ({ at: s.at, offsetMs: s.offsetMs, trusted: s.trusted, source: s.source, correctionMs: s.correctionMs })),
    observed: camera.observed ?? null,
    lastContactAt: camera.lastContactAt,
    outageThresholdMs: outageThresholdMs((await syncPolicy(db)).poll_interval_seconds),
    exposure: await cameraExposure(db, cameraId, to, quality, reportWindow(quality)),
    quality,
    imagesHeld: await picturesReceived(db, cameraId, from, to),
  });
}

/** How far ahead the next capture is looked for. */
const NEXT_CAPTURE_HORIZON_MS = 8 * 86_400_000;

/**
 * A camera's planned windows over [from, to) — the plan in force then, as the
 * report counts it: nothing before its first contact — its zone, and its next
 * planned capture after `now`.
 */
export async function cameraPlan(db: HubDb, cameraId: string, from: number, to: number, now: number) {
  const plan = await planInForce(db, cameraId, from, to, now);
  if (!plan) throw notFound(`camera ${cameraId}`);
  const ahead = (await planInForce(db, cameraId, now, now + NEXT_CAPTURE_HORIZON_MS, now))!;
  const next = nextTicks(ahead.windows, now);
  return {
    camera_id: cameraId,
    timezone: plan.setup.position.timezone,
    registered_at: new Date(plan.setup.registeredAt).toISOString(),
    first_contact_at: plan.firstContactAt === null ? null : new Date(plan.firstContactAt).toISOString(),
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    generated_at: new Date(now).toISOString(),
    windows: plan.windows,
    next_capture: next.length ? { at: new Date(next[0]!.at).toISOString(), schedule: next[0]!.schedule, profiles: next.map((t) => t.profile) } : null,
  };
}
