// Building DOM without innerHTML: every piece of data goes in as text or an attribute.

/**
 * h("button", {class: "x", onclick: fn}, "text", child) → element.
 * Attributes: `class`, `for`, `dataset`, `style` (object), `on*` (listeners), booleans, others as attributes.
 */
export function h(tag, attrs, ...children) {
  const el = tag.includes(":") ? document.createElementNS(...svgName(tag)) : document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key === "style" && typeof value === "object") for (const [k, v] of Object.entries(value)) el.style.setProperty(k, String(v));
      else if (key === "value" && "value" in el && !tag.includes(":")) el.value = String(value);
      else if (key === "checked" || key === "selected" || key === "disabled" || key === "hidden" || key === "open") {
        el[key] = Boolean(value);
        if (value && key !== "checked" && key !== "selected") el.setAttribute(key, "");
      } else el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function svgName(tag) {
  return ["http://www.w3.org/2000/svg", tag.slice(4)];
}

/** An SVG element: s("rect", {x: 1, ...}). */
export function s(tag, attrs, ...children) {
  return h(`svg:${tag}`, attrs, ...children);
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A labelled form field: <div class="field"><label for>…</label> control <p class="field-error" id> </div>. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert", hidden: true });
  control.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field", dataset: { field: control.name || "" } }, h("label", { for: id }, label), control, hint ? h("p", { class: "hint" }, hint) : null, error);
}

/** Shows (or clears, with null) a message under a field made by `field`. */
export function setFieldError(control, message) {
  const error = document.getElementById(`${control.id}-error`);
  if (!error) return;
  error.textContent = message ?? "";
  error.hidden = !message;
  if (message) control.setAttribute("aria-invalid", "true");
  else control.removeAttribute("aria-invalid");
}

/** A status line that screen readers announce. */
export function notice(kind, text) {
  return h("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

/**
 * Names each body cell after its column (`data-label`) and returns the table: on a
 * phone the stylesheet shows a `table.stacks` row by row as cards, each value under
 * its column's name, instead of a table wider than the screen.
 */
export function labelCells(table) {
  table.classList.add("stacks");
  const names = [...(table.tHead?.rows[0]?.cells ?? [])].map((cell) => cell.textContent.trim());
  for (const body of table.tBodies)
    for (const row of body.rows)
      for (const [i, cell] of [...row.cells].entries()) {
        if (names[i] && cell.colSpan === 1) cell.dataset.label = names[i];
      }
  return table;
}
