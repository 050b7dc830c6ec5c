// The dashboard's shell: sign-in, navigation, hash routes. Every figure comes from the operator API.
import { checkToken, session } from "./lib/api.js";
import { h, notice, replace } from "./lib/dom.js";

const ROUTES = [
  { pattern: /^#\/fleet$/, page: "fleet", nav: "fleet" },
  { pattern: /^#\/cameras\/([^/]+)$/, page: "camera", nav: "fleet" },
  { pattern: /^#\/profiles$/, page: "profiles", nav: "profiles" },
  { pattern: /^#\/profiles\/([^/]+)$/, page: "profiles", nav: "profiles" },
  { pattern: /^#\/tests$/, page: "tests", nav: "tests" },
  { pattern: /^#\/tests\/([^/]+)$/, page: "tests", nav: "tests" },
  { pattern: /^#\/timelapses$/, page: "timelapses", nav: "timelapses" },
  { pattern: /^#\/alerts$/, page: "alerts", nav: "alerts" },
  { pattern: /^#\/releases$/, page: "releases", nav: "releases" },
];

const NAV = [
  ["fleet", "Fleet", "#/fleet"],
  ["profiles", "Profiles", "#/profiles"],
  ["tests", "Tests (A/B)", "#/tests"],
  ["timelapses", "Timelapses", "#/timelapses"],
  ["alerts", "Alerts", "#/alerts"],
  ["releases", "Releases", "#/releases"],
];

const root = document.getElementById("app");
let cleanup = null;
let loginMessage = null;

function stopPage() {
  if (cleanup) {
    try {
      cleanup();
    } catch {
      // a page's cleanup failing must not block the next page
    }
    cleanup = null;
  }
}

function renderLogin() {
  stopPage();
  document.title = "Sign in · Skylapse";
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "current-password", required: true, spellcheck: "false" });
  const status = h("div", { class: "login-status", "aria-live": "polite" }, loginMessage ? notice("error", loginMessage) : null);
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Skylapse"),
    h("p", {}, "Sign in with the hub's operator token."),
    h("div", { class: "field" }, h("label", { for: "token" }, "Operator token"), input),
    button,
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    replace(status, notice("info", "Checking the token…"));
    try {
      if (await checkToken(token)) {
        session.set(token);
        loginMessage = null;
        // A new hash routes through hashchange; the same one is routed here.
        if (!location.hash || location.hash === "#/login") location.hash = "#/fleet";
        else route();
      } else {
        replace(status, notice("error", "The hub refused this token."));
        input.select();
      }
    } catch (e) {
      replace(status, notice("error", `The hub could not be reached: ${e.message}`));
    } finally {
      button.disabled = false;
    }
  });
  replace(root, h("main", { id: "main", class: "login-page" }, form));
  input.focus();
}

function layout(active) {
  const main = h("main", { id: "main", tabindex: "-1" });
  const nav = h(
    "nav",
    { "aria-label": "Main" },
    h("ul", {}, NAV.map(([key, label, href]) => h("li", {}, h("a", { href, "aria-current": key === active ? "page" : null }, label)))),
  );
  const logout = h("button", { type: "button", class: "logout" }, "Sign out");
  logout.addEventListener("click", () => {
    session.clear();
    loginMessage = null;
    location.hash = "#/login";
    renderLogin();
  });
  const header = h("header", { class: "top" }, h("a", { class: "brand", href: "#/fleet" }, "Skylapse"), nav, logout);
  replace(root, h("a", { class: "skip", href: "#main", onclick: (e) => (e.preventDefault(), main.focus()) }, "Skip to content"), header, main);
  return main;
}

let routeSerial = 0;
async function route() {
  if (!session.token) return renderLogin();
  const hash = location.hash || "#/fleet";
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(hash) })).find((x) => x.m);
  if (!match) {
    location.replace("#/fleet");
    return;
  }
  stopPage();
  const serial = ++routeSerial;
  const main = layout(match.r.nav);
  const params = match.m.slice(1).map(decodeURIComponent);
  try {
    const page = await import(`./pages/${match.r.page}.js`);
    if (serial !== routeSerial) return;
    cleanup = (await page.render(main, params)) ?? null;
    if (serial !== routeSerial) stopPage();
  } catch (e) {
    if (serial !== routeSerial || !session.token) return;
    replace(main, notice("error", `This page could not be shown: ${e.message}`));
  }
  if (document.activeElement === document.body) main.focus({ preventScroll: true });
}

session.onUnauthorized(() => {
  loginMessage = "The hub no longer accepts this token: sign in again.";
  renderLogin();
});

window.addEventListener("hashchange", route);
route();
