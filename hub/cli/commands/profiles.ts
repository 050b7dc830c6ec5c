/**
 * Profile versions and their rollout: publish, list, show, diff, assign (one camera
 * or a group), assignments (who runs what, who has not converged), rollback.
 * The command table takes single names, so the profile commands are `profiles-ACTION`.
 */
import { readFileSync } from "node:fs";
import { type CommandSpec, UsageError } from "../../../shared/cli/args";
import { type CliContext, show } from "../../../shared/cli/run";
import { pairs, table, time } from "../../../shared/cli/table";
import type { ProfileDefinition, ProfileSnapshot } from "../../../shared/contracts/profile";
import type { ProfileRef } from "../../../shared/contracts/sync";
import type { PublishResult } from "../../profiles/service";
import type { CaptureSettings, LuxTable, SettingsOverride } from "../../../shared/contracts/settings";

type Command = CommandSpec<CliContext>;

// The hub's answers (hub/profiles, hub/assignments), as the CLI reads them.
interface VersionInfo {
  version: string;
  checksum: string;
  created_at: string;
}
type Published = PublishResult;
interface ProfileList {
  profiles: { id: string; name: string | null; extends: string | null; latest: VersionInfo | null; versions: number }[];
}
interface ProfileDetail {
  id: string;
  definition: ProfileDefinition | null;
  updated_at: string | null;
  extended_by: string[];
  latest: VersionInfo | null;
  versions: VersionInfo[];
}
interface VersionDetail extends VersionInfo {
  profile_id: string;
  snapshot: ProfileSnapshot;
}
interface Diff {
  profile_id: string;
  from: { version: string; checksum: string };
  to: { version: string; checksum: string };
  changes: { path: string; from: unknown; to: unknown }[];
}
interface Ref {
  profile_id: string;
  version: string;
}
interface Assigned extends Ref {
  resolved_version: string | null;
}
interface AssignmentChange {
  camera_id: string;
  before: Ref | null;
  after: Assigned;
  changed: boolean;
}
interface AssignmentStatus {
  camera_id: string;
  mode: string;
  assigned: Assigned | null;
  running: ProfileRef | null;
  converged: boolean;
  since: string | null;
  last_contact_at: string | null;
}
interface AssignmentList {
  generated_at: string;
  cameras: AssignmentStatus[];
  totals: { cameras: number; converged: number; not_converged: number };
}

const SEMVER = /^\d+\.\d+\.\d+$/;
const path = (...parts: string[]) => `/${parts.map(encodeURIComponent).join("/")}`;
const short = (checksum: string) => `${checksum.slice(0, 19)}…`;

function versionFlag(name: string, value: unknown, latestAllowed: boolean): string | undefined {
  if (value === undefined) return undefined;
  const v = String(value);
  if (SEMVER.test(v) || (latestAllowed && v === "latest")) return v;
  throw new UsageError(`--${name}: '${v}' is not a version (use 1.2.0${latestAllowed ? ' or "latest"' : ""})`);
}

function positionalVersion(name: string, value: string): string {
  if (SEMVER.test(value) || value === "latest") return value;
  throw new UsageError(`${name}: '${value}' is not a version (use 1.2.0 or "latest")`);
}

const refText = (r: Ref | ProfileRef | null) => (r ? `${r.profile_id} ${r.version}` : "—");
const assignedText = (a: Assigned | null) =>
  a ? `${a.profile_id} ${a.version}${a.version === "latest" ? ` (${a.resolved_version ?? "none"})` : a.resolved_version ? "" : " (missing)"}` : "—";

// ---------------------------------------------------------------- formats (pure)

export function formatPublished(p: Published, withChildren: boolean): string {
  const head = p.created
    ? `published ${p.profile_id} ${p.version}  ${short(p.checksum)}`
    : `unchanged: ${p.profile_id} ${p.version} already has this content  ${short(p.checksum)}`;
  const children = (p.children ?? []).map((c) =>
    withChildren
      ? `  ${c.created ? "republished" : "unchanged:"} ${c.profile_id} ${c.version} (extends ${p.profile_id})`
      : `  ${c.profile_id} ${c.version ?? "(no version)"} extends it and keeps its version (--with-children republishes it)`,
  );
  return [head, ...children].join("\n");
}

export function formatProfiles(l: ProfileList): string {
  if (!l.profiles.length) return "no profiles";
  return table(
    ["PROFILE", "LATEST", "VERSIONS", "PUBLISHED", "EXTENDS", "NAME"],
    l.profiles.map((p) => [p.id, p.latest?.version ?? "—", String(p.versions), p.latest ? time(p.latest.created_at) : "—", p.extends ?? "—", p.name ?? ""]),
    ["left", "left", "right", "left", "left", "left"],
  );
}

export function formatProfile(p: ProfileDetail): string {
  const out = [
    pairs([
      ["profile", p.id],
      ["name", p.definition?.name ?? "—"],
      ["extends", p.definition?.extends ?? "—"],
      ["extended by", p.extended_by.join(", ") || "—"],
      ["latest", p.latest ? p.latest.version : "none published"],
      ["definition", p.updated_at ? `stored ${time(p.updated_at)}` : "none stored (only published versions)"],
    ]),
  ];
  if (p.versions.length)
    out.push("", table(["VERSION", "CHECKSUM", "PUBLISHED"], p.versions.map((v) => [v.version, v.checksum, time(v.created_at)])));
  out.push("", "a version's settings: --version V; the definition: --json");
  return out.join("\n");
}

function settingsText(s: SettingsOverride | CaptureSettings): string {
  const parts: string[] = [];
  if ("iso" in s) parts.push(`iso ${s.iso ?? "auto"}`);
  if ("shutter_us" in s) parts.push(`shutter ${s.shutter_us === null ? "auto" : `${s.shutter_us} µs`}`);
  if (s.ev !== undefined) parts.push(`ev ${s.ev > 0 ? "+" : ""}${s.ev}`);
  if (s.metering !== undefined) parts.push(s.metering);
  if (s.white_balance !== undefined) parts.push(`wb ${s.white_balance.mode}${s.white_balance.kelvin ? ` ${s.white_balance.kelvin} K` : ""}`);
  if (s.focus !== undefined) parts.push(`focus ${s.focus}${"lens_position" in s && s.lens_position !== null ? ` ${s.lens_position}` : ""}`);
  for (const key of ["sharpness", "contrast", "saturation", "quality"] as const) if (s[key] !== undefined) parts.push(`${key} ${s[key]}`);
  if ("bracket" in s) parts.push(s.bracket ? `bracket ${s.bracket.ev.join("/")}` : "no bracket");
  return parts.join(", ") || "—";
}

const tableText = (t: LuxTable | null, unit: string) => (t ? t.map(([lux, v]) => `${lux}→${v}${unit}`).join("  ") : "off");

export function formatVersion(v: VersionDetail): string {
  const s = v.snapshot;
  return pairs([
    ["profile", `${v.profile_id} ${v.version}`],
    ["checksum", v.checksum],
    ["published", time(v.created_at)],
    ["base", settingsText(s.base)],
    ["wb table (lux→K)", tableText(s.wb_table, "")],
    ["ev table (lux→EV)", tableText(s.ev_table, "")],
    ...Object.entries(s.schedule_overrides).map(([name, o]) => [`override ${name}`, settingsText(o)] as [string, string]),
  ]);
}

const valueText = (v: unknown) => (v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));

export function formatDiff(d: Diff): string {
  const head = `${d.profile_id} ${d.from.version} → ${d.to.version}`;
  if (!d.changes.length) return `${head}: no differences`;
  return [`${head}: ${d.changes.length} change${d.changes.length === 1 ? "" : "s"}`, "", table(["FIELD", "FROM", "TO"], d.changes.map((c) => [c.path, valueText(c.from), valueText(c.to)]))].join("\n");
}

export function formatAssigned(changes: AssignmentChange[]): string {
  const changed = changes.filter((c) => c.changed).length;
  return [
    table(
      ["CAMERA", "BEFORE", "NOW", ""],
      changes.map((c) => [c.camera_id, refText(c.before), assignedText(c.after), c.changed ? "" : "(unchanged)"]),
    ),
    "",
    changed ? `${changed} camera${changed === 1 ? "" : "s"} changed; each agent picks it up on its next poll (watch: skylapse assignments)` : "nothing changed",
  ].join("\n");
}

export function formatAssignments(l: AssignmentList): string {
  if (!l.cameras.length) return "no cameras";
  return [
    table(
      ["CAMERA", "ASSIGNED", "RUNNING", "CONVERGED", "SINCE", "LAST CONTACT"],
      l.cameras.map((c) => [
        c.camera_id,
        assignedText(c.assigned),
        c.mode === "live" ? "(live: the hub runs it)" : refText(c.running),
        c.converged ? "yes" : c.mode !== "live" && c.last_contact_at === null ? "waiting for first contact" : "NO",
        time(c.since),
        time(c.last_contact_at),
      ]),
    ),
    "",
    `${l.totals.cameras} cameras, ${l.totals.converged} converged, ${l.totals.not_converged} not converged (hub time ${time(l.generated_at)})`,
  ].join("\n");
}

// ---------------------------------------------------------------- commands

const publish: Command = {
  name: "profiles-publish",
  summary: "publish a profile definition (either config form) from FILE ('-': stdin): a new version, or the existing one if unchanged",
  args: ["ID", "FILE"],
  flags: { "with-children": { type: "boolean", description: "also republish every profile that extends this one, against the new definition" } },
  async run(ctx, { args, flags }) {
    let definition: unknown;
    try {
      definition = JSON.parse(args.FILE === "-" ? readFileSync(0, "utf8") : readFileSync(args.FILE!, "utf8"));
    } catch (e) {
      throw new UsageError(`FILE: cannot read ${args.FILE} as JSON (${(e as Error).message})`);
    }
    const withChildren = flags["with-children"] === true;
    const published = await ctx.api.post<Published>(`${path("api", "profiles", args.ID!)}/versions${withChildren ? "?with_children=true" : ""}`, definition);
    show(ctx, published, (p) => formatPublished(p, withChildren));
  },
};

const list: Command = {
  name: "profiles-list",
  summary: "every profile: latest version, how many versions, what it extends",
  args: [],
  flags: {},
  async run(ctx) {
    show(ctx, await ctx.api.get<ProfileList>("/api/profiles"), formatProfiles);
  },
};

const showProfile: Command = {
  name: "profiles-show",
  summary: "a profile and its versions, or with --version one version's compiled settings and lux tables",
  args: ["ID"],
  flags: { version: { type: "string", placeholder: "V", description: 'a version, or "latest"' } },
  async run(ctx, { args, flags }) {
    const version = versionFlag("version", flags.version, true);
    if (version) show(ctx, await ctx.api.get<VersionDetail>(`${path("api", "profiles", args.ID!, "versions", version)}`), formatVersion);
    else show(ctx, await ctx.api.get<ProfileDetail>(path("api", "profiles", args.ID!)), formatProfile);
  },
};

const diff: Command = {
  name: "profiles-diff",
  summary: "what changed between two versions, field by field (settings, lux-table rows, schedule overrides)",
  args: ["ID", "FROM", "TO"],
  flags: {},
  async run(ctx, { args }) {
    const q = new URLSearchParams({ from: positionalVersion("FROM", args.FROM!), to: positionalVersion("TO", args.TO!) });
    show(ctx, await ctx.api.get<Diff>(`${path("api", "profiles", args.ID!, "diff")}?${q}`), formatDiff);
  },
};

const assign: Command = {
  name: "assign",
  summary: "assign a profile version to a camera, or to a group at once (CAMERA as a,b,c; all or nothing)",
  args: ["CAMERA", "PROFILE"],
  flags: { version: { type: "string", placeholder: "V", description: 'a published version, or "latest" (the default: follows new versions)' } },
  async run(ctx, { args, flags }) {
    const version = versionFlag("version", flags.version, true) ?? "latest";
    const ids = args.CAMERA!.split(",").map((s) => s.trim());
    if (ids.some((id) => !id)) throw new UsageError(`CAMERA: '${args.CAMERA}' has an empty camera id`);
    const body = { profile_id: args.PROFILE!, version };
    if (ids.length === 1) {
      const change = await ctx.api.request<AssignmentChange>("PUT", `${path("api", "cameras", ids[0]!, "assignment")}`, body);
      show(ctx, change, (c) => formatAssigned([c]));
    } else {
      const group = await ctx.api.request<{ assignments: AssignmentChange[]; changed: number }>("PUT", "/api/assignments", { camera_ids: ids, ...body });
      show(ctx, group, (g) => formatAssigned(g.assignments));
    }
  },
};

const assignments: Command = {
  name: "assignments",
  summary: "per camera the version assigned and the one its agent reports running; those not converged marked NO",
  args: [],
  flags: { "not-converged": { type: "boolean", description: "only the cameras that have not converged" } },
  async run(ctx, { flags }) {
    show(ctx, await ctx.api.get<AssignmentList>(`/api/assignments${flags["not-converged"] ? "?converged=false" : ""}`), formatAssignments);
  },
};

const rollback: Command = {
  name: "rollback",
  summary: "pin a camera to an earlier version of its profile (default: the one before the version it resolves to now)",
  args: ["CAMERA"],
  flags: { to: { type: "string", placeholder: "V", description: "the version to go back to" } },
  async run(ctx, { args, flags }) {
    const to = versionFlag("to", flags.to, false);
    const status = await ctx.api.get<AssignmentStatus>(path("api", "cameras", args.CAMERA!, "assignment"));
    const a = status.assigned;
    if (!a) throw new Error(`camera ${args.CAMERA} has no assignment to roll back (use: skylapse assign ${args.CAMERA} PROFILE --version V)`);
    let target = to;
    if (!target) {
      const current = a.resolved_version;
      const versions = (await ctx.api.get<ProfileDetail>(path("api", "profiles", a.profile_id))).versions.map((v) => v.version);
      const at = current ? versions.indexOf(current) : -1;
      if (at <= 0) throw new Error(`${a.profile_id} has no version before ${current ?? "the assigned one"} (versions: ${versions.join(", ")})`);
      target = versions[at - 1]!;
    }
    const change = await ctx.api.request<AssignmentChange>("PUT", path("api", "cameras", args.CAMERA!, "assignment"), { profile_id: a.profile_id, version: target });
    show(ctx, change, (c) => formatAssigned([c]));
  },
};

export const PROFILE_COMMANDS: Command[] = [publish, list, showProfile, diff, assign, assignments, rollback];
