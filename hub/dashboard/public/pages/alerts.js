// Alerts: firing, acknowledged, history; maintenance windows, channels with a test button, the delivery log.
import { api } from "../lib/api.js";
import { field, h, labelCells, notice, replace } from "../lib/dom.js";
import { formatAgo, formatDateTime, fromLocalInput, toLocalInput } from "../lib/format.js";
import { cameraLink, clearIssues, errorNotice, hubNow, loadConfig, poller, select, submitForm } from "../lib/ui.js";

export const REFRESH_MS = 5000;
const HOUR = 3_600_000;

function tableOf(caption, headers, rows, empty) {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  const t = h("table", { class: "stacks", "aria-label": caption }, h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows));
  labelCells(t);
  return h("div", { class: "table-wrap" }, t);
}

/** A table row; a cell given as a string or element is wrapped in a td, a td is taken as it is. */
function row(attrs, ...cells) {
  return h("tr", attrs, cells.map((c) => (c instanceof HTMLTableCellElement ? c : h("td", {}, c))));
}

const actions = (buttons) => h("td", { class: "actions" }, buttons);

export async function render(main) {
  document.title = "Alerts · Skylapse";
  const status = h("p", { class: "summary", role: "status", "aria-live": "polite" }, "Loading alerts…");
  const problem = h("div");
  const sections = Object.fromEntries(["firing", "acknowledged", "history", "maintenance", "channels", "deliveries"].map((k) => [k, h("div", { id: `alerts-${k}` })]));
  const section = (key, title, ...extra) => h("section", { "aria-labelledby": `alerts-${key}-h` }, h("h2", { id: `alerts-${key}-h` }, title), ...extra, sections[key]);
  const config = await loadConfig();
  const zone = config.location?.timezone ?? "UTC";
  const when = (t) => (t ? formatDateTime(t, zone) : "—");
  let timer = null;

  const act = async (button, path, body) => {
    button.disabled = true;
    try {
      await api(path, { method: "POST", body });
      timer?.now();
    } catch (e) {
      replace(problem, errorNotice(e));
    } finally {
      button.disabled = false;
    }
  };

  function alertRow(a, now, open) {
    const buttons = open
      ? [
          a.acknowledged_at ? null : h("button", { type: "button", onclick: (e) => act(e.target, `/api/alerts/${a.id}/ack`) }, "Acknowledge"),
          h("button", { type: "button", onclick: (e) => act(e.target, `/api/alerts/${a.id}/mute`, { until: new Date(now + HOUR).toISOString() }) }, "Mute 1 h"),
          h("button", { type: "button", onclick: (e) => act(e.target, `/api/alerts/${a.id}/mute`, { until: new Date(now + 24 * HOUR).toISOString() }) }, "Mute 24 h"),
        ]
      : [];
    return row(
      { dataset: { alert: a.id } },
      cameraLink(a.camera_id),
      a.kind.replace(/_/g, " "),
      a.summary,
      open ? `${when(a.fired_at)} (${formatAgo(a.fired_at, now)})` : when(a.fired_at),
      open ? (a.muted_until ? `muted until ${when(a.muted_until)}` : a.notified_at ? "notified" : "not notified yet") : when(a.resolved_at),
      actions(buttons),
    );
  }

  const windowRow = (w) =>
    row({}, cameraLink(w.camera_id), when(w.starts_at), when(w.ends_at), w.reason ?? "", actions(h("button", { type: "button", class: "danger", onclick: (e) => remove(e.target, `/api/alerts/maintenance/${w.id}`) }, "Delete")));

  const channelRow = (c) =>
    row(
      {},
      c.id,
      c.type === "webhook" ? `webhook (${c.format})` : `e-mail${c.digest_hour !== null ? `, digest at ${c.digest_hour}:00 UTC` : ""}`,
      c.type === "webhook" ? c.url : c.to.join(", "),
      c.enabled ? "yes" : "no",
      actions(h("button", { type: "button", onclick: (e) => act(e.target, "/api/alerts/test", { channel_id: c.id }) }, "Send a test")),
    );

  const deliveryRow = (d, now) =>
    row(
      {},
      when(d.created_at),
      d.channel_id,
      d.event,
      d.alert_id === null ? "—" : String(d.alert_id),
      h("td", { class: d.status === "failed" ? "bad" : d.status === "pending" ? "warn" : "ok" }, d.status === "pending" && d.next_attempt_at ? `pending, next try ${formatAgo(d.next_attempt_at, now)}` : d.status),
      String(d.attempts),
      d.last_error ?? "",
    );

  async function refresh() {
    const [open, history, windows, channels, deliveries, now] = await Promise.all([
      api("/api/alerts?state=open"),
      api("/api/alerts?state=resolved&limit=50"),
      api("/api/alerts/maintenance"),
      api("/api/alerts/channels"),
      api("/api/alerts/deliveries?limit=50"),
      hubNow(),
    ]);
    replace(problem);
    const firing = open.alerts.filter((a) => a.status === "firing");
    const heads = ["Camera", "Alert", "What", "Fired", "Notification", ""];
    // Per section: caption, column heads, rows, what an empty one says.
    const tables = {
      firing: ["Firing alerts", heads, firing.filter((a) => !a.acknowledged_at).map((a) => alertRow(a, now, true)), "Nothing is firing."],
      acknowledged: ["Acknowledged alerts", heads, firing.filter((a) => a.acknowledged_at).map((a) => alertRow(a, now, true)), "None acknowledged."],
      history: ["Resolved alerts", ["Camera", "Alert", "What", "Fired", "Resolved", ""], history.alerts.map((a) => alertRow(a, now, false)), "No resolved alerts yet."],
      maintenance: ["Maintenance windows", ["Camera", "From", "To", "Reason", ""], windows.windows.map(windowRow), "No maintenance windows."],
      channels: ["Channels", ["Channel", "Type", "Where", "Enabled", ""], channels.channels.map(channelRow), "No channels: add one with PUT /api/alerts/channels/{id} (see hub/API.md)."],
      deliveries: ["Deliveries", ["Queued", "Channel", "Event", "Alert", "Status", "Attempts", "Last error"], deliveries.deliveries.map((d) => deliveryRow(d, now)), "Nothing sent yet."],
    };
    for (const [key, [caption, headers, rows, empty]] of Object.entries(tables)) replace(sections[key], tableOf(caption, headers, rows, empty));
    const unacked = firing.filter((a) => !a.acknowledged_at).length;
    status.textContent = `${unacked} firing · ${firing.length - unacked} acknowledged · hub time ${formatDateTime(now, zone, { seconds: true })}`;
    main.dataset.updated = new Date(now).toISOString();
  }

  async function remove(button, path) {
    button.disabled = true;
    try {
      await api(path, { method: "DELETE" });
      timer?.now();
    } catch (e) {
      replace(problem, errorNotice(e));
      button.disabled = false;
    }
  }

  main.append(
    h("div", { class: "page-head" }, h("h1", {}, "Alerts"), status),
    problem,
    section("firing", "Firing"),
    section("acknowledged", "Acknowledged"),
    section("history", "History"),
    section("maintenance", "Maintenance windows", maintenanceForm(Object.keys(config.cameras ?? {}), zone, await hubNow(), () => timer?.now())),
    section("channels", "Channels"),
    section("deliveries", "Delivery log"),
  );
  timer = poller(async () => {
    try {
      await refresh();
    } catch (e) {
      replace(problem, errorNotice(e));
      throw e;
    }
  }, REFRESH_MS);
  return () => timer.stop();
}

function maintenanceForm(cams, zone, now, onAdded) {
  const camera = select("camera_id", cams.map((c) => [c]), cams[0]);
  const from = h("input", { name: "starts_at", type: "datetime-local", step: 60, value: toLocalInput(now, zone) });
  const to = h("input", { name: "ends_at", type: "datetime-local", step: 60, value: toLocalInput(now + 2 * HOUR, zone) });
  const reason = h("input", { name: "reason", type: "text", maxlength: 500 });
  const controls = { "body.camera_id": camera, "body.starts_at": from, "body.ends_at": to, "body.reason": reason };
  const summary = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, "Add window");
  const form = h(
    "form",
    { class: "panel", "aria-label": "Plan a maintenance window", novalidate: true },
    h("div", { class: "form-grid" }, field("Camera", camera), field(`From (${zone})`, from), field(`To (${zone})`, to), field("Reason", reason)),
    h("p", { class: "hint" }, "No alert fires for the camera during the window; a condition still there after it fires after its hold time."),
    h("div", { class: "actions" }, submit),
    summary,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearIssues(controls, summary);
    await submitForm(submit, controls, summary, async () => {
      const body = { camera_id: camera.value, starts_at: fromLocalInput(from.value, zone), ends_at: fromLocalInput(to.value, zone), ...(reason.value ? { reason: reason.value } : {}) };
      await api("/api/alerts/maintenance", { method: "POST", body });
      replace(summary, notice("ok", `Maintenance window for ${camera.value} added.`));
      onAdded();
    });
  });
  return form;
}
