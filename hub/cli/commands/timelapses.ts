/** `timelapses list|show|render|cancel|delete|download`: timelapse renders. */
import { existsSync, renameSync, rmSync } from "node:fs";
import { DeflickerMode, FrameSource, MAX_GRID_CAMERAS, type Timelapse, TimelapseStatus } from "../../../shared/contracts/timelapse";
import { actionId, type CommandSpec, parseTime, UsageError } from "../../../shared/cli/args";
import { type CliContext, show } from "../../../shared/cli/run";
import { pairs as labelled, table, time } from "../../../shared/cli/table";

/** Real ms between looks at a render under --wait. */
const POLL_MS = 1000;

const pct = (t: Timelapse) => `${Math.floor(t.progress * 100)}%`;
const range = (t: Timelapse) => `${time(t.from)} → ${time(t.to)}`;
const finished = (t: Timelapse) => t.status === "done" || t.status === "failed" || t.status === "cancelled";

function formatList(r: { timelapses: Timelapse[] }): string {
  if (!r.timelapses.length) return "no timelapses";
  return table(
    ["id", "status", "progress", "frames", "missing", "cameras", "range", "deflicker"],
    r.timelapses.map((t) => [t.id, t.status, pct(t), String(t.frames), String(t.missing), t.camera_ids.join(","), range(t), t.deflicker]),
    ["left", "left", "right", "right", "right", "left", "left", "left"],
  );
}

function formatTimelapse(t: Timelapse, hub: string): string {
  const link = (path: string | null) => (path ? `${hub.replace(/\/+$/, "")}${path}` : "—");
  const size = t.width && t.height ? `${t.width}×${t.height}${t.bytes === null ? "" : `, ${t.bytes} bytes`}` : "—";
  return labelled([
    ["timelapse", `${t.id} — ${t.status}`],
    ["progress", `${pct(t)} (${t.frames_done}/${t.frames} frames)`],
    ["missing", `${t.missing} tick${t.missing === 1 ? "" : "s"} without a picture`],
    ["cameras", t.camera_ids.join(", ")],
    ["range", range(t)],
    ["schedule", t.schedule ?? "any"],
    ["profile", t.profile_id ?? "any"],
    ["settings", `${t.fps} fps, crf ${t.crf}, deflicker ${t.deflicker}, from ${t.source === "full" ? "full images" : "thumbnails"}`],
    ["size", size],
    ["origin", t.origin === "auto" ? "auto (a session)" : "request"],
    ["created", time(t.created_at)],
    ["started", time(t.started_at)],
    ["finished", time(t.finished_at)],
    ...(t.error ? [["error", t.error] as [string, string]] : []),
    ["url", link(t.url)],
    ["poster", link(t.poster_url)],
  ]);
}

const path = (id: string, rest = "") => `/api/timelapses/${encodeURIComponent(id)}${rest}`;

/** A whole number within bounds, or a usage error naming the flag. */
function whole(flag: string, value: string | boolean | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !/^-?\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${flag}: '${value}' is not a whole number from ${min} to ${max}`);
  return n;
}

/** One of the allowed values, or a usage error listing them. */
function oneOf<T extends string>(flag: string, value: string | boolean | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !allowed.includes(value as T)) throw new UsageError(`--${flag}: '${value}' is not one of ${allowed.join(", ")}`);
  return value as T;
}

/** Polls the render every second, its progress on stderr, until it has finished; exit 1 unless it is done. */
async function wait(ctx: CliContext, id: string): Promise<Timelapse> {
  let last = "";
  for (;;) {
    const t = await ctx.api.get<Timelapse>(path(id));
    const line = `timelapse ${id}: ${t.status}${t.status === "running" || t.status === "done" ? ` ${pct(t)} (${t.frames_done}/${t.frames} frames)` : ""}`;
    if (line !== last) ctx.note(line);
    last = line;
    if (finished(t)) return t;
    await Bun.sleep(POLL_MS);
  }
}

const timelapses: CommandSpec<CliContext> = {
  name: "timelapses",
  summary:
    "timelapse renders: `timelapses list [--camera ID] [--status S]`, `show ID`, `render --camera A[,B] --from ISO --to ISO [--wait]`, `cancel ID`, `delete ID`, `download ID --out FILE [--force]`",
  args: ["ACTION"],
  optionalArgs: ["ID"],
  flags: {
    id: { type: "string", placeholder: "ID", description: "the same as the positional ID: the render (show, cancel, delete, download)" },
    camera: { type: "string", placeholder: "A[,B,...]", description: `list: only renders of this camera; render: the camera, or 2–${MAX_GRID_CAMERAS} side by side` },
    status: { type: "string", placeholder: "S", description: `list: only renders in this status (${TimelapseStatus.options.join(", ")})` },
    limit: { type: "string", placeholder: "N", description: "list: at most N renders, newest first (default 100)" },
    from: { type: "string", placeholder: "ISO", description: "render: start of the range (planned tick times)" },
    to: { type: "string", placeholder: "ISO", description: "render: end of the range" },
    schedule: { type: "string", placeholder: "NAME", description: "render: only this schedule's captures (default: every schedule of the camera, no manual shots)" },
    profile: { type: "string", placeholder: "ID", description: "render: only this profile's captures" },
    fps: { type: "string", placeholder: "N", description: "render: frames per second, 1–60 (default 24)" },
    crf: { type: "string", placeholder: "N", description: "render: H.264 quality, 0–51, lower is better (default 20)" },
    deflicker: { type: "string", placeholder: DeflickerMode.options.join("|"), description: "render: even out brightness (default none)" },
    source: { type: "string", placeholder: FrameSource.options.join("|"), description: "render: full images or thumbnails (default full)" },
    wait: { type: "boolean", description: "render: follow the render to its end, progress on stderr; exit 1 if it failed or was cancelled" },
    out: { type: "string", placeholder: "FILE", description: "download: where to write the video" },
    force: { type: "boolean", description: "download: overwrite FILE if it exists" },
  },
  async run(ctx, parsed) {
    const { args, flags } = parsed;
    const needId = (action: string) => actionId(parsed, `timelapses ${action}`, true)!;
    if ((args.ACTION === "list" || args.ACTION === "render") && args.ID) throw new UsageError(`timelapses ${args.ACTION} takes no ID`);
    switch (args.ACTION) {
      case "list": {
        const status = oneOf("status", flags.status, TimelapseStatus.options);
        const limit = whole("limit", flags.limit, 1, 500);
        if (typeof flags.camera === "string" && flags.camera.includes(",")) throw new UsageError("timelapses list takes one --camera");
        const q = new URLSearchParams({
          ...(typeof flags.camera === "string" ? { camera_id: flags.camera } : {}),
          ...(status ? { status } : {}),
          ...(limit === undefined ? {} : { limit: String(limit) }),
        });
        return show(ctx, await ctx.api.get<{ timelapses: Timelapse[] }>(`/api/timelapses${q.size ? `?${q}` : ""}`), formatList);
      }
      case "show":
        return show(ctx, await ctx.api.get<Timelapse>(path(needId("show"))), (t) => formatTimelapse(t, ctx.api.url));
      case "render": {
        if (typeof flags.camera !== "string" || typeof flags.from !== "string" || typeof flags.to !== "string") throw new UsageError("timelapses render needs --camera, --from and --to");
        const cameras = flags.camera.split(",").map((c) => c.trim()).filter(Boolean);
        if (!cameras.length) throw new UsageError("--camera: name a camera");
        if (cameras.length > MAX_GRID_CAMERAS) throw new UsageError(`--camera: at most ${MAX_GRID_CAMERAS} cameras side by side`);
        if (new Set(cameras).size !== cameras.length) throw new UsageError("--camera: a camera appears twice");
        const from = parseTime("from", flags.from);
        const to = parseTime("to", flags.to);
        if (from >= to) throw new UsageError("--from must be before --to");
        const fps = whole("fps", flags.fps, 1, 60);
        const crf = whole("crf", flags.crf, 0, 51);
        const deflicker = oneOf("deflicker", flags.deflicker, DeflickerMode.options);
        const source = oneOf("source", flags.source, FrameSource.options);
        const body = {
          ...(cameras.length === 1 ? { camera_id: cameras[0] } : { camera_ids: cameras }),
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          ...(typeof flags.schedule === "string" ? { schedule: flags.schedule } : {}),
          ...(typeof flags.profile === "string" ? { profile_id: flags.profile } : {}),
          ...(fps === undefined ? {} : { fps }),
          ...(crf === undefined ? {} : { crf }),
          ...(deflicker ? { deflicker } : {}),
          ...(source ? { source } : {}),
        };
        const { id: queued } = await ctx.api.post<{ id: string }>("/api/timelapses", body);
        if (!flags.wait) return show(ctx, await ctx.api.get<Timelapse>(path(queued)), (t) => `timelapse ${t.id} ${t.status} (${t.camera_ids.join(", ")}, ${range(t)})`);
        const t = await wait(ctx, queued);
        show(ctx, t, (v) => formatTimelapse(v, ctx.api.url));
        if (t.status !== "done") throw new Error(`timelapse ${t.id} ${t.status}${t.error ? `: ${t.error}` : ""}`);
        return;
      }
      case "cancel":
        return show(ctx, await ctx.api.post<Timelapse>(path(needId("cancel"), "/cancel")), (t) => `timelapse ${t.id} cancelled`);
      case "delete": {
        const target = needId("delete");
        await ctx.api.delete(path(target));
        return show(ctx, { id: target, deleted: true }, () => `timelapse ${target} deleted`);
      }
      case "download": {
        const target = needId("download");
        if (typeof flags.out !== "string") throw new UsageError("timelapses download needs --out FILE");
        const out = flags.out;
        if (existsSync(out) && !flags.force) throw new UsageError(`--out: ${out} exists (--force overwrites it)`);
        const res = await ctx.api.download(path(target, "/video"));
        // Written beside the target and renamed at the end: an interrupted download leaves no half video under its name.
        const part = `${out}.part`;
        let bytes: number;
        try {
          bytes = await Bun.write(part, res);
          renameSync(part, out);
        } catch (e) {
          rmSync(part, { force: true });
          throw new Error(`download of timelapse ${target} to ${out} failed: ${(e as Error).message}`);
        }
        return show(ctx, { id: target, out, bytes }, () => `wrote ${bytes} bytes to ${out}`);
      }
      default:
        throw new UsageError(`unknown action '${args.ACTION}' (list, show, render, cancel, delete, download)`);
    }
  },
};

export const TIMELAPSE_COMMANDS = [timelapses];
