import type { QualityConfig } from "../../shared/contracts/config";
import { type Incident, MissReason, type ObservedState } from "../../shared/contracts/sync";
import type { ExposureSummary } from "../quality/compute";

/**
 * Why a planned tick has no captured record: the agent's reason code, or
 * `not_reported` when the hub holds no record for the tick at all (still in the
 * agent's backlog, or lost).
 */
export const MISS_BUCKETS = [...MissReason.options, "not_reported"] as const;
export type MissBucket = (typeof MISS_BUCKETS)[number];
/**
 * Records that failed or missed without a reason code (no agent of ours sends
 * those) are counted here, so that planned = captured + missed still holds. The
 * key appears only when non-zero.
 */
export const UNKNOWN_REASON = "unknown";

export interface ReportTick {
  at: number;
  schedule: string;
  profile: string;
}

export interface ReportRecord {
  plannedAt: number;
  schedule: string;
  profileId: string;
  /** The variant side of an A/B pair: never a production capture. */
  variant: boolean;
  outcome: "captured" | "failed" | "missed";
  reasonCode: MissReason | null;
  recovered: boolean;
}

export interface OutageRow {
  from: number;
  to: number;
  backlogAtReturn: number;
  oldestPendingAt: number | null;
  caughtUpAt: number | null;
}

export interface ClockSampleRow {
  at: number;
  offsetMs: number | null;
  trusted: boolean;
  source: string;
  correctionMs: number;
}

export interface ReportInput {
  cameraId: string;
  /** The camera's IANA zone, for readers that show its local times. */
  timezone: string;
  /** [from, to), epoch ms. */
  from: number;
  to: number;
  /** The hub's time: ticks at or after it are not due yet. */
  now: number;
  /** The ticks of the plan in force over the range (hub/plans: planInForce). */
  ticks: ReportTick[];
  /** The camera's first contact: its life at the hub began then (null: not yet). */
  firstContactAt: number | null;
  /** Every record the hub holds with a planned time in range. */
  records: ReportRecord[];
  /** Outages overlapping the range (more are ignored). */
  outages: OutageRow[];
  clockSamples: ClockSampleRow[];
  observed: ObservedState | null;
  lastContactAt: number | null;
  /** Longer without contact than this is an outage (see outageThresholdMs). */
  outageThresholdMs: number;
  /** Exposure drift as of the range's end (hub/quality), and the thresholds it used. */
  exposure?: ExposureSummary | null;
  quality?: QualityConfig | null;
  /** Pictures the hub received for records in range (absent: not counted). */
  imagesHeld?: { thumbnails: number; full: number };
}

export interface ReportOutage {
  from: string;
  /** Null while the outage is still going on. */
  to: string | null;
  duration_s: number;
  backlog_at_return: number | null;
  oldest_pending_at: string | null;
  caught_up_at: string | null;
  /** From the return to the first poll with an empty backlog. */
  catch_up_s: number | null;
  ongoing: boolean;
}

export interface SyncReport {
  camera_id: string;
  /** The camera's IANA zone. */
  timezone: string;
  from: string;
  to: string;
  generated_at: string;
  /** When the camera's life at the hub began (its first contact); nothing before it is planned. */
  first_contact_at: string | null;
  /**
   * Ticks of the plan in force in range that are due (before the hub's time) or
   * already answered by a record. planned = captured + missed, always.
   */
  planned: number;
  /** Planned ticks with a captured record. */
  captured: number;
  /** Planned ticks without one, by reason (missed_by_reason sums to missed). */
  missed: number;
  missed_by_reason: Record<MissBucket, number> & { [UNKNOWN_REASON]?: number };
  /** Ticks of the plan at or after the hub's time, not answered yet: not due, so neither planned nor missed. */
  upcoming: number;
  /** Captured records that answer no planned tick (e.g. taken while the clock was untrusted). */
  unplanned: number;
  /** Records the hub holds with a planned time in range, any outcome. */
  uploaded: number;
  /** Of those, records rebuilt from images after the agent lost its database. */
  recovered: number;
  outages: ReportOutage[];
  clock: {
    offset_samples: { at: string; offset_ms: number | null; trusted: boolean; source: string; correction_ms: number }[];
    current: { trusted: boolean; source: string; offset_ms: number | null; correction_ms: number; reported_at: string | null } | null;
  };
  backlog: { count: number | null; oldest_pending_at: string | null; age_s: number | null };
  /**
   * Image sync: thumbnails and verified full images the hub received for records in
   * range, and the agent's image backlog as it last reported it (whole camera, like
   * `backlog`; null when it reported none: no contact yet, or an agent without image sync).
   */
  images: {
    thumbnails: number | null;
    full: number | null;
    pending: number | null;
    pending_bytes: number | null;
    thumbnails_pending: number | null;
    oldest_pending_at: string | null;
    age_s: number | null;
    last_uploaded_at: string | null;
  };
  last_contact_at: string | null;
  incidents: Incident[];
  /** Exposure drift as of `to`: the run of frames out of range before it (null: not evaluated). */
  exposure: ExposureSummary | null;
  /** The thresholds `exposure` was judged by. */
  quality: QualityConfig | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const seconds = (ms: number) => Math.round(ms) / 1000;
/** An instant and a profile (or a schedule). */
const keyOf = (at: number, name: string) => `${at}|${name}`;

function reasonOf(records: ReportRecord[]): MissBucket | typeof UNKNOWN_REASON {
  const coded = records.find((r) => r.reasonCode !== null);
  if (coded) return coded.reasonCode!;
  return records.some((r) => r.outcome === "failed") ? "camera_error" : UNKNOWN_REASON;
}

/** The sync report of one camera over [from, to): pure, from what the service read. */
export function computeReport(input: ReportInput): SyncReport {
  const { from, to, now } = input;

  // Records by the tick they answer: first its own instant and profile; then, for a tick still unanswered,
  // a production record of the same instant and schedule under another profile (a hand deploy, a rollout
  // between polls). A tick is captured when any of its records is.
  const byTick = new Map<string, { tick: ReportTick; records: ReportRecord[] }>();
  for (const t of input.ticks) if (!byTick.has(keyOf(t.at, t.profile))) byTick.set(keyOf(t.at, t.profile), { tick: t, records: [] });
  const left: ReportRecord[] = [];
  for (const r of input.records) {
    const tick = byTick.get(keyOf(r.plannedAt, r.profileId));
    if (tick) tick.records.push(r);
    else left.push(r);
  }
  // Production records left over, by instant and schedule, captured ones first.
  const spare = new Map<string, ReportRecord[]>();
  for (const r of left) {
    if (r.variant) continue;
    const key = keyOf(r.plannedAt, r.schedule);
    const list = spare.get(key) ?? spare.set(key, []).get(key)!;
    if (r.outcome === "captured") list.unshift(r);
    else list.push(r);
  }
  for (const { tick, records } of byTick.values()) {
    if (records.length) continue;
    const other = spare.get(keyOf(tick.at, tick.schedule))?.shift();
    if (other) records.push(other);
  }
  const answered = new Set([...byTick.values()].flatMap((t) => t.records));
  const unplanned = input.records.filter((r) => !answered.has(r) && r.outcome === "captured").length;
  const recovered = input.records.filter((r) => r.recovered).length;

  const missedBy = Object.fromEntries(MISS_BUCKETS.map((b) => [b, 0])) as SyncReport["missed_by_reason"];
  let planned = 0;
  let captured = 0;
  let upcoming = 0;
  for (const { tick, records } of byTick.values()) {
    if (!records.length && tick.at >= now) {
      upcoming++;
      continue;
    }
    planned++;
    if (records.some((r) => r.outcome === "captured")) captured++;
    else if (!records.length) missedBy.not_reported++;
    else {
      const reason = reasonOf(records);
      missedBy[reason] = (missedBy[reason] ?? 0) + 1;
    }
  }

  const outages: ReportOutage[] = input.outages
    .filter((o) => o.from < to && o.to > from)
    .sort((a, b) => a.from - b.from)
    .map((o) => ({
      from: iso(o.from),
      to: iso(o.to),
      duration_s: seconds(o.to - o.from),
      backlog_at_return: o.backlogAtReturn,
      oldest_pending_at: isoOrNull(o.oldestPendingAt),
      caught_up_at: isoOrNull(o.caughtUpAt),
      catch_up_s: o.caughtUpAt === null ? null : seconds(o.caughtUpAt - o.to),
      ongoing: false,
    }));
  const last = input.lastContactAt;
  if (last !== null && now - last > input.outageThresholdMs && last < to && now > from) {
    outages.push({
      from: iso(last),
      to: null,
      duration_s: seconds(now - last),
      backlog_at_return: null,
      oldest_pending_at: null,
      caught_up_at: null,
      catch_up_s: null,
      ongoing: true,
    });
  }

  const observed = input.observed;
  const oldest = observed?.oldest_pending_at ? Date.parse(observed.oldest_pending_at) : null;
  const pictures = observed?.images ?? null;
  const oldestImage = pictures?.oldest_pending_at ? Date.parse(pictures.oldest_pending_at) : null;
  return {
    camera_id: input.cameraId,
    timezone: input.timezone,
    from: iso(from),
    to: iso(to),
    generated_at: iso(now),
    first_contact_at: isoOrNull(input.firstContactAt),
    planned,
    captured,
    missed: planned - captured,
    missed_by_reason: missedBy,
    upcoming,
    unplanned,
    uploaded: input.records.length,
    recovered,
    outages,
    clock: {
      offset_samples: input.clockSamples
        .filter((s) => s.at >= from && s.at < to)
        .sort((a, b) => a.at - b.at)
        .map((s) => ({ at: iso(s.at), offset_ms: s.offsetMs, trusted: s.trusted, source: s.source, correction_ms: s.correctionMs })),
      current: observed
        ? {
            trusted: observed.clock.trusted,
            source: observed.clock.source,
            offset_ms: observed.clock.offset_ms,
            correction_ms: observed.clock.correction_ms,
            reported_at: isoOrNull(last),
          }
        : null,
    },
    backlog: {
      count: observed ? observed.backlog : null,
      oldest_pending_at: isoOrNull(oldest),
      age_s: oldest === null ? null : Math.max(0, seconds(now - oldest)),
    },
    images: {
      thumbnails: input.imagesHeld?.thumbnails ?? null,
      full: input.imagesHeld?.full ?? null,
      pending: pictures ? pictures.pending : null,
      pending_bytes: pictures ? pictures.pending_bytes : null,
      thumbnails_pending: pictures ? pictures.thumbnails_pending : null,
      oldest_pending_at: isoOrNull(oldestImage),
      age_s: oldestImage === null ? null : Math.max(0, seconds(now - oldestImage)),
      last_uploaded_at: pictures?.last_uploaded_at ?? null,
    },
    last_contact_at: isoOrNull(last),
    incidents: observed?.incidents ?? [],
    exposure: input.exposure ?? null,
    quality: input.quality ?? null,
  };
}
