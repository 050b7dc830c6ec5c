// Pieces several pages share.
import { api, ApiError, enc } from "./api.js";
import { h, notice, replace } from "./dom.js";
import { issueField } from "./format.js";

let configCache = null;

/** The applied config (site zone, cameras, schedules, profiles), kept for a few seconds. */
export async function loadConfig({ fresh = false } = {}) {
  if (!fresh && configCache && Date.now() - configCache.at < 10_000) return configCache.value;
  const value = await api("/api/config");
  configCache = { at: Date.now(), value };
  return value;
}

/** A camera's zone: its own, else the site's. */
export function zoneOf(config, cameraId) {
  return config.cameras?.[cameraId]?.timezone ?? config.location?.timezone ?? "UTC";
}

/** The hub's clock (it may be simulated): ms. */
export async function hubNow() {
  const res = await fetch("/health", { cache: "no-store" });
  const body = await res.json();
  return Date.parse(body.time);
}

/** Runs `fn` now and again `ms` after each run ends (a number, or a function of the last result) until stopped. */
export function poller(fn, ms) {
  let stopped = false;
  let timer = null;
  let running = false;
  let again = false;
  const tick = async () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = true;
    let result;
    try {
      result = await fn();
    } catch (e) {
      if (!stopped) console.warn("refresh failed:", e.message);
    }
    running = false;
    if (stopped) return;
    if (again) {
      again = false;
      tick();
    } else timer = setTimeout(tick, typeof ms === "function" ? ms(result) : ms);
  };
  tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    /** Runs it now (or right after the run under way). */
    now() {
      tick();
    },
  };
}

/**
 * Puts each API issue next to the form control its path names (`controls`: field
 * path → element; the longest path that is the issue's or contains it wins); the
 * rest go to `summary`. Returns the issues no control took.
 */
export function showIssues(issues, controls, summary) {
  const paths = Object.keys(controls).sort((a, b) => b.length - a.length);
  const perControl = new Map();
  for (const p of paths) perControl.set(controls[p], { paths: (perControl.get(controls[p])?.paths ?? 0) + 1, found: [] });
  const rest = [];
  for (const issue of issues) {
    const at = issueField(issue.path);
    const owner = paths.find((p) => at === p || at.startsWith(`${p}.`));
    if (owner) perControl.get(controls[owner]).found.push({ owner, at, message: issue.message });
    else rest.push(issue);
  }
  for (const [control, { paths: count, found }] of perControl) {
    const error = document.getElementById(`${control.id}-error`);
    if (error) {
      error.textContent = found.map((f) => (f.at === f.owner && count === 1 ? f.message : `${count === 1 ? f.at.slice(f.owner.length + 1) : f.at}: ${f.message}`)).join("; ");
      error.hidden = found.length === 0;
    }
    if (found.length) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
  if (summary) replace(summary, rest.length ? notice("error", rest.map((i) => `${issueField(i.path)}: ${i.message}`).join("; ")) : null);
  const first = [...perControl.keys()].find((c) => c.getAttribute("aria-invalid") === "true");
  first?.focus();
  return rest;
}

/**
 * Sends a form with `send`, its `button` disabled meanwhile: a refusal's issues (422)
 * go beside the controls they name (the rest to `summary`), any other error to `summary`.
 */
export async function submitForm(button, controls, summary, send) {
  button.disabled = true;
  try {
    await send();
  } catch (e) {
    if (e instanceof ApiError && e.status === 422) {
      const left = showIssues(issuesOf(e), controls, summary);
      if (!left.length) replace(summary, notice("error", "The hub refused this; see the messages by the fields."));
    } else replace(summary, errorNotice(e));
  } finally {
    button.disabled = false;
  }
}

/** Clears every message `showIssues` put up. */
export function clearIssues(controls, summary) {
  showIssues([], controls, summary);
}

/** A <select> of options [value, label]. */
export function select(name, options, value, attrs = {}) {
  return h("select", { name, ...attrs }, options.map(([v, label]) => h("option", { value: v, selected: v === value }, label ?? v)));
}

/** A link to a camera's page. */
export function cameraLink(id) {
  return h("a", { href: `#/cameras/${enc(id)}` }, id);
}

/** A labelled loading placeholder. */
export function loading(what = "Loading…") {
  return h("p", { class: "loading", role: "status" }, what);
}

/** A small key/value list. */
export function facts(rows) {
  return h("dl", { class: "facts" }, rows.filter(Boolean).map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
}

/** A progress bar with its percent as text. */
export function progressBar(fraction, label) {
  const pct = Math.round(Math.max(0, Math.min(1, fraction ?? 0)) * 100);
  return h("div", { class: "progress" }, h("progress", { max: 100, value: pct, "aria-label": label }), h("span", {}, `${pct} %`));
}

export function errorNotice(e) {
  return notice("error", e?.message ?? String(e));
}

/** An ApiError's issues; a refusal without a list ("body.x: message; …") is read into one. */
export function issuesOf(e) {
  if (e?.issues?.length) return e.issues;
  const message = e?.body?.message ?? e?.message ?? String(e);
  const parts = message.split("; ").map((part) => {
    const m = /^((?:body|query)\.[\w.\-]+): (.*)$/s.exec(part);
    return m ? { path: m[1], message: m[2] } : { path: "", message: part };
  });
  return parts;
}
