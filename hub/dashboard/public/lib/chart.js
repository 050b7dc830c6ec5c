// Charts as inline SVG, drawn here (no library): the camera timeline and the exposure small multiples.
import { h, s } from "./dom.js";
import { formatTime, localDate, startOfLocalDay, addDays } from "./format.js";

const W = 1000;

/**
 * Days as rows, 00:00–24:00 local across: planned windows (bands), captures (green
 * ticks), misses (red ticks), outages (grey spans) and the hub's now.
 * `days`: ["YYYY-MM-DD", ...] oldest first.
 */
export function timeline({ days, zone, windows, captures, outages, now }) {
  const left = 92;
  const right = 8;
  const rowH = 30;
  const top = 6;
  const axisH = 20;
  const height = top + days.length * rowH + axisH;
  const span = W - left - right;
  const svg = s("svg", { class: "chart timeline", viewBox: `0 0 ${W} ${height}`, role: "img", "aria-labelledby": "timeline-title" });
  svg.append(s("title", { id: "timeline-title" }, `Planned windows, captures, misses and outages by local day (${zone})`));
  days.forEach((day, row) => {
    const start = startOfLocalDay(day, zone);
    const end = startOfLocalDay(addDays(day, 1), zone);
    const x = (t) => left + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * span;
    const y = top + row * rowH;
    svg.append(s("text", { x: 0, y: y + rowH / 2 + 4 }, day.slice(5)));
    svg.append(s("rect", { x: left, y: y + 2, width: span, height: rowH - 4, fill: "#f3f5f8" }));
    for (const w of windows) {
      const a = Date.parse(w.start);
      const b = Date.parse(w.end);
      if (b <= start || a >= end) continue;
      svg.append(s("rect", { class: "window", x: x(a), y: y + 2, width: Math.max(1, x(b) - x(a)), height: rowH - 4 }, s("title", {}, `${w.schedule}: ${formatTime(a, zone)}–${formatTime(b, zone)}`)));
    }
    for (const o of outages) {
      const a = Date.parse(o.from);
      const b = o.to ? Date.parse(o.to) : now;
      if (b <= start || a >= end) continue;
      svg.append(s("rect", { class: "outage", x: x(a), y: y + 2, width: Math.max(2, x(b) - x(a)), height: rowH - 4 }, s("title", {}, `outage ${formatTime(a, zone)}–${o.to ? formatTime(b, zone) : "now"}`)));
    }
    // One path per kind keeps the SVG small with thousands of ticks.
    let ok = "";
    let miss = "";
    for (const c of captures) {
      const t = Date.parse(c.planned_at);
      if (t < start || t >= end) continue;
      const px = x(t).toFixed(1);
      if (c.outcome === "captured") ok += `M${px} ${y + 8}V${y + rowH - 8}`;
      else if (c.outcome === "missed" || c.outcome === "failed") miss += `M${px} ${y + 3}V${y + rowH - 3}`;
    }
    if (ok) svg.append(s("path", { class: "captured", d: ok, "stroke-width": 1 }));
    if (miss) svg.append(s("path", { class: "missed", d: miss, "stroke-width": 1.5 }));
    if (now >= start && now < end) svg.append(s("line", { class: "now", x1: x(now), x2: x(now), y1: y, y2: y + rowH }));
  });
  const axisY = top + days.length * rowH + 14;
  for (let hr = 0; hr <= 24; hr += 3) {
    const px = left + (hr / 24) * span;
    svg.append(s("line", { class: "axis", x1: px, x2: px, y1: top, y2: axisY - 10 }));
    svg.append(s("text", { x: px, y: axisY, "text-anchor": hr === 0 ? "start" : hr === 24 ? "end" : "middle" }, `${String(hr).padStart(2, "0")}:00`));
  }
  return svg;
}

/** Log-scale ticks for a range (powers of ten, with 2 and 5 when the range is short). */
function logTicks(min, max) {
  const out = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of max / min < 100 ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e;
      if (v >= min && v <= max) out.push(v);
    }
  }
  return out;
}

function linearTicks(min, max, count = 4) {
  const raw = (max - min) / count || 1;
  const step = [1, 2, 2.5, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(+v.toFixed(6));
  return out;
}

const compact = (v) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : Math.abs(v) < 0.01 && v !== 0 ? v.toExponential(0) : `${+v.toFixed(2)}`);

/**
 * Stacked small charts sharing one time axis, one per series:
 * series = [{label, unit, log?, values: [[t, v], ...], format?}]; `tick` labels the time axis (default: the time of day);
 * `kind` is the chart's class beside `chart`.
 */
export function smallMultiples({ series, zone, from, to, title, tick = (t) => formatTime(t, zone), kind = "exposure" }) {
  const left = 70;
  const right = 12;
  const panelH = 78;
  const gap = 16;
  const top = 6;
  const height = top + series.length * (panelH + gap) + 18;
  const span = W - left - right;
  const x = (t) => left + ((t - from) / Math.max(1, to - from)) * span;
  const svg = s("svg", { class: `chart ${kind}`, viewBox: `0 0 ${W} ${height}`, role: "img", "aria-label": title });
  svg.append(s("title", {}, title));
  series.forEach((ser, i) => {
    const y0 = top + i * (panelH + gap) + 14;
    const values = ser.values.filter(([, v]) => v !== null && v !== undefined && Number.isFinite(v) && (!ser.log || v > 0));
    svg.append(s("text", { class: "title", x: left, y: y0 - 3 }, `${ser.label}${ser.unit ? ` (${ser.unit})` : ""}`));
    svg.append(s("rect", { x: left, y: y0, width: span, height: panelH, fill: "#f7f9fb", stroke: "#e3e7ec" }));
    if (!values.length) {
      svg.append(s("text", { x: left + 8, y: y0 + panelH / 2 }, "no values"));
      return;
    }
    let min = Math.min(...values.map(([, v]) => v));
    let max = Math.max(...values.map(([, v]) => v));
    if (ser.log) {
      if (max / min < 10) {
        min /= 2;
        max *= 2;
      }
    } else if (max - min < 1e-9) {
      min -= 1;
      max += 1;
    } else {
      const pad = (max - min) * 0.08;
      min -= pad;
      max += pad;
    }
    const fy = ser.log
      ? (v) => y0 + panelH - ((Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min))) * panelH
      : (v) => y0 + panelH - ((v - min) / (max - min)) * panelH;
    for (const v of ser.log ? logTicks(min, max) : linearTicks(min, max)) {
      const py = fy(v);
      svg.append(s("line", { class: "axis", x1: left, x2: left + span, y1: py, y2: py }));
      svg.append(s("text", { x: left - 6, y: py + 4, "text-anchor": "end" }, (ser.format ?? compact)(v)));
    }
    let d = "";
    let prevT = null;
    const sorted = [...values].sort((a, b) => a[0] - b[0]);
    // A gap of more than 20 minutes breaks the line (separate windows).
    for (const [t, v] of sorted) {
      d += `${prevT === null || t - prevT > 20 * 60_000 ? "M" : "L"}${x(t).toFixed(1)} ${fy(v).toFixed(1)}`;
      prevT = t;
    }
    svg.append(s("path", { d, fill: "none", stroke: ser.color ?? "#1d5fbf", "stroke-width": 1.6 }));
    if (sorted.length < 60) for (const [t, v] of sorted) svg.append(s("circle", { cx: x(t), cy: fy(v), r: 2.2, fill: ser.color ?? "#1d5fbf" }));
  });
  const axisY = height - 4;
  const steps = 6;
  for (let k = 0; k <= steps; k++) {
    const t = from + ((to - from) * k) / steps;
    svg.append(s("text", { x: x(t), y: axisY, "text-anchor": k === 0 ? "start" : k === steps ? "end" : "middle" }, tick(t)));
  }
  return svg;
}

export { localDate };
export const chartLegend = (items) => h("ul", { class: "legend" }, items.map(([cls, text]) => h("li", {}, h("i", { class: cls }), text)));
