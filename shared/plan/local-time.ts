/** Wall-clock arithmetic in an IANA time zone, with Intl only (no tz database of our own). */

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

/** The zone's wall clock at an instant, field by field. */
export function wallClock(tz: string, utc: number): LocalDateTime {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(utc))) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return p as unknown as LocalDateTime;
}

/** The zone's offset from UTC at an instant, in ms (Denver in winter: −7 h). */
export function offsetAt(tz: string, utc: number): number {
  const w = wallClock(tz, utc);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - Math.floor(utc / 1000) * 1000;
}

export function localDateOf(tz: string, utc: number): LocalDate {
  const w = wallClock(tz, utc);
  return { year: w.year, month: w.month, day: w.day };
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** "2026-11-24" → its parts; no validation (the caller's input is a date already). */
export function parseLocalDate(text: string): LocalDate {
  const [year = NaN, month = NaN, day = NaN] = text.split("-").map(Number);
  return { year, month, day };
}

export function formatLocalDate(date: LocalDate): string {
  return `${date.year}-${String(date.month).padStart(2, "0")}-${String(date.day).padStart(2, "0")}`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-11-24 06:30:00": the zone's wall clock at an instant. */
export function formatLocalDateTime(tz: string, utc: number): string {
  const w = wallClock(tz, utc);
  return `${formatLocalDate(w)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

const namers = new Map<string, Intl.DateTimeFormat>();
/** The zone's short name at an instant as people read it ("MST", "GMT+1"), as the dashboard shows it. */
export function zoneName(tz: string, utc: number): string {
  let f = namers.get(tz);
  if (!f) namers.set(tz, (f = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "short" })));
  return f.formatToParts(new Date(utc)).find((p) => p.type === "timeZoneName")?.value ?? tz;
}

/**
 * The instant at which the zone's clocks read `date` `hh:mm`. Like Temporal's
 * "compatible" disambiguation: a time skipped by a DST jump moves forward by the
 * jump, a time that occurs twice resolves to the first occurrence.
 */
export function localToUtc(tz: string, date: LocalDate, hours: number, minutes: number): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hours, minutes);
  // Probe a day either side: zones run up to 14 h ahead of UTC, so ±12 h can miss the change.
  const before = wall - offsetAt(tz, wall - 24 * 3_600_000);
  const after = wall - offsetAt(tz, wall + 24 * 3_600_000);
  const valid = [before, after].filter((t) => t + offsetAt(tz, t) === wall);
  return valid.length ? Math.min(...valid) : before;
}

/** Midnight at the start of the local day that contains `utc`. */
export function startOfLocalDay(tz: string, utc: number): number {
  return localToUtc(tz, localDateOf(tz, utc), 0, 0);
}
