/** How the technician CLI prints the agent's answers. */
import { pairs, table, time as utcTime } from "../../shared/cli/table";

type Json = any;

/** Times in the camera's zone with the zone named (its answers carry it), else UTC. */
const zoned = (zone: string | undefined) => (value: string | null | undefined) => utcTime(value, zone);

export function formatStatus(s: Json): string {
  const time = zoned(s.timezone);
  const profile = s.deployed_profile
    ? `${s.deployed_profile.profile_id} ${s.deployed_profile.version} (${s.deployed_profile.source === "local" ? "deployed by hand" : "from the hub"})`
    : "none — live orchestration";
  const hub = s.hub
    ? `${s.hub.url} — ${s.hub.reachable ? "reachable" : "UNREACHABLE"}, last sync ${time(s.hub.last_sync_at)}${s.hub.last_error ? `, last error: ${s.hub.last_error}` : ""}`
    : "none (standalone)";
  const disk = s.disk ? `${s.disk.percent}% used${s.disk.warning ? " — WARNING" : ""}, images ${(s.disk.images_bytes / 1e6).toFixed(1)} MB` : "unknown";
  const lines: [string, string][] = [
    ["camera", `${s.camera_id ?? "(no id)"} — ${s.camera_model}, ${s.camera_ready ? "ready" : "NOT READY"}`],
    ["mode", s.operational_mode],
    ["profile", profile],
    ["hub", hub],
    ["next capture", s.next_capture ? `${time(s.next_capture.at)} ${s.next_capture.schedule}/${s.next_capture.profile}` : "—"],
    ["last capture", time(s.last_capture_at)],
    ["captures", Object.entries(s.captures).map(([k, v]) => `${v} ${k}`).join(", ") || "none"],
    ["backlog", `${s.backlog.count}${s.backlog.oldest_planned_at ? `, oldest ${time(s.backlog.oldest_planned_at)}` : ""}`],
    ["image sync", imageSyncLine(s.image_sync, time)],
    ["disk", disk],
    ["clock", `${time(s.clock.now)} — ${s.clock.trusted ? `trusted (${s.clock.source})` : "NOT TRUSTED"}`],
    ["plan", s.plan_extrapolated ? "extended by the agent (hub unreachable past its plan)" : "from the hub"],
  ];
  const warnings = s.warnings.length ? `\nwarnings:\n${s.warnings.map((w: string) => `  ${w}`).join("\n")}` : "";
  const incidents = s.incidents.length
    ? `\nrecent incidents:\n${table(null, s.incidents.slice(-5).map((i: Json) => [time(i.at), i.kind, i.detail]), [], "  ")}`
    : "";
  return pairs(lines) + warnings + incidents;
}

const policyText = (p: Json) => (typeof p === "string" ? p : `schedules ${p.schedules.join(",")}`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** "all: 12 full images (38.2 MB) to send, oldest …; 3 thumbnails; sent since start 40 (120.0 MB); last error …". */
export function imageSyncLine(i: Json, time = zoned(undefined)): string {
  if (!i) return "none (standalone)";
  const waiting = i.pending ? `${i.pending} full image${i.pending === 1 ? "" : "s"} (${mb(i.pending_bytes)}) to send, oldest ${time(i.oldest_pending_at)}` : "no full image waiting";
  const thumbs = i.thumbnails_pending ? `; ${i.thumbnails_pending} thumbnail${i.thumbnails_pending === 1 ? "" : "s"} waiting` : "";
  const sent = `; sent since start ${i.sent_since_start.images} full (${mb(i.sent_since_start.bytes)}), ${i.sent_since_start.thumbnails} thumbnails`;
  const last = i.last_uploaded_at ? `; hub last verified one ${time(i.last_uploaded_at)}` : "";
  return `${policyText(i.policy)}: ${waiting}${thumbs}${sent}${last}${i.last_error ? `; last error: ${i.last_error}` : ""}`;
}

export function formatPlan(p: Json): string {
  const time = zoned(p.timezone);
  const head = `plan ${time(p.from)} → ${time(p.to)}${p.extrapolated ? " (extended by the agent)" : ""}; next capture ${p.next_capture ? `${time(p.next_capture.at)} ${p.next_capture.schedule}/${p.next_capture.profile}` : "—"}`;
  if (!p.windows.length) return `${head}\nno windows ahead`;
  const rows = p.windows.map((w: Json) => [
    w.schedule,
    time(w.start),
    time(w.end),
    `${w.interval_seconds}s`,
    w.profiles.join(","),
    String(w.ticks),
    w.extrapolated ? "extrapolated" : "",
  ]);
  return `${head}\n\n${table(["schedule", "start", "end", "every", "profiles", "ticks left", ""], rows, ["left", "left", "left", "right", "left", "right"])}`;
}

export function formatCaptures(page: Json): string {
  if (!page.captures.length) return "no captures";
  const rows = page.captures.map((c: Json) => [
    String(c.seq),
    utcTime(c.planned_at),
    c.schedule,
    c.profile_id,
    c.outcome,
    c.uploaded ? "yes" : "no",
    c.outcome === "captured" ? (c.image?.file ?? "") : (c.reason ?? ""),
  ]);
  const more = page.next ? `\nmore: --before ${page.next}` : "";
  return table(["seq", "planned", "schedule", "profile", "outcome", "uploaded", "image / reason"], rows, ["right"]) + more;
}

export function formatMeter(m: Json): string {
  return pairs([
    ["lux", m.lux.toFixed(m.lux < 10 ? 3 : 0)],
    ["exposure", `${m.exposure_time_us} µs (${m.suggested_shutter})`],
    ["gain", `${m.analogue_gain.toFixed(2)} (ISO ${m.suggested_iso})`],
    ["colour temperature", m.colour_temperature ? `${Math.round(m.colour_temperature)} K` : "—"],
  ]);
}

export function formatCapture(c: Json): string {
  const s = c.settings;
  const exposure = c.exposure ? `${c.exposure.exposure_time_us} µs, gain ${c.exposure.analogue_gain.toFixed(2)}` : "—";
  return pairs([
    ["captured", c.image_path],
    ["capture id", c.capture_id],
    ["settings", `iso ${s.iso ?? "auto"}, shutter ${s.shutter_us ? `${s.shutter_us} µs` : "auto"}, ev ${s.ev}, ${s.metering}, wb ${s.white_balance.mode}${s.white_balance.kelvin ? ` ${s.white_balance.kelvin} K` : ""}`],
    ["exposure", exposure],
  ]);
}

export function formatProfile(p: Json): string {
  if (p.status === "no_profile") return p.message;
  if (p.status === "cleared") return p.message;
  if (p.status === "deployed" && !p.snapshot) return `deployed ${p.profile_id} ${p.version}`;
  const b = p.snapshot.base;
  return pairs([
    ["profile", `${p.profile_id} ${p.version} (${p.source === "local" ? "deployed by hand" : "from the hub"})`],
    ["why", p.reason],
    ["deployed", utcTime(p.deployed_at)],
    ["checksum", p.checksum],
    ["base", `iso ${b.iso ?? "auto"}, shutter ${b.shutter_us ?? "auto"}, ev ${b.ev}, ${b.metering}, wb ${b.white_balance.mode}`],
    ["adaptive wb", p.snapshot.wb_table ? `${p.snapshot.wb_table.length} lux points` : "off"],
    ["adaptive ev", p.snapshot.ev_table ? `${p.snapshot.ev_table.length} lux points` : "off"],
    ["overrides", Object.keys(p.snapshot.schedule_overrides).join(", ") || "none"],
  ]);
}


