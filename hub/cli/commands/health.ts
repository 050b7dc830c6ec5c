/** `health [CAMERA] [--hours N]`: a camera's device health now and hour by hour, or the fleet's worst now. */
import type { FleetSummary } from "../../fleet/compute";
import type { BucketMetrics, CameraHealthNow, HealthMetric } from "../../health/compute";
import type { DeviceHealth } from "../../../shared/contracts/health";
import { type CommandSpec, UsageError } from "../../../shared/cli/args";
import { type CliContext, show } from "../../../shared/cli/run";
import { ago, duration, pairs, table, time } from "../../../shared/cli/table";
import { FLEET_STATUS } from "../format";

const HOUR_MS = 3_600_000;
const DEFAULT_HOURS = 12;
/** Rows of the history at most: longer ranges get longer rows. */
const MAX_ROWS = 24;

/** GET /api/cameras/{id}/health (hub/API.md). */
interface HealthHistory {
  camera_id: string;
  from: string;
  to: string;
  buckets: { at: string; samples: number; metrics: BucketMetrics }[];
  latest: { at: string | null; health: DeviceHealth; now: CameraHealthNow } | null;
}

const num = (v: number | null | undefined, digits = 1, unit = "") => (v === null || v === undefined ? "—" : `${v.toFixed(digits)}${unit}`);
const yesNo = (v: boolean | null | undefined) => (v === null || v === undefined ? "—" : v ? "YES" : "no");
const bytes = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : v < 1e6 ? `${(v / 1e3).toFixed(1)} kB` : v < 1e9 ? `${(v / 1e6).toFixed(1)} MB` : `${(v / 1e9).toFixed(2)} GB`;

function link(now: CameraHealthNow): string {
  const l = now.link;
  if (!l) return "—";
  const signal = l.cell_quality !== null ? `cellular ${l.cell_quality} %` : l.wifi_dbm !== null ? `Wi-Fi ${l.wifi_dbm} dBm` : "no signal reading";
  return `${l.iface ?? "?"}, ${signal}${l.signal_pct === null ? "" : ` (${l.signal_pct} %)`}`;
}

function current(h: HealthHistory): string {
  if (!h.latest) return pairs([["health", `${h.camera_id}: no health reported yet (its agent sends none, or it never polled)`]]);
  const { at, health: d, now } = h.latest;
  const mem = d.mem_total_mb !== null && d.mem_available_mb !== null ? `${d.mem_total_mb - d.mem_available_mb} of ${d.mem_total_mb} MB used` : "—";
  const disk = d.disk_total_mb !== null && d.disk_free_mb !== null ? `${d.disk_free_mb} of ${d.disk_total_mb} MB free` : "—";
  const traffic = now.traffic;
  return pairs([
    ["health", `${h.camera_id}, last poll ${time(at)} (${ago(at, h.to)})`],
    ["SoC temperature", num(now.soc_temp_c, 1, " °C")],
    ["sensor temperature", num(now.sensor_temp_c, 1, " °C")],
    ["under-voltage", `now ${yesNo(now.under_voltage_now)}, since boot ${yesNo(now.under_voltage_since_boot)}`],
    ["throttled now", yesNo(now.throttled_now)],
    ["load", d.load ? d.load.map((l) => l.toFixed(2)).join(" ") : "—"],
    ["memory", mem],
    ["disk", disk],
    ["uptime", d.uptime_s === null ? "—" : `${duration(d.uptime_s)}${d.boot_id ? ` (boot ${d.boot_id.slice(0, 8)})` : ""}`],
    ["link", link(now)],
    ["traffic today", traffic ? `${traffic.day}: received ${bytes(traffic.rx_bytes)}, sent ${bytes(traffic.tx_bytes)}, the agent's uploads ${bytes(traffic.agent_sent)}` : "—"],
  ]);
}

/** Min, max and last of a metric over some buckets (oldest first). */
function span(buckets: HealthHistory["buckets"], metric: HealthMetric): [number, number, number] | null {
  const held = buckets.map((b) => b.metrics[metric]).filter((m) => m !== undefined);
  if (!held.length) return null;
  return [Math.min(...held.map((m) => m[0])), Math.max(...held.map((m) => m[1])), held.at(-1)![2]];
}

/** The buckets in rows of `rowMs`, each as the worst it saw: temperature range, peak load and memory, any under-voltage or throttling, the weakest signal. */
function historyRows(buckets: HealthHistory["buckets"], rowMs: number): string[][] {
  const rows = new Map<number, HealthHistory["buckets"]>();
  for (const b of buckets) {
    const start = Math.floor(Date.parse(b.at) / rowMs) * rowMs;
    rows.set(start, [...(rows.get(start) ?? []), b]);
  }
  const range = (s: [number, number, number] | null) => (s === null ? "—" : s[0] === s[1] ? s[0].toFixed(1) : `${s[0].toFixed(1)}–${s[1].toFixed(1)}`);
  const flag = (s: [number, number, number] | null) => (s === null ? "—" : s[1] ? "YES" : "no");
  return [...rows].map(([start, bs]) => {
    const wifi = span(bs, "wifi_dbm");
    const cell = span(bs, "cell_quality");
    return [
      time(new Date(start).toISOString()),
      String(bs.reduce((n, b) => n + b.samples, 0)),
      range(span(bs, "soc_temp_c")),
      num(span(bs, "load_1m")?.[1], 2),
      num(span(bs, "mem_used_pct")?.[1], 0),
      num(span(bs, "disk_used_pct")?.[2], 0),
      flag(span(bs, "under_voltage")),
      flag(span(bs, "throttled")),
      cell ? `${cell[0]} %` : wifi ? `${wifi[0]} dBm` : "—",
      bytes(span(bs, "agent_sent_day")?.[2]),
    ];
  });
}

function formatCameraHealth(h: HealthHistory, rowMs = HOUR_MS): string {
  const rows = historyRows(h.buckets, rowMs);
  const history = rows.length
    ? table(["from", "polls", "SoC °C", "load", "mem %", "disk %", "under-V", "throttled", "weakest", "agent sent"], rows, ["left", "right", "right", "right", "right", "right", "left", "left", "right", "right"], "  ")
    : "  no health reported in this range";
  const hours = Math.round((Date.parse(h.to) - Date.parse(h.from)) / HOUR_MS);
  return [current(h), "", `last ${hours} h, ${rowMs / HOUR_MS} h a row (worst in each):`, history].join("\n");
}

function formatFleetHealth(f: FleetSummary): string {
  const w = f.health;
  const worst = pairs([
    ["hottest", w.hottest ? `${w.hottest.camera_id} ${w.hottest.soc_temp_c.toFixed(1)} °C` : "—"],
    ["under-voltage now", w.under_voltage_now.join(", ") || "none"],
    ["since boot", w.under_voltage_since_boot.join(", ") || "none"],
    ["weakest link", w.weakest_signal ? `${w.weakest_signal.camera_id} ${w.weakest_signal.signal_pct} % (${w.weakest_signal.iface ?? "?"})` : "—"],
  ]);
  const rows = f.cameras.map((c) => {
    const h = c.health;
    return [c.id, FLEET_STATUS[c.status], num(h?.soc_temp_c), h ? `${yesNo(h.under_voltage_now)} / ${yesNo(h.under_voltage_since_boot)}` : "—", yesNo(h?.throttled_now), h?.link?.signal_pct == null ? "—" : `${h.link.signal_pct} %`, bytes(h?.traffic?.agent_sent)];
  });
  const cams = table(["camera", "status", "SoC °C", "under-V now / boot", "throttled", "signal", "agent sent today"], rows, ["left", "left", "right", "left", "left", "right", "right"], "  ");
  return [`fleet health, worst now over the ${f.totals.online} camera(s) online:`, worst, "", cams].join("\n");
}

const health: CommandSpec<CliContext> = {
  name: "health",
  summary: "a camera's device health (temperature, power, load, memory, disk, link, traffic) now and hour by hour; without CAMERA, the fleet's worst now",
  args: [],
  optionalArgs: ["CAMERA"],
  flags: {
    hours: { type: "string", placeholder: "N", description: `how far back the history goes, hours (default ${DEFAULT_HOURS}, at most 744)` },
  },
  async run(ctx, { args, flags }) {
    const hours = flags.hours === undefined ? DEFAULT_HOURS : Number(flags.hours);
    if (!Number.isInteger(hours) || hours < 1 || hours > 744) throw new UsageError(`--hours: '${flags.hours}' is not a whole number of hours from 1 to 744`);
    if (!args.CAMERA) {
      if (flags.hours !== undefined) throw new UsageError("--hours needs a CAMERA");
      return show(ctx, await ctx.api.get<FleetSummary>("/api/fleet"), formatFleetHealth);
    }
    // The range ends at the hub's time (simulated or not), not this machine's.
    const to = Date.parse((await ctx.api.get<{ time: string }>("/health")).time);
    const q = new URLSearchParams({ from: new Date(to - hours * HOUR_MS).toISOString(), to: new Date(to).toISOString() });
    const rowMs = Math.ceil(hours / MAX_ROWS) * HOUR_MS;
    show(ctx, await ctx.api.get<HealthHistory>(`/api/cameras/${encodeURIComponent(args.CAMERA)}/health?${q}`), (h) => formatCameraHealth(h, rowMs));
  },
};

export const HEALTH_COMMANDS = [health];
