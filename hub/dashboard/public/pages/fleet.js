// Fleet: every camera as a card, those needing attention first; refreshes itself.
import { api, enc, loadImage, qs } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { ATTENTION_TEXT, contactStatus, exposureIssueLines, formatAgo, formatBytes, formatDateTime, formatDuration, plural, sortByAttention } from "../lib/format.js";
import { errorNotice, loadConfig, poller, zoneOf } from "../lib/ui.js";
import { fleetHealthText, healthLine } from "./camera-health.js";

export const REFRESH_MS = 5000;

export async function render(main) {
  document.title = "Fleet · Skylapse";
  const summary = h("p", { class: "summary", role: "status", "aria-live": "polite" }, "Loading the fleet…");
  const problem = h("div");
  const grid = h("ul", { class: "cards", "aria-label": "Cameras" });
  const worst = h("p", { class: "health-worst" });
  main.append(h("div", { class: "page-head" }, h("h1", {}, "Fleet"), summary, worst), problem, grid);

  const cards = new Map();
  const nextCapture = new Map(); // camera → {at, schedule, fetchedAt}

  async function nextFor(id, now) {
    const known = nextCapture.get(id);
    if (known && (known.at === null ? Date.now() - known.fetchedAt < 30_000 : Date.parse(known.at) > now)) return known;
    const plan = await api(`/api/cameras/${enc(id)}/plan${qs({ from: new Date(now).toISOString(), to: new Date(now + 60_000).toISOString() })}`);
    const value = { at: plan.next_capture?.at ?? null, schedule: plan.next_capture?.schedule ?? null, fetchedAt: Date.now() };
    nextCapture.set(id, value);
    return value;
  }

  function card(id) {
    let c = cards.get(id);
    if (!c) {
      const link = h("a", { href: `#/cameras/${enc(id)}`, class: "card-title" }, id);
      const img = h("img", { class: "thumb", alt: "", width: 160, height: 90 });
      const body = h("div", { class: "card-body" });
      const badges = h("ul", { class: "badges", "aria-label": "Needs attention" });
      const el = h("li", { class: "card", dataset: { camera: id } }, h("div", { class: "card-head" }, h("h2", {}, link), badges), img, body);
      c = { el, link, img, body, badges };
      cards.set(id, c);
    }
    return c;
  }

  function fill(c, cam, info, zone, now, next, latest, alerts) {
    const name = info?.name ? `${info.name} (${cam.id})` : cam.id;
    c.link.textContent = name;
    c.el.classList.toggle("attention", cam.attention.length > 0);
    const waiting = cam.status === "waiting_for_first_contact";
    c.el.classList.toggle("offline", !cam.online && !waiting);
    replace(
      c.badges,
      cam.attention.map((a) => h("li", { class: `badge badge-${a}` }, ATTENTION_TEXT[a] ?? a)),
      alerts.map((a) => h("li", { class: `badge badge-alert${a.acknowledged_at ? " acknowledged" : ""}` }, h("a", { href: "#/alerts", title: a.summary }, `alert: ${a.kind.replace(/_/g, " ")}${a.acknowledged_at ? " (ack)" : ""}`))),
    );
    if (latest) {
      c.img.alt = `Latest picture from ${cam.id}, ${formatDateTime(latest.planned_at, zone)}`;
      loadImage(c.img, `/api/cameras/${enc(cam.id)}/captures/${enc(latest.capture_id)}/thumbnail`);
    } else {
      c.img.alt = "";
      c.img.title = `No picture from ${cam.id} yet`;
      c.img.removeAttribute("src");
      c.img.classList.add("missing");
    }
    const a = cam.assignment;
    const assigned = a ? `${a.profile_id} ${a.version === "latest" ? `latest (${a.resolved_version ?? "none"})` : a.version}` : "none";
    const running = a?.running ? `${a.running.profile_id} ${a.running.version}` : cam.online ? "nothing reported" : "—";
    const status = contactStatus(cam, now, zone);
    const disk = cam.disk ? `${cam.disk.percent.toFixed(0)} %${cam.disk.warning ? " (over 80 %)" : ""}` : "—";
    const clock = cam.clock
      ? cam.clock.trusted
        ? `trusted (${cam.clock.source}${cam.clock.offset_ms !== null ? `, off by ${formatDuration(Math.abs(cam.clock.offset_ms) / 1000)}` : ""})`
        : `NOT trusted (${cam.clock.source})`
      : "—";
    const e = cam.exposure;
    const issues = exposureIssueLines(e, zone);
    const exposure = issues.length
      ? h("span", { class: "bad exposure-issues" }, issues.map((line) => h("span", { class: "exposure-issue" }, line)))
      : h("span", {}, e?.recent_mean_luma !== null && e?.recent_mean_luma !== undefined ? `ok (mean luma ${e.recent_mean_luma.toFixed(0)})` : "no measured frames yet");
    const rows = [
      ["Status", h("span", { class: status.tone }, status.text)],
      ["Profile", h("span", { class: a && !a.converged && !waiting ? "warn" : "" }, `assigned ${assigned} · running ${running}`)],
      ["Next capture", next?.at ? `${formatDateTime(next.at, zone)} (${next.schedule}, ${formatAgo(next.at, now)})` : "none planned"],
      [
        "Backlog",
        cam.backlog === null
          ? "—"
          : cam.backlog === 0
            ? "none"
            : `${plural(cam.backlog, "record")}, oldest ${formatAgo(cam.oldest_pending_at, now).replace(" ago", " old")}`,
      ],
      cam.images ? ["Images", cam.images.pending ? `${cam.images.pending} to upload (${formatBytes(cam.images.pending_bytes)})` : "all uploaded"] : null,
      ["Disk", h("span", { class: cam.disk?.warning ? "bad" : "" }, disk)],
      ["Clock", h("span", { class: cam.clock && !cam.clock.trusted ? "bad" : "" }, clock)],
      ["Exposure", exposure],
      cam.health ? ["Health", healthLine(cam.health)] : null,
      cam.incidents?.length
        ? (() => {
            const newest = [...cam.incidents].sort((x, y) => Date.parse(y.at) - Date.parse(x.at))[0];
            return ["Incidents", `${cam.incidents.length} in the last day, latest: ${String(newest.kind).replace(/_/g, " ")} ${formatAgo(newest.at, now)}`];
          })()
        : null,
      latest ? ["Latest picture", `${formatDateTime(latest.planned_at, zone)} (${formatAgo(latest.planned_at, now)})`] : null,
    ].filter(Boolean);
    replace(c.body, h("p", { class: "zone" }, `${info?.location ? `${info.location} · ` : ""}${zone}`), h("dl", { class: "facts" }, rows.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))));
  }

  async function refresh() {
    const [fleet, cams, config, open] = await Promise.all([api("/api/fleet"), api("/api/cameras"), loadConfig(), api("/api/alerts?state=open&limit=1000")]);
    const firing = open.alerts.filter((a) => a.status === "firing");
    replace(problem);
    const now = Date.parse(fleet.generated_at);
    const byId = new Map(cams.cameras.map((c) => [c.id, c]));
    const ordered = sortByAttention(fleet.cameras);
    const next = await Promise.all(ordered.map((cam) => nextFor(cam.id, now).catch(() => null)));
    ordered.forEach((cam, i) => fill(card(cam.id), cam, byId.get(cam.id), zoneOf(config, cam.id), now, next[i], cam.latest_picture, firing.filter((a) => a.camera_id === cam.id)));
    for (const id of [...cards.keys()]) if (!ordered.some((c) => c.id === id)) cards.delete(id);
    // Re-order without recreating: focus stays where it was.
    ordered.forEach((cam, i) => {
      const el = cards.get(cam.id).el;
      if (grid.children[i] !== el) grid.insertBefore(el, grid.children[i] ?? null);
    });
    while (grid.children.length > ordered.length) grid.lastElementChild.remove();
    const t = fleet.totals;
    summary.textContent = `${t.cameras} cameras · ${t.online} online · ${t.waiting_for_first_contact ? `${t.waiting_for_first_contact} waiting for first contact · ` : ""}${t.attention} ${t.attention === 1 ? "needs" : "need"} attention · hub time ${formatDateTime(now, config.location?.timezone ?? "UTC", { seconds: true })}`;
    worst.textContent = fleetHealthText(fleet.health);
    main.dataset.updated = fleet.generated_at;
  }

  const timer = poller(async () => {
    try {
      await refresh();
    } catch (e) {
      replace(problem, errorNotice(e));
      throw e;
    }
  }, REFRESH_MS);
  return () => timer.stop();
}
