/** Human-readable renderings of the operator API's answers (pure: JSON in, text out). */
import type { FleetCamera, FleetSummary } from "../fleet/compute";
import type { QualityConfig } from "../../shared/contracts/config";
import type { ExposureSummary } from "../quality/compute";
import type { SyncReport } from "../reports/compute";
import { ago, duration, pairs, percent, signedMs, table, time, time as zonedTime } from "../../shared/cli/table";

export function formatReport(r: SyncReport): string {
  const out: string[] = [];
  // Times in the camera's zone, the zone named (as the dashboard shows them).
  const time = (value: string | null | undefined) => zonedTime(value, r.timezone);
  out.push(`${r.camera_id}  ${time(r.from)} → ${time(r.to)}  (${duration((Date.parse(r.to) - Date.parse(r.from)) / 1000)}; hub time ${time(r.generated_at)})`);
  out.push(r.first_contact_at ? `first contact ${time(r.first_contact_at)}: nothing before it is planned` : "waiting for first contact: nothing is planned or missed before it", "");

  const reasons = Object.entries(r.missed_by_reason).filter(([, n]) => n > 0);
  const counts: [string, string, string][] = [
    ["planned", String(r.planned), ""],
    ["captured", String(r.captured), percent(r.captured, r.planned)],
    ["missed", String(r.missed), percent(r.missed, r.planned)],
    ...reasons.map(([reason, n]) => [`  ${reason}`, String(n), ""] as [string, string, string]),
    ["upcoming", String(r.upcoming), "not due yet (not in planned)"],
    ["unplanned", String(r.unplanned), "captured off the plan"],
    ["uploaded", String(r.uploaded), "records at the hub"],
    ["recovered", String(r.recovered), "rebuilt from images"],
  ];
  out.push(table(null, counts, ["left", "right", "left"]));

  out.push("", `Outages (${r.outages.length})`);
  if (!r.outages.length) out.push("  none");
  else
    out.push(
      table(
        ["FROM", "TO", "DURATION", "BACKLOG AT RETURN", "CAUGHT UP", "CATCH-UP"],
        r.outages.map((o) => [
          time(o.from),
          o.ongoing ? "(ongoing)" : time(o.to),
          duration(o.duration_s),
          o.backlog_at_return === null ? "—" : String(o.backlog_at_return),
          o.ongoing ? "—" : o.caught_up_at ? time(o.caught_up_at) : "not yet",
          duration(o.catch_up_s),
        ]),
        ["left", "left", "right", "right", "left", "right"],
        "  ",
      ),
    );

  const b = r.backlog;
  const c = r.clock.current;
  const samples = r.clock.offset_samples;
  const offsets = samples.map((s) => s.offset_ms).filter((x): x is number => x !== null);
  const largest = offsets.length ? offsets.reduce((a, x) => (Math.abs(x) > Math.abs(a) ? x : a)) : null;
  const untrusted = samples.filter((s) => !s.trusted).length;
  out.push(
    "",
    pairs([
      ["Backlog", b.count === null ? "unknown (no report yet)" : b.count === 0 ? "0 pending" : `${b.count} pending, oldest ${time(b.oldest_pending_at)} (${duration(b.age_s)} old)`],
      [
        "Clock",
        c === null
          ? "unknown (no report yet)"
          : `${c.trusted ? "trusted" : "UNTRUSTED"} (${c.source}), offset ${signedMs(c.offset_ms)}, correction ${signedMs(c.correction_ms)}`,
      ],
      [
        "Clock samples",
        samples.length ? `${samples.length} in range, largest offset ${signedMs(largest)}${untrusted ? `, ${untrusted} untrusted` : ""}` : "none in range",
      ],
      ["Last contact", r.last_contact_at ? `${time(r.last_contact_at)} (${ago(r.last_contact_at, r.generated_at)})` : "never"],
      ["Exposure", exposureLine(r.exposure ?? null, r.quality ?? null, time)],
    ]),
  );

  if (r.incidents.length) {
    out.push("", `Incidents (${r.incidents.length}, as the agent last reported)`);
    out.push(table(["AT", "KIND", "DETAIL"], r.incidents.map((i) => [time(i.at), i.kind, i.detail]), [], "  "));
  }
  return out.join("\n");
}

const stops = (x: number | null) => (x === null ? "—" : `${x > 0 ? "+" : ""}${x.toFixed(2)}`);

/** The report's exposure line: drifting or not, the current run, other runs needing attention, recent brightness. */
function exposureLine(e: ExposureSummary | null, q: QualityConfig | null, time: (value: string | null) => string): string {
  if (!e || e.last_measured_at === null) return "no measured frames" + issuesText(e, "; ", time);
  const limit = q ? ` (beyond ±${q.drift_stops} stop${q.drift_stops === 1 ? "" : "s"}; ${q.drift_frames} in a row flag it)` : "";
  const since = `${e.truncated ? "at or before " : ""}${time(e.since)}`;
  const recent = `recent mean luma ${e.recent_mean_luma ?? "—"}, last measured ${time(e.last_measured_at)}`;
  const others = issuesText(e, "; ", time);
  if (e.drifting) return `DRIFTING since ${since}: ${e.frames} frames, mean ${stops(e.mean_stops)} stops${limit}${others}; ${recent}`;
  if (e.frames) return `in range; last ${e.frames} frame${e.frames === 1 ? "" : "s"} out since ${since}, mean ${stops(e.mean_stops)} stops${limit}${others}; ${recent}`;
  return `in range${others}; ${recent}`;
}

/** The runs other than drift that need attention, in words with their start: "; ATTENTION sky clipped 37 % for 40 frames since …". */
function issuesText(e: ExposureSummary | null | undefined, lead: string, time: (value: string) => string): string {
  const issues = (e?.issues ?? []).filter((i) => i.kind !== "drift");
  return issues.map((i) => `${lead}ATTENTION ${i.text} since ${i.truncated ? "at or before " : ""}${time(i.since)}`).join("");
}

/** The fleet's exposure cell: "—" without measured frames; each run needing attention in words. */
function exposureCell(e: ExposureSummary | null | undefined): string {
  const words = (e?.issues ?? []).map((i) => (i.kind === "drift" ? `DRIFT ${stops(i.value)} ×${i.frames}` : i.text));
  if (words.length) return words.join("; ");
  if (!e || e.last_measured_at === null) return "—";
  return `ok${e.frames ? ` (${e.frames} out)` : ""}`;
}

export const FLEET_STATUS: Record<FleetCamera["status"], string> = { online: "online", offline: "OFFLINE", waiting_for_first_contact: "waiting for first contact" };

export function formatFleet(f: FleetSummary): string {
  if (!f.cameras.length) return "no cameras";
  const rows = f.cameras.map((c) => [
    c.id,
    FLEET_STATUS[c.status],
    c.last_contact_at ? ago(c.last_contact_at, f.generated_at) : "never",
    c.backlog === null ? "—" : String(c.backlog),
    c.oldest_pending_at ? ago(c.oldest_pending_at, f.generated_at) : "—",
    c.behind_since ? time(c.behind_since, c.timezone) : "—",
    c.disk ? `${Math.round(c.disk.percent)}%${c.disk.warning ? "!" : ""}` : "—",
    c.clock ? (c.clock.trusted ? "ok" : "UNTRUSTED") : "—",
    c.incidents.length ? `${c.incidents.length} (${c.incidents[c.incidents.length - 1]!.kind})` : "—",
    exposureCell(c.exposure),
    c.attention.join(", ") || "—",
  ]);
  return [
    table(
      ["CAMERA", "STATUS", "LAST CONTACT", "BACKLOG", "OLDEST PENDING", "BEHIND SINCE", "DISK", "CLOCK", "INCIDENTS", "EXPOSURE", "ATTENTION"],
      rows,
      ["left", "left", "right", "right", "right", "left", "right", "left", "left", "left", "left"],
    ),
    "",
    `${f.totals.cameras} cameras, ${f.totals.online} online, ${f.totals.waiting_for_first_contact ? `${f.totals.waiting_for_first_contact} waiting for first contact, ` : ""}${f.totals.attention} need attention (hub time ${time(f.generated_at)})`,
  ].join("\n");
}
