/** `diagnostics CAMERA [--no-wait] [--latest] [--timeout S]`: a camera's remote diagnostics. */
import type { DiagnosticsBundle, DiagnosticsView } from "../../../shared/contracts/diagnostics";
import { type CommandSpec, UsageError } from "../../../shared/cli/args";
import { type CliContext, show } from "../../../shared/cli/run";
import { duration, pairs, table, time } from "../../../shared/cli/table";

/** Real ms between looks at the request while waiting for the camera. */
const POLL_MS = 1000;
const DEFAULT_TIMEOUT_S = 300;

const kib = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? "—" : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

function overview(v: DiagnosticsView, b: DiagnosticsBundle): [string, string][] {
  const o = b.observed;
  const disk = b.disk;
  return [
    ["diagnostics", `${v.camera_id} — ${v.request_id}, received ${time(v.received_at)} (requested ${time(v.requested_at)}), ${kib(v.bytes)}`],
    ["agent", `${b.versions.agent} on Bun ${b.versions.bun}, ${b.versions.platform}/${b.versions.arch} (${b.versions.os_release}), up ${duration(b.uptime_seconds)}`],
    ["collected", `${time(b.collected_at)} by the agent's clock (${o.clock.trusted ? `trusted, ${o.clock.source}` : "not trusted"}, offset ${o.clock.offset_ms ?? "—"} ms)`],
    ["running", o.running ? `${o.running.profile_id} ${o.running.version}` : "no profile"],
    ["last capture", `${time(o.last_capture_at)} (seq ${o.last_seq})`],
    ["backlog", `${o.backlog} record(s)${o.oldest_pending_at ? `, oldest ${time(o.oldest_pending_at)}` : ""}`],
    ["hub link", `last sync ${time(b.hub.last_success_at)}, ${b.hub.failures} failure(s) in a row${b.hub.last_error ? `, last error: ${b.hub.last_error}` : ""}; sent ${kib(b.hub.bytes_sent)}, received ${kib(b.hub.bytes_received)}`],
    ["image sync", b.image_sync ? `${b.image_sync.thumbnails} thumbnails, ${b.image_sync.images} full images (${kib(b.image_sync.bytes)}) since start${b.image_sync.last_error ? `; last error: ${b.image_sync.last_error}` : ""}` : "—"],
    ["disk", disk ? `${gb(disk.free_bytes)} free of ${gb(disk.total_bytes)} at ${disk.path}; images ${gb(disk.images_bytes)}${disk.budget_bytes === null ? "" : ` of a ${gb(disk.budget_bytes)} budget`}` : "—"],
  ];
}

/** The bundle as a person reads it: overview, incidents, config, then the log. */
export function formatDiagnostics(v: DiagnosticsView): string {
  const b = v.bundle;
  if (!b) return pairs([["diagnostics", `${v.camera_id} — ${v.request_id}, requested ${time(v.requested_at)}, waiting for the camera's next poll (last contact ${time(v.last_contact_at)})`]]);
  const incidents = b.observed.incidents.length ? table(null, b.observed.incidents.map((i) => [time(i.at), i.kind, i.detail]), [], "  ") : "  none";
  const config = table(null, Object.entries(b.config).map(([k, value]) => [k, String(value)]), [], "  ");
  const log = b.log.length ? table(null, b.log.map((l) => [time(l.at), l.level, l.text]), [], "  ") : "  (no lines)";
  return [
    pairs(overview(v, b)),
    "",
    "incidents:",
    incidents,
    "",
    "config (secrets redacted):",
    config,
    "",
    `log, last ${b.log.length} line(s)${b.log_dropped ? ` (${b.log_dropped} older left out)` : ""}:`,
    log,
  ].join("\n");
}

const diagnostics: CommandSpec<CliContext> = {
  name: "diagnostics",
  summary: "ask a camera for its diagnostics (log lines, status, config without secrets, disk), wait for its next poll and print them",
  args: ["CAMERA"],
  flags: {
    "no-wait": { type: "boolean", description: "only ask: the camera sends them at its next poll (read them later with --latest)" },
    latest: { type: "boolean", description: "print the latest diagnostics the hub holds, without asking again" },
    timeout: { type: "string", placeholder: "S", description: `how long to wait for the camera, seconds (default ${DEFAULT_TIMEOUT_S}); the request stays open after` },
  },
  async run(ctx, { args, flags }) {
    const path = `/api/cameras/${encodeURIComponent(args.CAMERA!)}/diagnostics`;
    if (flags.latest && flags["no-wait"]) throw new UsageError("--latest and --no-wait do not go together");
    const timeoutS = flags.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(flags.timeout);
    if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 86_400) throw new UsageError(`--timeout: '${flags.timeout}' is not a whole number of seconds from 1 to 86400`);
    if (flags.latest) return show(ctx, await ctx.api.get<DiagnosticsView>(path), formatDiagnostics);
    const asked = await ctx.api.post<DiagnosticsView>(path);
    if (flags["no-wait"]) return show(ctx, asked, formatDiagnostics);
    ctx.note(`diagnostics of ${args.CAMERA}: ${asked.request_id} requested; waiting for the camera's next poll (last contact ${time(asked.last_contact_at)})`);
    const deadline = Date.now() + timeoutS * 1000;
    for (;;) {
      const view = await ctx.api.get<DiagnosticsView>(path);
      if (view.request_id === asked.request_id && view.status === "received") return show(ctx, view, formatDiagnostics);
      if (Date.now() >= deadline)
        throw new Error(`no diagnostics from ${args.CAMERA} within ${timeoutS} s; request ${asked.request_id} stays open (the camera answers at its next poll: \`skylapse diagnostics ${args.CAMERA} --latest\`)`);
      await Bun.sleep(POLL_MS);
    }
  },
};

export const DIAGNOSTICS_COMMANDS = [diagnostics];
