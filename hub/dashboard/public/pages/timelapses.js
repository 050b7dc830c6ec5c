// Timelapses: every render with its progress; start one for a range.
import { field, h, notice, replace } from "../lib/dom.js";
import { addDays, fromLocalInput, localDate, plural, toLocalInput } from "../lib/format.js";
import { isActive, listTimelapses, startRender, timelapseTable } from "../lib/timelapses.js";
import { clearIssues, hubNow, loadConfig, loading, poller, select, showIssues, submitForm, zoneOf } from "../lib/ui.js";

export async function render(main) {
  document.title = "Timelapses · Skylapse";
  main.append(h("div", { class: "page-head" }, h("h1", {}, "Timelapses")), loading());
  const [config, now, first] = await Promise.all([loadConfig({ fresh: true }), hubNow(), listTimelapses()]);
  main.lastElementChild.remove();
  if (first === null) {
    main.append(notice("info", "This hub has no timelapse renderer."));
    return;
  }
  const cams = Object.keys(config.cameras ?? {});
  let timer = null;
  const table = timelapseTable({ zoneFor: (id) => zoneOf(config, id), onChange: () => timer?.now() });
  const status = h("p", { class: "summary", role: "status" });
  // The list can be narrowed to a camera or a status (the API filters).
  const byCamera = select("filter_camera", [["", "every camera"], ...cams.map((c) => [c])], "", { id: "tl-filter-camera" });
  const byStatus = select("filter_status", [["", "any status"], ...["queued", "running", "done", "failed", "cancelled"].map((x) => [x])], "", { id: "tl-filter-status" });
  const filters = h("div", { class: "row" }, h("span", { class: "row" }, h("label", { for: "tl-filter-camera" }, "Camera"), byCamera), h("span", { class: "row" }, h("label", { for: "tl-filter-status" }, "Status"), byStatus));
  for (const control of [byCamera, byStatus]) control.addEventListener("change", () => timer?.now());
  main.append(renderForm(config, cams, now, () => timer?.now()), h("section", { "aria-labelledby": "tl-list-h" }, h("div", { class: "row" }, h("h2", { id: "tl-list-h" }, "Renders"), status), filters, table.el));
  table.update(first);
  // Quick while something renders, slower when all is still.
  timer = poller(async () => {
    const list = await listTimelapses({ camera_id: byCamera.value, status: byStatus.value });
    table.update(list ?? []);
    const running = (list ?? []).filter(isActive).length;
    status.textContent = running ? `${running} rendering…` : plural((list ?? []).length, "render");
    return running;
  }, (running) => (running ? 1000 : 5000));
  return () => {
    timer.stop();
    table.dispose();
  };
}

function renderForm(config, cams, now, onStarted) {
  const controls = {};
  const camera = select("camera_id", cams.map((c) => [c]), cams[0], {});
  // More cameras side by side on their shared tick grid (2–9 in all).
  const more = cams.map((c) => h("label", {}, h("input", { type: "checkbox", name: "grid", value: c }), c));
  const moreBox = h("div", { class: "checks", id: "render-grid", tabindex: "-1" }, more);
  const moreField = h("fieldset", {}, h("legend", {}, "Beside it (a grid, optional)"), moreBox, h("p", { class: "field-error", id: "render-grid-error", hidden: true }));
  const zoneNote = h("p", { class: "hint" });
  const zone = () => zoneOf(config, camera.value);
  const from = h("input", { name: "from", type: "datetime-local", step: 60 });
  const to = h("input", { name: "to", type: "datetime-local", step: 60 });
  const setDefaults = () => {
    const z = zone();
    const day = localDate(now, z);
    from.value = `${day}T00:00`;
    to.value = toLocalInput(now, z);
    zoneNote.textContent = `Times are ${camera.value}'s local time (${z}).`;
  };
  camera.addEventListener("change", setDefaults);
  setDefaults();
  const schedule = select("schedule", [["", "(every schedule)"], ...Object.keys(config.schedules ?? {}).map((s) => [s])], "");
  const fps = h("input", { name: "fps", type: "number", min: 1, max: 60, step: 1, value: 24 });
  const deflicker = select("deflicker", [["none"], ["rolling"], ["ffmpeg"]], "rolling");
  const source = select("source", [["full", "full images"], ["thumbnails", "thumbnails (quick preview)"]], "full");
  Object.assign(controls, { camera_id: camera, camera_ids: moreBox, from, to, schedule, fps, deflicker, source });
  const summary = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, "Start render");
  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "render-h", novalidate: true },
    h("h2", { id: "render-h" }, "Start a render"),
    h("div", { class: "form-grid" }, field("Camera", camera), field("From", from), field("To", to), field("Schedule", schedule), field("Frames per second", fps), field("Deflicker", deflicker), field("Pictures", source)),
    zoneNote,
    moreField,
    h("div", { class: "actions" }, submit, h("button", { type: "button", onclick: () => ((from.value = `${addDays(localDate(now, zone()), -1)}T00:00`), (to.value = `${localDate(now, zone())}T00:00`)) }, "Yesterday")),
    summary,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearIssues(controls, summary);
    const grid = more.map((l) => l.querySelector("input")).filter((i) => i.checked && i.value !== camera.value).map((i) => i.value);
    const body = { from: fromLocalInput(from.value, zone()), to: fromLocalInput(to.value, zone()), fps: Number(fps.value), deflicker: deflicker.value, source: source.value };
    if (grid.length) body.camera_ids = [camera.value, ...grid];
    else body.camera_id = camera.value;
    if (schedule.value) body.schedule = schedule.value;
    const missing = [];
    if (!body.from) missing.push({ path: "body.from", message: "give a start" });
    if (!body.to) missing.push({ path: "body.to", message: "give an end" });
    if (missing.length) return showIssues(missing, controls, summary);
    await submitForm(submit, controls, summary, async () => {
      const id = await startRender(body);
      replace(summary, notice("ok", `Render ${id.slice(0, 8)} queued.`));
      onStarted();
    });
  });
  return form;
}
