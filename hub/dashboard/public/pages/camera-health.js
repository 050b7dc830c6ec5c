// Camera page: the device's health now (its last poll) and its history in 5-minute buckets.
import { api, enc, qs } from "../lib/api.js";
import { smallMultiples } from "../lib/chart.js";
import { h, replace } from "../lib/dom.js";
import { formatBytes, formatTime, localDate } from "../lib/format.js";
import { errorNotice, facts } from "../lib/ui.js";

const HOUR = 3_600_000;
const RANGES = [["24 hours", 24 * HOUR], ["7 days", 7 * 24 * HOUR], ["30 days", 30 * 24 * HOUR]];
const yesNo = (v, yes, no) => (v === null || v === undefined ? "not reported" : v ? yes : no);
const num = (v, unit, digits = 1) => (v === null || v === undefined ? "not reported" : `${v.toFixed(digits)} ${unit}`);

function nowFacts(health) {
  if (!health) return h("p", { class: "muted" }, "No health reported yet (an agent older than health reporting, or no poll yet).");
  const link = health.link;
  const t = health.traffic;
  return facts([
    ["SoC", num(health.soc_temp_c, "°C")],
    ["Sensor", num(health.sensor_temp_c, "°C")],
    ["Power", health.under_voltage_now === null ? "not reported" : h("span", { class: health.under_voltage_now ? "bad" : health.under_voltage_since_boot ? "warn" : "ok" }, health.under_voltage_now ? "under-voltage now" : health.under_voltage_since_boot ? "under-voltage since boot" : "no under-voltage since boot")],
    ["Throttling", yesNo(health.throttled_now, "capped or throttled now", "none now")],
    ["Link", link ? `${link.iface ?? "?"}${link.cell_quality !== null ? ` · cellular ${link.cell_quality} %` : ""}${link.wifi_dbm !== null ? ` · Wi-Fi ${link.wifi_dbm} dBm` : ""}` : "not reported"],
    ["Traffic today", t ? `${formatBytes(t.rx_bytes)} in, ${formatBytes(t.tx_bytes)} out; the agent's uploads ${formatBytes(t.agent_sent)} (${t.day})` : "not reported"],
  ]);
}

/** One point per bucket: its max (temperatures, load, power flags) or its last value (daily counters). */
const series = (buckets, metric, pick = 1) => buckets.map((b) => [Date.parse(b.at), b.metrics[metric]?.[pick] ?? null]);

function chart(history, zone, from, to) {
  const b = history.buckets;
  if (!b.length) return h("p", { class: "muted" }, "No health history in this range.");
  const cellular = b.some((x) => x.metrics.cell_quality);
  return smallMultiples({
    title: `Device health (${zone}) in 5-minute buckets: temperatures, load and memory at their highest, the signal at its lowest`,
    kind: "health",
    zone,
    from,
    to,
    tick: (t) => (to - from > 24 * HOUR ? `${localDate(t, zone).slice(5)} ${formatTime(t, zone)}` : formatTime(t, zone)),
    series: [
      { label: "SoC temperature", unit: "°C", values: series(b, "soc_temp_c"), color: "#c53030" },
      { label: "Sensor temperature", unit: "°C", values: series(b, "sensor_temp_c"), color: "#b7791f" },
      { label: "Under-voltage", unit: "1 = seen in the bucket", values: series(b, "under_voltage"), color: "#6f42c1" },
      { label: "Load (1 min)", unit: "", values: series(b, "load_1m"), color: "#1d5fbf" },
      { label: "Memory used", unit: "%", values: series(b, "mem_used_pct"), color: "#2f855a" },
      cellular
        ? { label: "Cellular signal (lowest)", unit: "%", values: series(b, "cell_quality", 0), color: "#2b6cb0" }
        : { label: "Wi-Fi signal (lowest)", unit: "dBm", values: series(b, "wifi_dbm", 0), color: "#2b6cb0" },
      { label: "Agent uploads today", unit: "MB", values: series(b, "agent_sent_day", 2).map(([t, v]) => [t, v === null ? null : v / 1e6]), color: "#c05621" },
    ],
  });
}

/** The Health panel: facts from the fleet entry, and the history chart for a range up to `now`. */
export function healthSection({ cameraId, zone, now, health }) {
  const range = h("select", { id: "health-range", name: "range" }, RANGES.map(([label, ms], i) => h("option", { value: ms, selected: i === 0 }, label)));
  const box = h("div", { class: "chart-wrap" });
  const draw = async () => {
    const to = now;
    const from = to - Number(range.value);
    replace(box, h("p", { class: "muted" }, "Loading health…"));
    try {
      const history = await api(`/api/cameras/${enc(cameraId)}/health${qs({ from: new Date(from).toISOString(), to: new Date(to).toISOString() })}`);
      replace(box, chart(history, zone, from, to));
    } catch (e) {
      replace(box, errorNotice(e));
    }
  };
  range.addEventListener("change", () => void draw());
  void draw();
  return h(
    "section",
    { class: "panel", "aria-labelledby": "health-h" },
    h("div", { class: "row" }, h("h2", { id: "health-h" }, "Health"), h("label", { for: "health-range" }, "Range"), range),
    nowFacts(health),
    box,
  );
}

/** A camera's health in one line for its fleet card; null without a report. */
export function healthLine(health) {
  if (!health) return null;
  const parts = [];
  if (health.soc_temp_c !== null) parts.push(`SoC ${health.soc_temp_c.toFixed(1)} °C`);
  if (health.under_voltage_now) parts.push("under-voltage now");
  else if (health.under_voltage_since_boot) parts.push("under-voltage since boot");
  if (health.throttled_now) parts.push("throttled");
  if (health.link?.signal_pct !== null && health.link?.signal_pct !== undefined) parts.push(`${health.link.iface ?? "link"} ${health.link.signal_pct} %`);
  if (health.traffic) parts.push(`sent ${formatBytes(health.traffic.agent_sent)} today`);
  const tone = health.under_voltage_now ? "bad" : health.under_voltage_since_boot || health.throttled_now ? "warn" : "";
  return h("span", { class: tone }, parts.join(" · ") || "nothing reported");
}

/** The fleet's worst health now in one line (empty when no camera online reports any). */
export function fleetHealthText(worst) {
  if (!worst) return "";
  const parts = [];
  if (worst.hottest) parts.push(`hottest ${worst.hottest.camera_id} ${worst.hottest.soc_temp_c.toFixed(1)} °C`);
  if (worst.under_voltage_now.length) parts.push(`under-voltage now: ${worst.under_voltage_now.join(", ")}`);
  if (worst.under_voltage_since_boot.length) parts.push(`under-voltage since boot: ${worst.under_voltage_since_boot.join(", ")}`);
  if (worst.weakest_signal) parts.push(`weakest link ${worst.weakest_signal.camera_id} ${worst.weakest_signal.signal_pct} %`);
  return parts.length ? `Health: ${parts.join(" · ")}` : "";
}
