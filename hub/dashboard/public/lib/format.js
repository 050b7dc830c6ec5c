// Pure helpers (no DOM): dates in a camera's zone, durations, sizes, ordering by attention.
// Unit-tested in test/unit/dashboard-format.test.ts; types in format.d.ts.
// Zone arithmetic is imported from the hub-served shared module, never kept here.

import { addDays as addLocalDays, formatLocalDate, localDateOf, localToUtc, parseLocalDate, wallClock, zoneName as zoneNameAt } from "../shared/local-time.js";

const toMs = (t) => (typeof t === "number" ? t : Date.parse(t));
const pad = (n) => String(n).padStart(2, "0");

// Month names as English writes them ("Sept" in some runtimes): words, not zone arithmetic.
const monthNamer = new Intl.DateTimeFormat("en-GB", { month: "short", timeZone: "UTC" });
const MONTHS = Array.from({ length: 12 }, (_, i) => monthNamer.format(new Date(`2000-${pad(i + 1)}-15T00:00:00Z`)));

function clockText(w, seconds) {
  return `${pad(w.hour)}:${pad(w.minute)}${seconds ? `:${pad(w.second)}` : ""}`;
}

/** "24 Nov 2026, 07:05 MST": a moment in the camera's zone, the zone shown. */
export function formatDateTime(t, timeZone, { seconds = false, year = false } = {}) {
  if (t === null || t === undefined) return "—";
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return "—";
  const w = wallClock(timeZone, ms);
  return `${w.day} ${MONTHS[w.month - 1]}${year ? ` ${w.year}` : ""}, ${clockText(w, seconds)} ${zoneName(ms, timeZone)}`;
}

/** "07:05" (or "07:05:30") in the zone, no zone name: for axes and dense tables under a zone heading. */
export function formatTime(t, timeZone, { seconds = false } = {}) {
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return "—";
  return clockText(wallClock(timeZone, ms), seconds);
}

/** The zone's short name at a moment ("MST", or "GMT+1" where English has no abbreviation). */
export function zoneName(t, timeZone) {
  return zoneNameAt(timeZone, toMs(t));
}

/** The local calendar date "YYYY-MM-DD" of a moment in a zone. */
export function localDate(t, timeZone) {
  return formatLocalDate(localDateOf(timeZone, toMs(t)));
}

/**
 * The UTC moment of a wall-clock time in a zone ("2026-11-24", "07:30" → ms).
 * A time skipped by a DST change moves forward by the jump.
 */
export function zonedTimeToUtc(date, time, timeZone) {
  const [hh, mm, ss = 0] = time.split(":").map(Number);
  return localToUtc(timeZone, parseLocalDate(date), hh, mm) + ss * 1000;
}

/** Local midnight starting a local date, as UTC ms. */
export function startOfLocalDay(date, timeZone) {
  return zonedTimeToUtc(date, "00:00", timeZone);
}

/** The local date `days` after a "YYYY-MM-DD" date (negative: before). */
export function addDays(date, days) {
  return formatLocalDate(addLocalDays(parseLocalDate(date), days));
}

/** A <input type="datetime-local"> value ("2026-11-24T07:30") for a moment in a zone. */
export function toLocalInput(t, timeZone) {
  const ms = toMs(t);
  return `${localDate(ms, timeZone)}T${formatTime(ms, timeZone)}`;
}

/** The ISO moment of a <input type="datetime-local"> value read in a zone, or null when empty or bad. */
export function fromLocalInput(value, timeZone) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)/.exec(value ?? "");
  if (!m) return null;
  return new Date(zonedTimeToUtc(m[1], m[2], timeZone)).toISOString();
}

/** "1 record", "3 records". */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** "3 h 20 min", "45 s", "2 d 4 h": a length of time, two units at most. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago `t` was at `now` ("5 min ago"), or "in 5 min" for a future moment. */
export function formatAgo(t, now) {
  if (t === null || t === undefined) return "—";
  const diff = (toMs(now) - toMs(t)) / 1000;
  return diff >= 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
}

export function formatBytes(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A shutter time as photographers write it: "1/250 s", "0.5 s", "2 s"; null is automatic. */
export function formatShutter(us) {
  if (us === null || us === undefined) return "auto";
  if (us >= 1_000_000) return `${+(us / 1_000_000).toFixed(1)} s`;
  if (us >= 300_000) return `${+(us / 1_000_000).toFixed(2)} s`;
  return `1/${Math.round(1_000_000 / us)} s`;
}

/** A signed number: "+0.3", "−1.50", "0". */
export function formatSigned(n, digits = 1) {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  const text = Math.abs(n).toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return `${n > 0 ? "+" : "−"}${text}`;
}

/** How much each fleet attention reason weighs when ordering cameras: the worst first. */
export const ATTENTION_WEIGHT = { token_shared: 60, offline: 50, behind: 40, camera_error: 35, disk: 30, clipped: 20, crushed: 20, drift: 20, clock_untrusted: 15, not_converged: 10 };

/** A camera's attention score: its worst reason decides, more reasons break a tie (unknown reasons weigh 5). */
export function attentionScore(camera) {
  const reasons = camera.attention ?? [];
  if (!reasons.length) return 0;
  return Math.max(...reasons.map((r) => ATTENTION_WEIGHT[r] ?? 5)) * 10 + reasons.length;
}

/**
 * Fleet cameras ordered for the eye: those needing attention first (the worst
 * reason first, then more reasons, then longest behind), then the rest by id. Not in place.
 */
export function sortByAttention(cameras) {
  const behind = (c) => (c.behind_since ? Date.parse(c.behind_since) : Infinity);
  return [...cameras].sort((a, b) => {
    const sa = attentionScore(a);
    const sb = attentionScore(b);
    if ((sa > 0) !== (sb > 0)) return sa > 0 ? -1 : 1;
    if (sa !== sb) return sb - sa;
    const ba = behind(a);
    const bb = behind(b);
    if (ba !== bb) return ba < bb ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/**
 * A fleet camera's contact in words, and its tone: online, offline since when, or
 * waiting for its first contact (registered, never heard from: nothing is missed yet).
 */
export function contactStatus(camera, now, timeZone) {
  if (camera.status === "waiting_for_first_contact") return { tone: "muted", text: "waiting for first contact" };
  if (camera.online) return { tone: "ok", text: `online · contact ${formatAgo(camera.last_contact_at, now)}` };
  const since = camera.offline_since;
  return { tone: "bad", text: since ? `offline since ${formatDateTime(since, timeZone)} (${formatDuration((toMs(now) - toMs(since)) / 1000)})` : "offline" };
}

/** Words for the fleet's attention reasons. */
export const ATTENTION_TEXT = {
  offline: "offline",
  behind: "behind on uploads",
  disk: "disk nearly full",
  drift: "exposure far from target",
  clipped: "highlights clipped",
  crushed: "shadows crushed",
  camera_error: "captures failing",
  clock_untrusted: "clock not trusted",
  not_converged: "not running its assigned version",
  token_shared: "token used by two agents",
};

/** Each exposure run needing attention in words, with its start in the camera's zone: "sky clipped 37 % for 40 frames since 24 Nov, 06:31 MST". */
export function exposureIssueLines(exposure, timeZone) {
  return (exposure?.issues ?? []).map((i) => `${i.text} since ${i.truncated ? "at or before " : ""}${formatDateTime(i.since, timeZone)}`);
}

/** An API issue path without its "body."/"query." part: "body.base.ev" → "base.ev". */
export function issueField(path) {
  return String(path ?? "").replace(/^(body|query|params)\.?/, "") || "(root)";
}

/**
 * The issue messages that concern a form field ("base.ev"): issues at the field, or
 * inside it ("base.white_balance" gets "base.white_balance.kelvin").
 */
export function issuesFor(issues, fieldPath) {
  return issues.filter((i) => {
    const p = issueField(i.path);
    return p === fieldPath || p.startsWith(`${fieldPath}.`);
  });
}

/** A version string's parts compared numerically ("1.10.0" after "1.9.0"). */
export function compareVersions(a, b) {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** The version before `current` among `versions` (oldest first), or null: what a rollback goes to. */
export function previousVersion(versions, current) {
  const sorted = [...versions].sort(compareVersions);
  const at = sorted.indexOf(current);
  return at > 0 ? sorted[at - 1] : null;
}

/**
 * An A/B test's pairs against its end: "5 / 20" (every camera's pairs, the target
 * being per camera), just "5" for a test that ends at a time; `cameras` splits the
 * count ("ridge 3, valley 2") when there is more than one camera.
 */
export function pairsProgress(test) {
  const done = Object.entries(test.pairs_done ?? {});
  const total = done.reduce((sum, [, n]) => sum + n, 0);
  const target = test.pairs_target ? test.pairs_target * (test.camera_ids?.length || 1) : null;
  return {
    total: target ? `${total} / ${target}` : String(total),
    cameras: done.length > 1 ? done.map(([camera, n]) => `${camera} ${n}`).join(", ") : null,
  };
}
