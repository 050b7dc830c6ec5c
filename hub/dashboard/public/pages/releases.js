// Agent releases: per camera the release assigned vs running; per release its sizes and what each update moved.
import { api } from "../lib/api.js";
import { h, notice } from "../lib/dom.js";
import { formatBytes } from "../lib/format.js";
import { cameraLink, loading, poller } from "../lib/ui.js";

const table = (head, rows) => h("table", {}, h("thead", {}, h("tr", {}, ...head.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))));
const kind = (u) => (u.full ? "runtime and code" : "code only");

function agentRows(agents) {
  return agents.map((a) => [
    cameraLink(a.camera_id),
    a.assigned === null ? "—" : a.assigned === "latest" ? `latest (${a.assigned_version ?? "none"})` : a.assigned,
    a.running ?? "—",
    a.converged === null ? "—" : a.converged ? "yes" : h("span", { class: "warn" }, "not yet"),
    a.phase === "downloading" ? `downloading ${formatBytes(a.downloaded_bytes)} of ${formatBytes(a.total_bytes)}` : (a.phase ?? "—"),
    a.last_update ? `${a.last_update.version} ${a.last_update.result.replace("_", " ")}, ${formatBytes(a.last_update.bytes_moved)} (${kind(a.last_update)})` : "—",
  ]);
}

function releaseSection(r) {
  return h(
    "section",
    { class: "panel" },
    h("h3", {}, `${r.version}`),
    h("p", {}, r.arches.map((a) => `${a.arch}: runtime ${formatBytes(a.runtime_bytes)}, code ${formatBytes(a.bundle_bytes)} compressed`).join(" · ")),
    r.updates.length
      ? table(["Camera", "From", "Result", "Bytes moved", "Transfer", "Detail"], r.updates.map((u) => [cameraLink(u.camera_id), u.from, u.result.replace("_", " "), formatBytes(u.bytes_moved), kind(u), u.detail]))
      : h("p", { class: "muted" }, "No camera has updated to it yet."),
  );
}

export async function render(main) {
  document.title = "Releases · Skylapse";
  main.append(h("div", { class: "page-head" }, h("h1", {}, "Agent releases")), loading());
  const agentsEl = h("div");
  const releasesEl = h("div");
  let first = true;
  const timer = poller(async () => {
    const [agents, releases] = await Promise.all([api("/api/agents"), api("/api/releases")]);
    if (first) {
      main.lastElementChild.remove();
      main.append(h("section", { "aria-labelledby": "agents-h" }, h("h2", { id: "agents-h" }, "Assigned vs running"), agentsEl), h("section", { "aria-labelledby": "releases-h" }, h("h2", { id: "releases-h" }, "Releases"), releasesEl));
      first = false;
    }
    agentsEl.replaceChildren(table(["Camera", "Assigned", "Running", "Converged", "Update", "Last update"], agentRows(agents)));
    releasesEl.replaceChildren(...(releases.length ? releases.map(releaseSection) : [notice("info", "No release published yet (skylapse releases publish DIR).")]));
    return agents.some((a) => a.phase === "downloading" || a.converged === false);
  }, (busy) => (busy ? 2000 : 10000));
  return () => timer.stop();
}
