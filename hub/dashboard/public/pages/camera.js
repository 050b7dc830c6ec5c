// Camera: timeline of the last days, the day's exposure, latest images, the sync report, its timelapses.
import { api, ApiError, blobUrl, enc, loadImage, qs, revoke } from "../lib/api.js";
import { chartLegend, smallMultiples, timeline } from "../lib/chart.js";
import { h, labelCells, notice, replace } from "../lib/dom.js";
import { addDays, ATTENTION_TEXT, contactStatus, exposureIssueLines, formatAgo, formatBytes, formatDateTime, formatDuration, formatShutter, formatSigned, formatTime, localDate, plural, startOfLocalDay } from "../lib/format.js";
import { healthSection } from "./camera-health.js";
import { isActive, listTimelapses, startRender, timelapseTable } from "../lib/timelapses.js";
import { errorNotice, facts, hubNow, loadConfig, loading, poller, zoneOf } from "../lib/ui.js";

const DAYS = 3;

async function allCaptures(id, from, to) {
  const out = [];
  let cursor = null;
  do {
    const page = await api(`/api/cameras/${enc(id)}/captures${qs({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), limit: 10000, cursor })}`);
    out.push(...page.captures);
    cursor = page.next;
  } while (cursor && out.length < 100_000);
  return out;
}

function settingsFacts(c, zone) {
  const st = c.settings ?? {};
  const ex = c.exposure ?? {};
  return facts([
    ["Planned", formatDateTime(c.planned_at, zone, { seconds: true })],
    ["Schedule", `${c.schedule} · ${c.profile_id} ${c.profile_version ?? ""}`],
    ["Shutter", `${formatShutter(ex.exposure_time_us)}${st.shutter_us === null ? " (auto)" : ""}`],
    ["Gain", ex.analogue_gain !== undefined ? `${ex.analogue_gain.toFixed(2)}×${st.iso ? ` (ISO ${st.iso})` : " (auto)"}` : "—"],
    ["EV", formatSigned(st.ev, 1)],
    ["WB", `${st.white_balance?.mode ?? "—"}${st.white_balance?.kelvin ? ` ${st.white_balance.kelvin} K` : ""}${ex.colour_temperature ? ` (${Math.round(ex.colour_temperature)} K)` : ""}`],
    ["Lux", c.meter?.lux !== undefined ? c.meter.lux.toFixed(c.meter.lux < 10 ? 2 : 0) : "—"],
    ["Luma", c.measures ? `${c.measures.mean_luma.toFixed(0)} (clipped ${c.measures.clipped_highlights_pct.toFixed(1)} %, crushed ${c.measures.crushed_shadows_pct.toFixed(1)} %)` : "—"],
  ]);
}

export async function render(main, [cameraId]) {
  document.title = `${cameraId} · Skylapse`;
  const reload = h("button", { type: "button", onclick: () => window.dispatchEvent(new HashChangeEvent("hashchange")) }, "Refresh");
  const head = h("div", { class: "page-head" }, h("h1", {}, `Camera ${cameraId}`), h("p", { class: "summary row" }, reload, h("a", { href: "#/fleet" }, "← Fleet")));
  main.append(head, loading(`Loading ${cameraId}…`));

  const [camera, config, now] = await Promise.all([api(`/api/cameras/${enc(cameraId)}`), loadConfig(), hubNow()]);
  const zone = zoneOf(config, cameraId);
  const today = localDate(now, zone);
  const firstDay = addDays(today, -(DAYS - 1));
  const from = startOfLocalDay(firstDay, zone);
  const endOfToday = startOfLocalDay(addDays(today, 1), zone);
  const days = Array.from({ length: DAYS }, (_, i) => addDays(firstDay, i));

  // One range for the plan, the report and the captures; the report of each day beside it, so the day rows add up to the report.
  const reportOf = (s, e) => api(`/api/cameras/${enc(cameraId)}/report${qs({ from: new Date(s).toISOString(), to: new Date(e).toISOString() })}`);
  const [plan, report, captures, assignment, fleet, dayReports, agents] = await Promise.all([
    api(`/api/cameras/${enc(cameraId)}/plan${qs({ from: new Date(from).toISOString(), to: new Date(endOfToday).toISOString() })}`),
    reportOf(from, endOfToday),
    allCaptures(cameraId, from, endOfToday),
    api(`/api/cameras/${enc(cameraId)}/assignment`).catch(() => null),
    api("/api/fleet"),
    Promise.all(days.map((day) => reportOf(startOfLocalDay(day, zone), startOfLocalDay(addDays(day, 1), zone)))),
    api("/api/agents").catch(() => []),
  ]);
  const agent = agents.find((x) => x.camera_id === cameraId);
  const fleetEntry = fleet.cameras.find((c) => c.id === cameraId);
  main.lastElementChild.remove();
  head.firstChild.textContent = camera.name ? `${camera.name} (${cameraId})` : `Camera ${cameraId}`;

  // --- overview
  const a = assignment?.assigned;
  const contact = fleetEntry ? contactStatus(fleetEntry, now, zone) : null;
  main.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "overview-h" },
      h("h2", { id: "overview-h" }, "Overview"),
      h("p", { class: "zone" }, `Times in ${zone} (${camera.location ?? "no location label"}) · hub time ${formatDateTime(now, zone, { seconds: true })}`),
      facts([
        contact ? ["Status", h("span", { class: contact.tone }, contact.text)] : null,
        fleetEntry?.attention?.length ? ["Attention", fleetEntry.attention.map((x) => ATTENTION_TEXT[x] ?? x).join(", ")] : null,
        ["Mode", camera.mode],
        ["Assigned", a ? `${a.profile_id} ${a.version}${a.version === "latest" ? ` (${a.resolved_version})` : ""}` : "none"],
        ["Running", assignment?.running ? `${assignment.running.profile_id} ${assignment.running.version}${assignment.converged ? "" : " — not the assigned version yet"}` : "nothing reported"],
        ["Agent", agentText(agent)],
        ["Next capture", plan.next_capture ? `${formatDateTime(plan.next_capture.at, zone)} (${plan.next_capture.schedule}, ${formatAgo(plan.next_capture.at, now)})` : "none planned"],
        ["Schedules", camera.schedules.join(", ") || "none"],
        ["Position", camera.latitude !== undefined ? `${camera.latitude}, ${camera.longitude}` : "the site's"],
      ]),
    ),
  );

  // --- timeline
  const production = captures.filter((c) => c.test_role !== "variant");
  const counts = days.map((day, i) => {
    const s = startOfLocalDay(day, zone);
    const e = startOfLocalDay(addDays(day, 1), zone);
    const r = dayReports[i];
    return {
      day,
      windows: plan.windows.filter((w) => Date.parse(w.start) < e && Date.parse(w.end) > s),
      planned: r.planned,
      captured: r.captured,
      missed: r.missed,
      upcoming: r.upcoming,
      outages: report.outages.filter((o) => Date.parse(o.from) < e && (o.to === null || Date.parse(o.to) > s)).length,
    };
  });
  main.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "timeline-h" },
      h("h2", { id: "timeline-h" }, `Last ${DAYS} days`),
      chartLegend([["l-window", "planned window"], ["l-captured", "captured"], ["l-missed", "missed / failed"], ["l-outage", "outage (no contact)"]]),
      h("div", { class: "chart-wrap" }, timeline({ days, zone, windows: plan.windows, captures: production, outages: report.outages, now })),
      h(
        "div",
        { class: "table-wrap" },
        labelCells(h(
          "table",
          {},
          h("caption", { class: "muted" }, `Per local day (${zone}), counted as the sync report counts them`),
          h("thead", {}, h("tr", {}, ["Day", "Windows", "Planned", "Captured", "Missed", "Upcoming", "Outages"].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            {},
            counts.map((c) =>
              h(
                "tr",
                {},
                h("th", { scope: "row" }, c.day),
                h("td", {}, c.windows.map((w) => `${w.schedule} ${formatTime(w.start, zone)}–${formatTime(w.end, zone)}`).join(", ") || "none"),
                h("td", {}, c.planned),
                h("td", {}, c.captured),
                h("td", {}, c.missed),
                h("td", {}, c.upcoming),
                h("td", {}, c.outages),
              ),
            ),
          ),
        )),
      ),
    ),
  );

  // --- exposure chart of a day
  const daysWithCaptures = days.filter((d) => counts.find((c) => c.day === d).captured > 0);
  const daySelect = h("select", { id: "exposure-day", name: "day" }, days.map((d) => h("option", { value: d, selected: d === (daysWithCaptures.at(-1) ?? today) }, d)));
  const chartBox = h("div", { class: "chart-wrap" });
  const drawChart = () => {
    const day = daySelect.value;
    const s = startOfLocalDay(day, zone);
    const e = startOfLocalDay(addDays(day, 1), zone);
    const frames = production.filter((c) => c.outcome === "captured" && Date.parse(c.planned_at) >= s && Date.parse(c.planned_at) < e);
    if (!frames.length) return replace(chartBox, h("p", { class: "muted" }, `No captures on ${day}.`));
    const times = frames.map((c) => Date.parse(c.planned_at));
    const t0 = Math.min(...times);
    const t1 = Math.max(...times);
    const pad = Math.max(5 * 60_000, (t1 - t0) * 0.02);
    const pts = (f) => frames.map((c) => [Date.parse(c.planned_at), f(c)]);
    replace(
      chartBox,
      smallMultiples({
        title: `Exposure on ${day} (${zone}): lux, shutter, gain, EV and measured luma`,
        zone,
        from: t0 - pad,
        to: t1 + pad,
        series: [
          { label: "Scene light", unit: "lux", log: true, values: pts((c) => c.meter?.lux), color: "#b7791f" },
          { label: "Shutter", unit: "s", log: true, values: pts((c) => (c.exposure?.exposure_time_us ?? NaN) / 1e6), color: "#1d5fbf" },
          { label: "Analogue gain", unit: "×", values: pts((c) => c.exposure?.analogue_gain), color: "#6f42c1" },
          { label: "EV compensation", unit: "stops", values: pts((c) => c.settings?.ev), color: "#2f855a" },
          { label: "Measured luma", unit: "0–255, target 118", values: pts((c) => c.measures?.mean_luma), color: "#c05621" },
        ],
      }),
    );
  };
  daySelect.addEventListener("change", drawChart);
  main.append(h("section", { class: "panel", "aria-labelledby": "exposure-h" }, h("div", { class: "row" }, h("h2", { id: "exposure-h" }, "Exposure"), h("label", { for: "exposure-day" }, "Day"), daySelect), chartBox));
  drawChart();
  main.append(healthSection({ cameraId, zone, now, health: fleetEntry?.health ?? null }));

  // --- latest images
  // The newest thumbnails the camera has not sent yet are left out (the report counts them).
  const pendingThumbs = report.images?.thumbnails_pending ?? 0;
  const withPicture = captures.filter((c) => c.outcome === "captured" && c.image);
  const latest = withPicture.slice(0, Math.max(0, withPicture.length - pendingThumbs)).filter((c) => c.test_role !== "variant").slice(-8).reverse();
  const viewer = h("div", { class: "viewer", "aria-live": "polite" });
  const viewerUrls = [];
  main.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "images-h" },
      h("h2", { id: "images-h" }, "Latest images"),
      latest.length
        ? h(
            "ul",
            { class: "gallery" },
            latest.map((c) => {
              const img = h("img", { alt: `${cameraId} at ${formatDateTime(c.planned_at, zone)}`, width: 320, height: 180 });
              loadImage(img, `/api/cameras/${enc(cameraId)}/captures/${enc(c.id)}/thumbnail`);
              const open = h("button", { type: "button" }, "Full image");
              open.addEventListener("click", async () => {
                replace(viewer, notice("info", "Loading the full image…"));
                try {
                  const url = await blobUrl(`/api/cameras/${enc(cameraId)}/captures/${enc(c.id)}/image`, { cache: false });
                  if (!url) return replace(viewer, notice("info", "The hub does not hold this full image (not uploaded yet, thumbnails-only policy, or removed by retention)."));
                  viewerUrls.push(url);
                  replace(viewer, h("figure", {}, h("img", { src: url, alt: `Full image from ${cameraId}, ${formatDateTime(c.planned_at, zone)}` }), h("figcaption", { class: "muted" }, `${formatDateTime(c.planned_at, zone, { seconds: true })} · ${c.image.width}×${c.image.height} · ${formatBytes(c.image.bytes)}`)));
                } catch (e) {
                  replace(viewer, errorNotice(e));
                }
              });
              return h("li", { dataset: { capture: c.id } }, img, settingsFacts(c, zone), open);
            }),
          )
        : h("p", { class: "muted" }, "No captured images in these days."),
      viewer,
    ),
  );

  // --- sync report
  const r = report;
  const reasons = Object.entries(r.missed_by_reason).filter(([, n]) => n > 0);
  main.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "report-h" },
      h("h2", { id: "report-h" }, "Sync report"),
      h("p", { class: "muted" }, `${formatDateTime(r.from, zone)} – ${formatDateTime(r.to, zone)} · ${r.first_contact_at ? `first contact ${formatDateTime(r.first_contact_at, zone)}: nothing before it is planned` : "waiting for first contact: nothing is planned or missed before it"}`),
      h(
        "div",
        { class: "grid-2" },
        facts([
          ["Planned", r.planned],
          ["Captured", r.captured],
          ["Missed", r.missed],
          ["Upcoming", `${r.upcoming} (not due yet)`],
          ["Unplanned", r.unplanned],
          ["Uploaded", r.uploaded],
          ["Recovered", r.recovered],
        ]),
        facts([
          ["Backlog", r.backlog.count ? `${plural(r.backlog.count, "record")}, ${formatDuration(r.backlog.age_s)} old` : "none"],
          r.images ? ["Pictures", `${r.images.thumbnails} thumbnails, ${r.images.full} full${r.images.pending ? `, ${r.images.pending} to upload (${formatBytes(r.images.pending_bytes)})` : ""}`] : null,
          ["Last contact", formatDateTime(r.last_contact_at, zone)],
          ["Clock", r.clock.current ? `${r.clock.current.trusted ? "trusted" : "NOT trusted"} (${r.clock.current.source}${r.clock.current.offset_ms !== null ? `, offset ${r.clock.current.offset_ms} ms` : ""})` : "—"],
          ["Exposure", exposureIssueLines(r.exposure, zone).join("; ") || "no runs needing attention"],
        ]),
      ),
      reasons.length ? h("h3", {}, "Misses by reason") : null,
      reasons.length ? facts(reasons.map(([k, n]) => [k.replace(/_/g, " "), n])) : null,
      h("h3", {}, "Outages"),
      r.outages.length
        ? h(
            "div",
            { class: "table-wrap" },
            labelCells(h(
              "table",
              {},
              h("thead", {}, h("tr", {}, ["From", "To", "Length", "Backlog at return", "Caught up"].map((t) => h("th", { scope: "col" }, t)))),
              h(
                "tbody",
                {},
                r.outages.map((o) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, formatDateTime(o.from, zone)),
                    h("td", {}, o.ongoing ? "ongoing" : formatDateTime(o.to, zone)),
                    h("td", {}, formatDuration(o.duration_s ?? (now - Date.parse(o.from)) / 1000)),
                    h("td", {}, o.backlog_at_return ?? "—"),
                    h("td", {}, o.caught_up_at ? `${formatDateTime(o.caught_up_at, zone)} (${formatDuration(o.catch_up_s)})` : "—"),
                  ),
                ),
              ),
            )),
          )
        : h("p", { class: "muted" }, "No outages in this range."),
      r.incidents?.length ? h("h3", {}, "Incidents") : null,
      r.incidents?.length ? h("ul", {}, r.incidents.map((i) => h("li", {}, `${formatDateTime(i.at, zone)} — ${String(i.kind).replace(/_/g, " ")}: ${i.detail}`))) : null,
    ),
  );

  // --- timelapses of this camera
  const tlSection = h("section", { class: "panel", "aria-labelledby": "tl-h" }, h("h2", { id: "tl-h" }, "Timelapses"));
  main.append(tlSection);
  let timer = null;
  let table = null;
  const first = await listTimelapses({ camera_id: cameraId }).catch((e) => e);
  if (first === null) tlSection.append(h("p", { class: "muted" }, "This hub has no timelapse renderer."));
  else if (first instanceof Error) tlSection.append(errorNotice(first));
  else {
    const status = h("div", { "aria-live": "polite" });
    const renderDay = h("select", { id: "render-day", name: "render_day" }, days.map((d) => h("option", { value: d, selected: d === (daysWithCaptures.at(-1) ?? today) }, d)));
    const go = h("button", { type: "button", class: "primary" }, "Quick render of this day");
    go.addEventListener("click", async () => {
      const day = renderDay.value;
      go.disabled = true;
      try {
        await startRender({ camera_id: cameraId, from: new Date(startOfLocalDay(day, zone)).toISOString(), to: new Date(startOfLocalDay(addDays(day, 1), zone)).toISOString(), source: "thumbnails" });
        replace(status, notice("ok", `Render of ${day} started.`));
        timer.now();
      } catch (e) {
        replace(status, errorNotice(e));
      } finally {
        go.disabled = false;
      }
    });
    table = timelapseTable({ zoneFor: () => zone, onChange: () => timer.now() });
    tlSection.append(h("div", { class: "row" }, h("label", { for: "render-day" }, "Day"), renderDay, go, h("a", { href: "#/timelapses" }, "Full-image renders and other options")), status, table.el);
    table.update(first);
    let list = first;
    timer = poller(async () => {
      list = await listTimelapses({ camera_id: cameraId });
      table.update(list ?? []);
      return (list ?? []).some(isActive);
    }, (active) => (active ? 1000 : 5000));
  }

  return () => {
    timer?.stop();
    table?.dispose();
    for (const u of viewerUrls) revoke(u);
  };
}

/** The agent release running vs assigned, and the last update with the bytes it moved. */
function agentText(agent) {
  if (!agent || (agent.running === null && agent.assigned === null)) return "nothing reported";
  const assigned = agent.assigned === null ? "none assigned" : `assigned ${agent.assigned === "latest" ? `latest (${agent.assigned_version ?? "none"})` : agent.assigned}${agent.converged ? "" : " — not running it yet"}`;
  const u = agent.last_update;
  const last = u ? ` · last update ${u.version} ${u.result.replace("_", " ")}, ${Math.round(u.bytes_moved / 1024)} KiB moved (${u.full ? "runtime and code" : "code only"})` : "";
  return `running ${agent.running ?? "nothing reported yet"} · ${assigned}${agent.phase === "downloading" ? ` · downloading ${Math.round((agent.downloaded_bytes / Math.max(1, agent.total_bytes)) * 100)}%` : ""}${last}`;
}
