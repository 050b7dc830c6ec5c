// Profiles: versions and their diff, publish from an editor (messages at the field), assign, roll back.
import { api, enc, qs } from "../lib/api.js";
import { field, h, labelCells, notice, replace } from "../lib/dom.js";
import { compareVersions, formatDateTime, plural, previousVersion } from "../lib/format.js";
import { cameraLink, clearIssues, errorNotice, loadConfig, loading, select, showIssues, submitForm } from "../lib/ui.js";

const WB_MODES = ["auto", "daylight", "cloudy", "tungsten", "fluorescent", "incandescent", "indoor", "kelvin"];
const METERING = ["centre", "spot", "matrix"];
/** Base settings the editor shows as fields; the rest of a definition is edited as JSON. */
const NUMBER_FIELDS = [
  ["ev", "EV compensation", "stops, −4 to 4", "0.1"],
  ["iso", "ISO", "empty: automatic (50–6400)", "1"],
  ["shutter_us", "Shutter (µs)", "empty: automatic", "1"],
  ["sharpness", "Sharpness", "0–16", "0.1"],
  ["contrast", "Contrast", "0–32", "0.05"],
  ["saturation", "Saturation", "0–32", "0.05"],
  ["quality", "JPEG quality", "1–100", "1"],
];

export async function render(main, [profileId]) {
  document.title = "Profiles · Skylapse";
  main.append(h("div", { class: "page-head" }, h("h1", {}, "Profiles")), loading());
  const [{ profiles }, assignments] = await Promise.all([api("/api/profiles"), api("/api/assignments")]);
  main.lastElementChild.remove();
  const current = profileId ?? profiles[0]?.id;

  const list = h(
    "div",
    { class: "table-wrap" },
    labelCells(h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ["Profile", "Name", "Extends", "Latest", "Versions"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        profiles.map((p) =>
          h(
            "tr",
            { "aria-current": p.id === current ? "true" : null, class: p.id === current ? "current" : null },
            h("td", {}, h("a", { href: `#/profiles/${enc(p.id)}` }, p.id)),
            h("td", {}, p.name ?? ""),
            h("td", {}, p.extends ?? ""),
            h("td", {}, p.latest ? p.latest.version : "none"),
            h("td", {}, p.versions),
          ),
        ),
      ),
    )),
  );
  main.append(h("section", { "aria-labelledby": "plist-h" }, h("h2", { id: "plist-h" }, "All profiles"), list));

  const assignSection = h("section", { class: "panel", "aria-labelledby": "assign-h" });
  main.append(assignSection);
  await renderAssignments(assignSection, assignments, profiles);

  if (!current) {
    main.append(notice("info", "No profiles yet: publish one with the CLI or a config file."));
    return;
  }
  const detail = h("section", { "aria-labelledby": "pdetail-h" });
  main.insertBefore(detail, assignSection);
  await renderProfile(detail, current, profiles, assignments, () => render(replace(main), [current]));
}

async function renderProfile(section, id, profiles, assignments, reload) {
  const [profile, config] = await Promise.all([api(`/api/profiles/${enc(id)}`), loadConfig()]);
  const zone = config.location?.timezone ?? "UTC";
  const versions = profile.versions.map((v) => v.version).sort(compareVersions);
  section.append(h("h2", { id: "pdetail-h" }, `Profile ${id}${profile.definition?.name ? ` — ${profile.definition.name}` : ""}`));

  // Versions
  const snapshotBox = h("div");
  section.append(
    h(
      "div",
      { class: "panel" },
      h("h3", {}, "Versions"),
      h(
        "div",
        { class: "table-wrap" },
        labelCells(h(
          "table",
          {},
          h("thead", {}, h("tr", {}, ["Version", "Published", "Checksum", ""].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            {},
            [...profile.versions].reverse().map((v) =>
              h(
                "tr",
                { dataset: { version: v.version } },
                h("td", {}, v.version, v.version === profile.latest?.version ? h("span", { class: "muted" }, " (latest)") : null),
                h("td", {}, formatDateTime(v.created_at, zone)),
                h("td", { class: "mono" }, v.checksum.slice(0, 19), "…"),
                h(
                  "td",
                  {},
                  h("button", {
                    type: "button",
                    onclick: async () => {
                      const snap = await api(`/api/profiles/${enc(id)}/versions/${enc(v.version)}`);
                      replace(snapshotBox, h("details", { open: true }, h("summary", {}, `Compiled settings of ${id} ${v.version}`), h("pre", { class: "mono" }, JSON.stringify(snap.snapshot, null, 2))));
                    },
                  }, "Settings"),
                ),
              ),
            ),
          ),
        )),
      ),
      snapshotBox,
    ),
  );

  // Diff
  const fromSel = select("from", versions.map((v) => [v]), versions.at(-2) ?? versions[0], { id: "diff-from" });
  const toSel = select("to", versions.map((v) => [v]), versions.at(-1), { id: "diff-to" });
  const diffBox = h("div", { "aria-live": "polite" });
  const showDiff = async () => {
    try {
      const d = await api(`/api/profiles/${enc(id)}/diff${qs({ from: fromSel.value, to: toSel.value })}`);
      replace(
        diffBox,
        d.changes.length
          ? h(
              "div",
              { class: "table-wrap" },
              labelCells(h(
                "table",
                { class: "diff" },
                h("caption", { class: "muted" }, `${plural(d.changes.length, "change")} from ${d.from.version} to ${d.to.version}`),
                h("thead", {}, h("tr", {}, ["Setting", d.from.version, d.to.version].map((t) => h("th", { scope: "col" }, t)))),
                h("tbody", {}, d.changes.map((c) => h("tr", {}, h("td", { class: "mono" }, c.path), h("td", { class: "from mono" }, JSON.stringify(c.from)), h("td", { class: "to mono" }, JSON.stringify(c.to))))),
              )),
            )
          : h("p", { class: "muted" }, `No differences between ${d.from.version} and ${d.to.version}.`),
      );
    } catch (e) {
      replace(diffBox, errorNotice(e));
    }
  };
  section.append(
    h(
      "div",
      { class: "panel" },
      h("h3", {}, "Compare versions"),
      h("div", { class: "row" }, h("label", { for: "diff-from" }, "From"), fromSel, h("label", { for: "diff-to" }, "to"), toSel, h("button", { type: "button", onclick: showDiff }, "Show differences")),
      diffBox,
    ),
  );
  if (versions.length > 1) await showDiff();

  section.append(editor(id, profile, profiles, reload));
}

function editor(id, profile, profiles, reload) {
  const def = structuredClone(profile.definition ?? {});
  const base = def.base ?? {};
  const controls = {};
  const name = h("input", { name: "name", type: "text", value: def.name ?? "" });
  const description = h("input", { name: "description", type: "text", value: def.description ?? "" });
  const parent = select("extends", [["", "(none)"], ...profiles.filter((p) => p.id !== id).map((p) => [p.id])], def.extends ?? "");
  controls.name = name;
  controls.description = description;
  controls.extends = parent;
  const numbers = NUMBER_FIELDS.map(([key, label, hint, step]) => {
    const input = h("input", { name: `base.${key}`, type: "number", step, inputmode: "decimal", value: base[key] ?? "" });
    controls[`base.${key}`] = input;
    return field(label, input, hint);
  });
  const metering = select("base.metering", [["", "(default / inherited)"], ...METERING.map((m) => [m])], base.metering ?? "");
  const wbMode = select("base.white_balance.mode", [["", "(default / inherited)"], ...WB_MODES.map((m) => [m])], base.white_balance?.mode ?? "");
  const kelvin = h("input", { name: "base.white_balance.kelvin", type: "number", step: "50", value: base.white_balance?.kelvin ?? "" });
  controls["base.metering"] = metering;
  controls["base.white_balance"] = wbMode;
  controls["base.white_balance.kelvin"] = kelvin;

  // Everything the fields do not cover stays editable as JSON.
  const rest = structuredClone(def);
  for (const k of ["name", "description", "extends"]) delete rest[k];
  const restBase = { ...base };
  for (const [k] of NUMBER_FIELDS) delete restBase[k];
  delete restBase.metering;
  delete restBase.white_balance;
  rest.base = restBase;
  const advanced = h("textarea", { name: "advanced", rows: 10, spellcheck: "false" }, JSON.stringify(rest, null, 2));
  for (const p of ["base", "adaptive_wb", "adaptive_ev", "schedule_overrides", "ramp", "settings", "advanced"]) controls[p] = advanced;

  const summary = h("div", { "aria-live": "polite" });
  const publish = h("button", { type: "submit", class: "primary" }, "Publish new version");
  const form = h(
    "form",
    { class: "panel editor", "aria-labelledby": "editor-h", novalidate: true },
    h("h3", { id: "editor-h" }, `Publish a new version of ${id}`),
    h("p", { class: "muted" }, "Starts from the stored definition. The hub checks it; a message appears next to each field it refuses."),
    h("div", { class: "form-grid" }, field("Name", name), field("Description", description), field("Extends", parent)),
    h("fieldset", {}, h("legend", {}, "Base settings"), h("div", { class: "form-grid" }, numbers, field("Metering", metering), field("White balance", wbMode), field("Kelvin", kelvin, "1500–15000, for mode kelvin"))),
    field("Other fields (JSON: lux tables, schedule overrides, ramp, focus, bracket…)", advanced),
    h("div", { class: "actions" }, publish),
    summary,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearIssues(controls, summary);
    let extra;
    try {
      extra = JSON.parse(advanced.value || "{}");
      if (typeof extra !== "object" || extra === null || Array.isArray(extra)) throw new Error("must be a JSON object");
    } catch (e) {
      return showIssues([{ path: "body.advanced", message: `not valid JSON: ${e.message}` }], controls, summary);
    }
    const definition = { ...extra, base: { ...(extra.base ?? {}) } };
    if (name.value.trim()) definition.name = name.value.trim();
    if (description.value.trim()) definition.description = description.value.trim();
    if (parent.value) definition.extends = parent.value;
    for (const [key] of NUMBER_FIELDS) {
      const input = controls[`base.${key}`];
      if (input.value.trim() !== "") definition.base[key] = Number(input.value);
      else if (input.validity.badInput) return showIssues([{ path: `body.base.${key}`, message: "not a number" }], controls, summary);
      // An explicit null (automatic, not inherited) stays as it was stored.
      else if (base[key] === null) definition.base[key] = null;
    }
    if (metering.value) definition.base.metering = metering.value;
    if (wbMode.value) definition.base.white_balance = { mode: wbMode.value, ...(kelvin.value.trim() !== "" ? { kelvin: Number(kelvin.value) } : {}) };
    else if (kelvin.value.trim() !== "") definition.base.white_balance = { mode: "kelvin", kelvin: Number(kelvin.value) };
    await submitForm(publish, controls, summary, async () => {
      const result = await api(`/api/profiles/${enc(id)}/versions`, { method: "POST", body: definition });
      if (result.created) {
        await reload();
        const where = document.querySelector("[data-publish-result]") ?? document.getElementById("pdetail-h");
        where?.after(notice("ok", `Published ${id} ${result.version}.`));
      } else replace(summary, notice("info", `Unchanged: this is ${id} ${result.version} already.`));
    });
  });
  return form;
}

async function renderAssignments(section, assignments, profiles) {
  const versionsOf = new Map();
  const loadVersions = async (pid) => {
    if (!versionsOf.has(pid)) versionsOf.set(pid, api(`/api/profiles/${enc(pid)}`).then((p) => p.versions.map((v) => v.version)));
    return versionsOf.get(pid);
  };
  const status = h("div", { "aria-live": "polite" });
  const rows = await Promise.all(
    assignments.cameras.map(async (c) => {
      const a = c.assigned;
      const target = a?.resolved_version ? previousVersion(await loadVersions(a.profile_id).catch(() => []), a.resolved_version) : null;
      const rollback = target
        ? h("button", {
            type: "button",
            "aria-label": `Roll ${c.camera_id} back to ${a.profile_id} ${target}`,
            onclick: async (event) => {
              event.target.disabled = true;
              try {
                const r = await api(`/api/cameras/${enc(c.camera_id)}/assignment`, { method: "PUT", body: { profile_id: a.profile_id, version: target } });
                replace(status, notice("ok", `${c.camera_id}: ${a.profile_id} ${r.after.resolved_version} (was ${r.before?.resolved_version ?? r.before?.version ?? "none"}).`));
                await refresh();
              } catch (e) {
                replace(status, errorNotice(e));
                event.target.disabled = false;
              }
            },
          }, `Roll back to ${target}`)
        : h("span", { class: "muted" }, "—");
      return h(
        "tr",
        { dataset: { camera: c.camera_id } },
        h("td", {}, cameraLink(c.camera_id)),
        h("td", {}, a ? `${a.profile_id} ${a.version}${a.version === "latest" ? ` (${a.resolved_version})` : ""}` : "none"),
        h("td", {}, c.running ? `${c.running.profile_id} ${c.running.version}` : "—"),
        h("td", {}, c.converged ? h("span", { class: "ok" }, "yes") : c.mode !== "live" && c.last_contact_at === null ? h("span", { class: "muted" }, "waiting for first contact") : h("span", { class: "bad" }, "NO")),
        h("td", {}, rollback),
      );
    }),
  );

  // Assign: one step for every camera ticked, all or nothing.
  const cams = assignments.cameras.map((c) => c.camera_id);
  const checks = cams.map((id) => h("label", {}, h("input", { type: "checkbox", name: "camera_ids", value: id }), id));
  const profileSel = select("profile_id", profiles.filter((p) => p.latest).map((p) => [p.id]), profiles.find((p) => p.latest)?.id, { id: "assign-profile" });
  const versionSel = h("select", { name: "version", id: "assign-version" });
  const fillVersions = async () => {
    const vs = (await loadVersions(profileSel.value).catch(() => [])).slice().sort(compareVersions).reverse();
    replace(versionSel, h("option", { value: "latest" }, "latest (follow new versions)"), vs.map((v) => h("option", { value: v }, v)));
  };
  profileSel.addEventListener("change", fillVersions);
  await fillVersions();
  const assignForm = h(
    "form",
    { class: "assign", "aria-labelledby": "assign-form-h" },
    h("h3", { id: "assign-form-h" }, "Assign a version"),
    h("fieldset", {}, h("legend", {}, "Cameras"), h("div", { class: "checks" }, checks)),
    h("div", { class: "row" }, h("label", { for: "assign-profile" }, "Profile"), profileSel, h("label", { for: "assign-version" }, "Version"), versionSel, h("button", { type: "submit", class: "primary" }, "Assign")),
  );
  assignForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ids = checks.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    if (!ids.length) return replace(status, notice("error", "Tick at least one camera."));
    try {
      const r = await api("/api/assignments", { method: "PUT", body: { camera_ids: ids, profile_id: profileSel.value, version: versionSel.value } });
      replace(status, notice("ok", `Assigned ${profileSel.value} ${versionSel.value} to ${ids.join(", ")} (${r.changed} changed). Agents pick it up on their next poll.`));
      await refresh();
    } catch (e) {
      replace(status, errorNotice(e));
    }
  });

  async function refresh() {
    const [fresh, { profiles: ps }] = await Promise.all([api("/api/assignments"), api("/api/profiles")]);
    versionsOf.clear();
    replace(section);
    await renderAssignments(section, fresh, ps);
    section.querySelector("[aria-live]")?.replaceWith(status);
  }

  replace(
    section,
    h("h2", { id: "assign-h" }, "Assignments"),
    h("p", { class: "muted" }, `${assignments.totals.converged} of ${assignments.totals.cameras} cameras run their assigned version.`),
    h(
      "div",
      { class: "table-wrap" },
      labelCells(h("table", { class: "assignments" }, h("thead", {}, h("tr", {}, ["Camera", "Assigned", "Running", "Converged", "Roll back"].map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, rows))),
    ),
    assignForm,
    status,
  );
}
