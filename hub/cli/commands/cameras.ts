/**
 * Cameras and the audit log: `cameras-add ID`, `cameras-list`, `cameras-update ID`,
 * `cameras-enroll ID`, `cameras-revoke ID`, `cameras-retire ID`, `audit`.
 * One command per action so the camera stays a positional argument, like `report CAMERA`.
 */
import { readFileSync } from "node:fs";
import { type CommandSpec, type FlagSpec, type ParsedArgs, UsageError } from "../../../shared/cli/args";
import { type CliContext, show } from "../../../shared/cli/run";
import { pairs, table, time } from "../../../shared/cli/table";

type Json = any;
const path = (id: string) => `/api/cameras/${encodeURIComponent(id)}`;

const CONFIG_FLAGS: Record<string, FlagSpec> = {
  lat: { type: "string", placeholder: "DEG", description: "own latitude (with --lon; default: the site's)" },
  lon: { type: "string", placeholder: "DEG", description: "own longitude" },
  tz: { type: "string", placeholder: "ZONE", description: "own IANA time zone, e.g. America/Denver" },
  schedules: { type: "string", placeholder: "A,B", description: "the schedules it runs, comma-separated" },
  mode: { type: "string", placeholder: "MODE", description: "autonomous (default) or live" },
  name: { type: "string", placeholder: "TEXT", description: "a display name" },
  location: { type: "string", placeholder: "LABEL", description: "where it stands, e.g. north_ridge" },
  host: { type: "string", placeholder: "HOST", description: "its address (live mode)" },
  port: { type: "string", placeholder: "PORT", description: "its agent's port (live mode)" },
  api: { type: "string", placeholder: "API", description: "the API it speaks (live mode): skylapse (default) or first_system" },
  "technician-token-file": { type: "string", placeholder: "FILE", description: "a file holding its agent's SKYLAPSE_EDGE_TOKEN (live mode)" },
  "image-sync": { type: "string", placeholder: "POLICY", description: "which full images it sends: all (default), thumbnails, or schedules:A,B" },
};

/** `all`, `thumbnails` or `schedules:A,B` as the API's image_sync policy. */
function imageSyncPolicy(v: string): unknown {
  if (v === "all" || v === "thumbnails") return v;
  const m = /^schedules:(.+)$/.exec(v);
  const names = m ? m[1]!.split(",").map((s) => s.trim()).filter(Boolean) : [];
  if (!names.length) throw new UsageError(`--image-sync: '${v}' is not all, thumbnails or schedules:A,B`);
  return { schedules: names };
}

/** The policy as the flag spells it. */
const imageSyncLabel = (p: Json) => (p === undefined || p === null ? "all" : typeof p === "string" ? p : `schedules:${p.schedules.join(",")}`);

function number(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${flag}: '${value}' is not a number`);
  return n;
}

/** The camera fields the flags name. With `clearable`, `none` removes a field (sent as null). */
function configFromFlags(flags: ParsedArgs["flags"], clearable: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const value = (flag: string) => (typeof flags[flag] === "string" ? (flags[flag] as string) : undefined);
  const set = (key: string, flag: string, parse: (v: string) => unknown = (v) => v) => {
    const v = value(flag);
    if (v === undefined) return;
    out[key] = clearable && v === "none" ? null : parse(v);
  };
  set("latitude", "lat", (v) => number("lat", v));
  set("longitude", "lon", (v) => number("lon", v));
  set("timezone", "tz");
  set("name", "name");
  set("location", "location");
  set("host", "host");
  set("port", "port", (v) => {
    const n = number("port", v);
    if (!Number.isInteger(n)) throw new UsageError(`--port: '${v}' is not a port number`);
    return n;
  });
  set("image_sync", "image-sync", imageSyncPolicy);
  set("api", "api", (v) => {
    if (v !== "skylapse" && v !== "first_system") throw new UsageError(`--api: '${v}' is not skylapse or first_system`);
    return v;
  });
  set("technician_token", "technician-token-file", (file) => {
    try {
      return readFileSync(file, "utf8").trim();
    } catch (e) {
      throw new UsageError(`--technician-token-file: cannot read ${file}: ${(e as Error).message}`);
    }
  });
  const schedules = value("schedules");
  if (schedules !== undefined) out.schedules = schedules === "none" ? [] : schedules.split(",").map((s) => s.trim()).filter(Boolean);
  const mode = value("mode");
  if (mode !== undefined) {
    if (mode !== "autonomous" && mode !== "live") throw new UsageError(`--mode: '${mode}' is not autonomous or live`);
    out.mode = mode;
  }
  return out;
}

function position(c: Json): string {
  return c.latitude === undefined ? "site" : `${c.latitude.toFixed(4)}, ${c.longitude.toFixed(4)}`;
}

export function formatCamera(c: Json): string {
  return pairs([
    ["camera", c.id],
    ...(c.name ? [["name", c.name] as [string, string]] : []),
    ...(c.location ? [["location", c.location] as [string, string]] : []),
    ["mode", `${c.mode}${c.host ? ` (${c.host}${c.port ? `:${c.port}` : ""})` : ""}${c.api === "first_system" ? ", first-system API" : ""}`],
    ["position", `${position(c)}${c.timezone ? ` ${c.timezone}` : ""}`],
    ["schedules", c.schedules?.length ? c.schedules.join(", ") : "none"],
    ["profile", c.deployed_profile ?? "none"],
    ["image sync", imageSyncLabel(c.image_sync)],
    ["token", c.has_token ? "held" : "none"],
    ...(c.mode === "live" ? [["technician token", c.technician_token ? "set" : "none"] as [string, string]] : []),
    ["last contact", time(c.last_contact_at)],
    ...(c.retired_at ? [["retired", time(c.retired_at)] as [string, string]] : []),
  ]);
}

export function formatCameras(r: { cameras: Json[] }): string {
  if (!r.cameras.length) return "no cameras";
  return table(
    ["CAMERA", "MODE", "POSITION", "ZONE", "SCHEDULES", "PROFILE", "TOKEN", "LAST CONTACT", "STATUS"],
    r.cameras.map((c) => [
      c.id,
      c.mode,
      position(c),
      c.timezone ?? "site",
      c.schedules?.length ? c.schedules.join(",") : "—",
      c.deployed_profile ?? "—",
      c.has_token ? "yes" : "no",
      time(c.last_contact_at),
      c.retired_at ? `retired ${time(c.retired_at)}` : "active",
    ]),
  );
}

function shortJson(v: unknown): string {
  if (v === undefined || v === null) return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Flat `key: before → after` for what changed between two audit states. */
export function changeSummary(before: unknown, after: unknown, width = 100): string {
  const flat = (v: unknown, prefix = "", out: Record<string, unknown> = {}) => {
    if (v && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flat(x, prefix ? `${prefix}.${k}` : k, out);
    else out[prefix || "value"] = v;
    return out;
  };
  let text: string;
  if (before === null || before === undefined) text = after === null || after === undefined ? "" : `created ${shortJson(after)}`;
  else {
    const a = flat(before);
    const b = flat(after);
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    text = keys.map((k) => `${k.replace(/^config\./, "")}: ${shortJson(a[k])} → ${shortJson(b[k])}`).join(", ");
  }
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function formatAudit(r: { entries: Json[]; next: number | null }): string {
  if (!r.entries.length) return "no audit entries";
  const rows = r.entries.map((e) => [String(e.id), time(e.at), e.actor, e.action, e.target, changeSummary(e.before, e.after)]);
  const out = table(["ID", "AT", "ACTOR", "ACTION", "TARGET", "CHANGE"], rows, ["right"]);
  return r.next === null ? out : `${out}\n(older: --before ${r.next})`;
}

const camerasAdd: CommandSpec<CliContext> = {
  name: "cameras-add",
  summary: "register a camera (then `cameras-enroll` it)",
  args: ["ID"],
  flags: { ...CONFIG_FLAGS, profile: { type: "string", placeholder: "PROFILE", description: "the profile it runs (latest version)" } },
  async run(ctx, { args, flags }) {
    const body = { id: args.ID!, ...configFromFlags(flags, false), ...(typeof flags.profile === "string" ? { deployed_profile: flags.profile } : {}) };
    show(ctx, await ctx.api.post<Json>("/api/cameras", body), (c) => `registered ${c.id}\n${formatCamera(c)}\n\nnext: skylapse cameras-enroll ${c.id}`);
  },
};

const camerasList: CommandSpec<CliContext> = {
  name: "cameras-list",
  summary: "every camera: mode, position, schedules, profile, token, last contact, retired or not",
  args: [],
  flags: {},
  async run(ctx) {
    show(ctx, await ctx.api.get<{ cameras: Json[] }>("/api/cameras"), formatCameras);
  },
};

const camerasUpdate: CommandSpec<CliContext> = {
  name: "cameras-update",
  summary: "change a camera's position, zone, schedules, mode, host/port, name or location (`none` removes one)",
  args: ["ID"],
  flags: CONFIG_FLAGS,
  async run(ctx, { args, flags }) {
    const body = configFromFlags(flags, true);
    if (!Object.keys(body).length) throw new UsageError("cameras-update needs at least one change (--lat/--lon, --tz, --schedules, --mode, --name, --location, --host, --port, --api, --technician-token-file, --image-sync)");
    show(ctx, await ctx.api.request<Json>("PATCH", path(args.ID!), body), (c) => `updated ${c.id}\n${formatCamera(c)}`);
  },
};

const camerasEnroll: CommandSpec<CliContext> = {
  name: "cameras-enroll",
  summary: "a one-time enrollment code for a new agent (24 h; replaces older unused codes)",
  args: ["ID"],
  flags: {},
  async run(ctx, { args }) {
    show(ctx, await ctx.api.post<Json>(`${path(args.ID!)}/enrollment`), (e) =>
      [
        pairs([
          ["camera", e.camera_id],
          ["code", e.code],
          ["expires", time(e.expires_at)],
        ]),
        "",
        "on the camera (once; the agent keeps its token in DATA_DIR/agent-token):",
        `  SKYLAPSE_HUB_URL=${ctx.api.url} SKYLAPSE_CAMERA_ID=${e.camera_id} SKYLAPSE_ENROLLMENT_CODE=${e.code}`,
      ].join("\n"),
    );
  },
};

const camerasRevoke: CommandSpec<CliContext> = {
  name: "cameras-revoke",
  summary: "revoke a camera's agent token (and unused enrollment codes): its agent gets 401 from its next request",
  args: ["ID"],
  flags: {},
  async run(ctx, { args }) {
    show(ctx, await ctx.api.delete<Json>(`${path(args.ID!)}/token`), (r) => {
      const codes = r.enrollment_codes_revoked ? ` (and ${r.enrollment_codes_revoked} unused enrollment code)` : "";
      return r.revoked ? `revoked ${r.camera_id}'s token${codes}; its agent is refused from its next request` : `${r.camera_id} had no token to revoke${codes}`;
    });
  },
};

const camerasRetire: CommandSpec<CliContext> = {
  name: "cameras-retire",
  summary: "retire a camera: it keeps its records, loses its token and plan",
  args: ["ID"],
  flags: {},
  async run(ctx, { args }) {
    show(ctx, await ctx.api.delete<Json>(path(args.ID!)), (c) => `retired ${c.id} at ${time(c.retired_at)}; its records stay, its token is revoked`);
  },
};

const audit: CommandSpec<CliContext> = {
  name: "audit",
  summary: "operator changes, newest first: who, what, when, before → after",
  args: [],
  flags: {
    limit: { type: "string", placeholder: "N", description: "how many entries (default 20, at most 1000)" },
    before: { type: "string", placeholder: "ID", description: "entries older than this one" },
  },
  async run(ctx, { flags }) {
    const q = new URLSearchParams();
    for (const flag of ["limit", "before"] as const) {
      const v = flags[flag];
      if (typeof v !== "string") continue;
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${flag}: '${v}' is not a positive whole number`);
      q.set(flag, v);
    }
    if (!q.has("limit")) q.set("limit", "20");
    show(ctx, await ctx.api.get<{ entries: Json[]; next: number | null }>(`/api/audit?${q}`), formatAudit);
  },
};

export const CAMERA_COMMANDS: CommandSpec<CliContext>[] = [camerasAdd, camerasList, camerasUpdate, camerasEnroll, camerasRevoke, camerasRetire, audit];
