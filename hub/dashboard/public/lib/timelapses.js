// Timelapse renders (hub/timelapses): a list with progress, a player and a download, shared by two pages.
import { api, ApiError, blobUrl, enc, isLive, qs, revoke } from "./api.js";
import { h, labelCells, notice, replace } from "./dom.js";
import { formatBytes, formatDateTime, formatDuration } from "./format.js";
import { progressBar } from "./ui.js";

/** The renders (newest first), or null when this hub has no timelapse API. */
export async function listTimelapses(filter = {}) {
  try {
    return (await api(`/api/timelapses${qs(filter)}`)).timelapses;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.body?.message === "no such endpoint") return null;
    throw e;
  }
}

export const isActive = (t) => t.status === "queued" || t.status === "running";

function statusPill(t) {
  return h("span", { class: `status-pill status-${t.status}` }, t.status);
}

/**
 * A table of renders; each done one can be played (fetched with the token into a
 * blob: URL) and downloaded. `zoneFor(cameraId)` gives the zone to show times in.
 * Returns {el, update(list)}; the player (above the table) survives updates.
 */
export function timelapseTable({ zoneFor, onChange }) {
  const player = h("div", { class: "player", "aria-live": "polite" });
  const body = h("tbody");
  const table = labelCells(h("table", { class: "timelapses" }, h("thead", {}, h("tr", {}, ["Cameras", "Range", "Status", "Frames", "Video", "Actions"].map((t) => h("th", { scope: "col" }, t)))), body));
  // The player above the list: a video started from a long list is in view.
  const el = h("div", {}, player, h("div", { class: "table-wrap" }, table));
  let playing = null;
  const urls = [];

  async function play(t) {
    playing = t.id;
    replace(player, notice("info", `Loading the video of ${t.camera_ids.join(", ")}…`));
    player.scrollIntoView({ block: "nearest" });
    try {
      const url = await blobUrl(t.url ?? `/api/timelapses/${enc(t.id)}/video`, { cache: false });
      const poster = t.poster_url ? await blobUrl(t.poster_url).catch(() => null) : null;
      if (url) urls.push(url);
      // Another video was asked for, or the page was left, while this one loaded.
      if (playing !== t.id) return;
      if (!url) return replace(player, notice("error", "The video is not there (removed, or not rendered yet)."));
      const name = `${t.camera_ids.join("+")}_${t.from.slice(0, 16).replace(/[:T]/g, "")}_${t.id.slice(0, 8)}.mp4`;
      const zone = zoneFor(t.camera_ids[0]);
      replace(
        player,
        h(
          "figure",
          { class: "panel", dataset: { timelapse: t.id } },
          h("video", { controls: true, src: url, poster: isLive(poster) ? poster : undefined, preload: "metadata", "aria-label": `Timelapse of ${t.camera_ids.join(", ")}` }),
          h(
            "figcaption",
            { class: "row" },
            `${t.camera_ids.join(", ")} · ${formatDateTime(t.from, zone)} – ${formatDateTime(t.to, zone)} · ${t.frames} frames at ${t.fps} fps${t.width ? ` · ${t.width}×${t.height}` : ""} · ${formatBytes(t.bytes)}`,
            h("a", { href: url, download: name, class: "download" }, "Download MP4"),
          ),
        ),
      );
    } catch (e) {
      replace(player, notice("error", `The video could not be loaded: ${e.message}`));
    }
  }

  async function act(t, action) {
    try {
      if (action === "cancel") await api(`/api/timelapses/${enc(t.id)}/cancel`, { method: "POST" });
      else if (action === "delete") await api(`/api/timelapses/${enc(t.id)}`, { method: "DELETE" });
      onChange?.();
    } catch (e) {
      replace(player, notice("error", e.message));
    }
  }

  let shown = null;
  function update(list) {
    // Rows are rebuilt only when something changed, so focus stays put between polls.
    const key = JSON.stringify(list);
    if (key === shown) return;
    shown = key;
    if (!list.length) {
      replace(body, h("tr", {}, h("td", { colspan: 6 }, "No timelapses yet.")));
      return;
    }
    replace(
      body,
      list.map((t) => {
        const zone = zoneFor(t.camera_ids[0]);
        const progress = isActive(t)
          ? progressBar(t.progress, `Progress of the render of ${t.camera_ids.join(", ")}`)
          : t.status === "failed"
            ? h("span", { class: "bad" }, t.error ?? "failed")
            : t.status === "done"
              ? `${t.width ?? "?"}×${t.height ?? "?"}, ${formatBytes(t.bytes)}${t.finished_at && t.started_at ? `, ${formatDuration((Date.parse(t.finished_at) - Date.parse(t.started_at)) / 1000)}` : ""}`
              : "";
        return h(
          "tr",
          { dataset: { timelapse: t.id, status: t.status } },
          h("td", {}, t.camera_ids.join(", "), t.origin === "auto" ? h("span", { class: "muted" }, " (auto)") : null),
          h("td", {}, `${formatDateTime(t.from, zone)} – ${formatDateTime(t.to, zone)}`, t.schedule ? h("div", { class: "muted" }, `schedule ${t.schedule}`) : null, h("div", { class: "muted" }, `${t.source}, ${t.fps} fps, deflicker ${t.deflicker}`)),
          h("td", {}, statusPill(t), h("div", {}, progress)),
          h("td", {}, `${t.frames_done}/${t.frames}`, t.missing ? h("div", { class: "muted" }, `${t.missing} missing`) : null),
          h("td", {}, t.status === "done" ? h("button", { type: "button", onclick: () => play(t) }, "Play") : "—"),
          h(
            "td",
            { class: "actions" },
            isActive(t) ? h("button", { type: "button", onclick: () => act(t, "cancel") }, "Cancel") : null,
            !isActive(t) ? h("button", { type: "button", class: "danger", onclick: () => act(t, "delete") }, "Delete") : null,
          ),
        );
      }),
    );
    labelCells(table);
  }

  return {
    el,
    update,
    dispose() {
      playing = null;
      // Stop a video still loading before its blob goes.
      for (const v of el.querySelectorAll("video")) {
        v.pause();
        v.removeAttribute("src");
        v.load();
      }
      for (const u of urls) revoke(u);
    },
  };
}

/** Starts a render; resolves to its id, or throws ApiError (422 with issues). */
export async function startRender(request) {
  return (await api("/api/timelapses", { method: "POST", body: request })).id;
}
