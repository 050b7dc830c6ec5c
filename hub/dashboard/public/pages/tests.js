// A/B tests: create one; browse its pairs side by side with a slider, their measures and the summary.
import { api, enc, loadImage } from "../lib/api.js";
import { field, h, labelCells, replace } from "../lib/dom.js";
import { formatDateTime, formatShutter, formatSigned, fromLocalInput, pairsProgress } from "../lib/format.js";
import { cameraLink, clearIssues, errorNotice, facts, loadConfig, loading, poller, select, showIssues, submitForm, zoneOf } from "../lib/ui.js";

const WB_MODES = ["auto", "daylight", "cloudy", "tungsten", "fluorescent", "incandescent", "indoor", "kelvin"];

const pill = (status) => h("span", { class: `status-pill status-${status}` }, status);
const overrideText = (o) =>
  Object.entries(o ?? {})
    .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join(", ");

export async function render(main, [testId]) {
  document.title = "Tests (A/B) · Skylapse";
  main.append(h("div", { class: "page-head" }, h("h1", {}, testId ? `A/B test ${testId}` : "A/B tests"), testId ? h("p", { class: "summary" }, h("a", { href: "#/tests" }, "← All tests")) : null), loading());
  const config = await loadConfig({ fresh: true });
  main.lastElementChild.remove();
  if (testId) return renderTest(main, testId, config);

  const listBox = h("div");
  main.append(h("section", { "aria-labelledby": "tests-h" }, h("h2", { id: "tests-h" }, "Tests"), listBox), createForm(config));
  const timer = poller(async () => {
    const { tests } = await api("/api/tests");
    const key = JSON.stringify(tests.map((t) => [t.id, t.status, t.pairs_done, t.summary?.closer, t.summary?.by_stops]));
    if (listBox.dataset.key === key) return;
    listBox.dataset.key = key;
    replace(listBox, tests.length ? testsTable(tests) : h("p", { class: "muted" }, "No tests yet."));
  }, 5000);
  return () => timer.stop();
}

function testsTable(tests) {
  const row = (t) =>
    h(
      "tr",
      { dataset: { test: t.id } },
      h("td", {}, h("a", { href: `#/tests/${enc(t.id)}` }, t.id)),
      h("td", {}, pill(t.status)),
      h("td", {}, (t.camera_ids ?? [t.camera_id]).join(", ")),
      h("td", { class: "mono" }, overrideText(t.override)),
      pairsCell(t),
      h("td", { class: "closer" }, t.summary?.closer ? `${t.summary.closer} (by ${formatSigned(t.summary.by_stops, 2)} stops)` : "—"),
    );
  const head = h("thead", {}, h("tr", {}, ["Test", "Status", "Cameras", "Override", "Pairs", "Closer to mid-grey"].map((t) => h("th", { scope: "col" }, t))));
  return h("div", { class: "table-wrap" }, labelCells(h("table", {}, head, h("tbody", {}, tests.map(row)))));
}

function pairsCell(test) {
  const { total, cameras } = pairsProgress(test);
  return h("td", { class: "pairs" }, total, cameras ? h("div", { class: "muted" }, cameras) : null);
}

function createForm(config) {
  const cams = Object.keys(config.cameras ?? {});
  const controls = {};
  const id = h("input", { name: "id", type: "text", placeholder: "e.g. ev-up", autocomplete: "off" });
  const checks = cams.map((c) => h("label", {}, h("input", { type: "checkbox", name: "camera_ids", value: c }), c));
  const camerasBox = h("div", { class: "checks", id: "test-cameras", tabindex: "-1" });
  camerasBox.append(...checks);
  const camerasField = h("fieldset", {}, h("legend", {}, "Cameras"), camerasBox, h("p", { class: "field-error", id: "test-cameras-error", hidden: true }));
  const ev = h("input", { name: "override.ev", type: "number", step: "0.1", placeholder: "e.g. 1" });
  const wb = select("override.white_balance.mode", [["", "(unchanged)"], ...WB_MODES.map((m) => [m])], "");
  const kelvin = h("input", { name: "override.white_balance.kelvin", type: "number", step: "50" });
  const other = h("textarea", { name: "override.more", rows: 3, spellcheck: "false", placeholder: '{"metering": "spot"}' });
  const pairs = h("input", { name: "pairs", type: "number", min: "1", step: "1", value: "10" });
  const until = h("input", { name: "until", type: "datetime-local" });
  const schedule = select("schedule", [["", "(every schedule)"], ...Object.keys(config.schedules ?? {}).map((s) => [s])], "");
  Object.assign(controls, {
    id,
    camera_ids: camerasBox,
    camera_id: camerasBox,
    "override.ev": ev,
    "override.white_balance": wb,
    "override.white_balance.kelvin": kelvin,
    override: other,
    pairs,
    until,
    schedule,
  });
  const summary = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, "Start test");
  const zone = config.location?.timezone ?? "UTC";
  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "create-h", novalidate: true },
    h("h2", { id: "create-h" }, "Start a test"),
    h("p", { class: "muted" }, "At each covered tick the production capture is the baseline and the variant (production settings plus the override) follows at once."),
    h("div", { class: "form-grid" }, field("Test id (optional)", id), field("Schedule", schedule)),
    camerasField,
    h("fieldset", {}, h("legend", {}, "Override"), h("div", { class: "form-grid" }, field("EV compensation", ev, "stops, −4 to 4"), field("White balance", wb), field("Kelvin", kelvin)), field("Other settings (JSON)", other)),
    h("div", { class: "form-grid" }, field("Pairs per camera", pairs), field(`Until (${zone})`, until, "a test needs pairs, an end, or both")),
    h("div", { class: "actions" }, submit),
    summary,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearIssues(controls, summary);
    const body = { override: {} };
    if (id.value.trim()) body.id = id.value.trim();
    const ids = checks.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    if (ids.length) body.camera_ids = ids;
    if (schedule.value) body.schedule = schedule.value;
    if (other.value.trim()) {
      try {
        Object.assign(body.override, JSON.parse(other.value));
      } catch (e) {
        return showIssues([{ path: "body.override", message: `not valid JSON: ${e.message}` }], controls, summary);
      }
    }
    if (ev.value.trim() !== "") body.override.ev = Number(ev.value);
    if (wb.value) body.override.white_balance = { mode: wb.value, ...(kelvin.value.trim() ? { kelvin: Number(kelvin.value) } : {}) };
    if (pairs.value.trim() !== "") body.pairs = Number(pairs.value);
    if (until.value) body.until = fromLocalInput(until.value, zone);
    await submitForm(submit, controls, summary, async () => {
      const created = await api("/api/tests", { method: "POST", body });
      location.hash = `#/tests/${enc(created.id)}`;
    });
  });
  return form;
}

function sideFacts(side) {
  if (!side) return h("p", { class: "muted" }, "not captured yet");
  const m = side.measures;
  return facts([
    ["Outcome", side.outcome],
    ["EV", formatSigned(side.ev, 1)],
    ["WB", side.white_balance ?? "—"],
    ["Exposure", side.exposure ? `${formatShutter(side.exposure.exposure_time_us)}, gain ${side.exposure.analogue_gain.toFixed(2)}×` : "—"],
    ["Luma", m ? m.mean_luma.toFixed(1) : "—"],
    ["From mid-grey", side.stops_from_target !== null && side.stops_from_target !== undefined ? `${formatSigned(side.stops_from_target, 2)} stops` : "—"],
    ["Clipped", m ? `${m.clipped_highlights_pct.toFixed(1)} %` : "—"],
    ["Crushed", m ? `${m.crushed_shadows_pct.toFixed(1)} %` : "—"],
  ]);
}

function sideSummary(x) {
  if (!x || x.mean_abs_stops_from_target === null) return "—";
  return `${x.mean_abs_stops_from_target.toFixed(2)} stops from mid-grey on average; clipped ${x.mean_clipped_highlights_pct?.toFixed(1) ?? "—"} %, crushed ${x.mean_crushed_shadows_pct?.toFixed(1) ?? "—"} %`;
}

async function renderTest(main, testId, config) {
  const head = h("div");
  const summaryBox = h("section", { class: "panel", "aria-labelledby": "sum-h" });
  const compare = h("section", { class: "panel", "aria-labelledby": "cmp-h" });
  const pairsBox = h("section", { class: "panel", "aria-labelledby": "pairs-h" });
  main.append(head, summaryBox, compare, pairsBox);
  let selected = null;
  let shownKey = null;
  let showSerial = 0;
  let disposed = false;

  const cancel = h("button", { type: "button", class: "danger" }, "Cancel test");
  cancel.addEventListener("click", async () => {
    try {
      await api(`/api/tests/${enc(testId)}/cancel`, { method: "POST" });
      timer.now();
    } catch (e) {
      head.append(errorNotice(e));
    }
  });

  function showPair(t, pair, index) {
    selected = index;
    for (const b of pairsBox.querySelectorAll("button[aria-pressed]")) b.setAttribute("aria-pressed", String(b.dataset.index === String(index)));
    const zone = zoneOf(config, pair.camera_id);
    const thumb = (side) => (side?.capture_id ? `/api/cameras/${enc(pair.camera_id)}/captures/${enc(side.capture_id)}/image` : null);
    const base = h("img", { class: "baseline", alt: `Baseline, ${pair.camera_id} ${formatDateTime(pair.planned_at, zone)}` });
    const variant = h("img", { class: "variant", alt: `Variant, ${pair.camera_id} ${formatDateTime(pair.planned_at, zone)}` });
    const b2 = h("img", { alt: "Baseline" });
    const v2 = h("img", { alt: "Variant" });
    // Full images when the hub holds them, else thumbnails; a picture still on its way is asked for again.
    const serial = ++showSerial;
    const load = async (img, side) => {
      if (!side?.capture_id) return;
      for (let attempt = 0; attempt < 20 && serial === showSerial && !disposed; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, 3000));
        await loadImage(img, thumb(side));
        if (!img.classList.contains("missing")) return;
        await loadImage(img, `/api/cameras/${enc(pair.camera_id)}/captures/${enc(side.capture_id)}/thumbnail`);
        if (!img.classList.contains("missing")) return;
      }
    };
    load(base, pair.baseline).then(() => load(b2, pair.baseline));
    load(variant, pair.variant).then(() => load(v2, pair.variant));
    const box = h("div", { class: "compare", style: { "--split": "50%" } }, base, variant, h("div", { class: "divider" }), h("span", { class: "tag tag-b" }, "baseline"), h("span", { class: "tag tag-v" }, "variant"));
    const slider = h("input", { type: "range", min: 0, max: 100, value: 50, class: "slider", id: "ab-slider", "aria-label": "Split between baseline (left) and variant (right)" });
    slider.addEventListener("input", () => box.style.setProperty("--split", `${slider.value}%`));
    replace(
      compare,
      h("h2", { id: "cmp-h" }, `Pair ${index + 1}: ${pair.camera_id}, ${formatDateTime(pair.planned_at, zone, { seconds: true })}`),
      h("p", { class: "muted" }, `Variant − baseline: ${formatSigned(pair.variant_minus_baseline_stops, 2)} stops. Drag the slider (or use the arrow keys) to move the split.`),
      box,
      h("label", { for: "ab-slider", class: "muted" }, "Baseline ◀ split ▶ variant"),
      slider,
      h("h3", {}, "Side by side"),
      h("div", { class: "side-by-side" }, h("figure", {}, b2, h("figcaption", {}, "Baseline"), sideFacts(pair.baseline)), h("figure", {}, v2, h("figcaption", {}, "Variant"), sideFacts(pair.variant))),
    );
  }

  async function refresh() {
    const t = await api(`/api/tests/${enc(testId)}`);
    const key = JSON.stringify([t.status, t.pairs.length, t.summary]);
    if (key === shownKey) return;
    shownKey = key;
    const zone = zoneOf(config, t.camera_ids?.[0] ?? t.camera_id);
    replace(
      head,
      facts([
        ["Status", pill(t.status)],
        ["Cameras", h("span", {}, (t.camera_ids ?? [t.camera_id]).map((c, i) => [i ? ", " : "", cameraLink(c)]))],
        ["Override", h("span", { class: "mono" }, overrideText(t.override))],
        ["Schedule", t.schedule ?? "every schedule"],
        ["Ends", [t.pairs_target ? `after ${t.pairs_target} pairs per camera` : null, t.until ? `at ${formatDateTime(t.until, zone)}` : null].filter(Boolean).join(" or ")],
      ]),
      t.status === "running" || t.status === "pending" ? h("div", { class: "actions" }, cancel) : null,
    );
    const s = t.summary;
    replace(
      summaryBox,
      h("h2", { id: "sum-h" }, "Summary"),
      s && s.pairs
        ? facts([
            ["Pairs", s.pairs],
            ["Baseline", sideSummary(s.baseline)],
            ["Variant", sideSummary(s.variant)],
            ["Closer to mid-grey", s.closer ? `${s.closer}, by ${formatSigned(s.by_stops, 2)} stops` : "—"],
          ])
        : h("p", { class: "muted" }, "No pairs yet: they come with the cameras' next covered ticks."),
    );
    replace(
      pairsBox,
      h("h2", { id: "pairs-h" }, `Pairs (${t.pairs.length})`),
      t.pairs.length
        ? h(
            "ol",
            { class: "pairs-list row" },
            t.pairs.map((p, i) =>
              h(
                "li",
                {},
                h("button", { type: "button", "aria-pressed": String(i === selected), dataset: { index: i }, onclick: () => showPair(t, p, i) }, `${p.camera_id} ${formatDateTime(p.planned_at, zoneOf(config, p.camera_id))} (${formatSigned(p.variant_minus_baseline_stops, 2)})`),
              ),
            ),
          )
        : h("p", { class: "muted" }, "None yet."),
    );
    if (selected === null && t.pairs.length) showPair(t, t.pairs.at(-1), t.pairs.length - 1);
    else if (!t.pairs.length) replace(compare, h("h2", { id: "cmp-h" }, "Compare"), h("p", { class: "muted" }, "The first pair appears here."));
  }

  const timer = poller(refresh, 4000);
  return () => {
    disposed = true;
    timer.stop();
  };
}
