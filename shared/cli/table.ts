/** Plain-text tables and the small formats the CLI prints. */
import { formatLocalDateTime, zoneName } from "../plan/local-time";

export type Align = "left" | "right";

/** Columns padded to their widest cell; numbers usually right-aligned. Null headers: no header line. */
export function table(headers: string[] | null, rows: string[][], align: Align[] = [], indent = ""): string {
  const columns = headers?.length ?? Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(headers?.[i]?.length ?? 0, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => (align[i] === "right" ? cell.padStart(widths[i]!) : i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [...(headers ? [line(headers)] : []), ...rows.map(line)].join("\n");
}

/** `label  value` lines, labels padded to the widest. */
export function pairs(rows: [string, string][], indent = ""): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`.trimEnd()).join("\n");
}

/** `2026-11-24 06:00:00Z`, or `—` for null. */
/**
 * `2026-11-24 13:30:00Z`; with a zone, the local time there with the zone named
 * (`2026-11-24 06:30:00 MST`), as the dashboard shows a camera's times.
 */
export function time(value: string | null | undefined, timeZone?: string): string {
  if (!value) return "—";
  if (!timeZone) return new Date(value).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
  const ms = Date.parse(value);
  return `${formatLocalDateTime(timeZone, ms)} ${zoneName(timeZone, ms)}`;
}

/** `45s`, `12m 05s`, `3h 07m`, `2d 04h`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** How long before `now` (both ISO), e.g. `5m 00s ago`. */
export function ago(value: string | null | undefined, now: string): string {
  if (!value) return "—";
  return `${duration((Date.parse(now) - Date.parse(value)) / 1000)} ago`;
}

export function percent(part: number, whole: number): string {
  return whole ? `${((100 * part) / whole).toFixed(1)}%` : "—";
}

export function signedMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return `${ms > 0 ? "+" : ms < 0 ? "−" : ""}${Math.abs(Math.round(ms))} ms`;
}
