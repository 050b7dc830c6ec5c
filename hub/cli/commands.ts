/**
 * The command table. A command names its arguments and flags and gets a context
 * (the hub client, the output, the --json switch); parsing, help and exit codes
 * are shared. Later commands (profiles, assign, cameras, tests, apply, export)
 * are entries here.
 */
import type { FleetSummary } from "../fleet/compute";
import type { SyncReport } from "../reports/compute";
import { type CommandSpec, parseTime } from "../../shared/cli/args";
import { type CliContext, show } from "../../shared/cli/run";
import { CONFIG_COMMANDS } from "./commands/config";
import { CAMERA_COMMANDS } from "./commands/cameras";
import { DIAGNOSTICS_COMMANDS } from "./commands/diagnostics";
import { TEST_COMMANDS } from "./commands/tests";
import { TIMELAPSE_COMMANDS } from "./commands/timelapses";
import { formatFleet, formatReport } from "./format";
import { PROFILE_COMMANDS } from "./commands/profiles";
import { ALERT_COMMANDS } from "./commands/alerts";
import { RELEASE_COMMANDS } from "./commands/releases";
import { HEALTH_COMMANDS } from "./commands/health";

const DAY_MS = 86_400_000;

const report: CommandSpec<CliContext> = {
  name: "report",
  summary: "a camera's sync report: planned / captured / missed by reason, outages, backlog, clock (default: the last 24 h)",
  args: ["CAMERA"],
  flags: {
    from: { type: "string", placeholder: "ISO", description: "start of the range (default: 24 h before --to)" },
    to: { type: "string", placeholder: "ISO", description: "end of the range (default: the hub's time now)" },
  },
  async run(ctx, { args, flags }) {
    let from = typeof flags.from === "string" ? parseTime("from", flags.from) : null;
    let to = typeof flags.to === "string" ? parseTime("to", flags.to) : null;
    // Default end: the hub's time (simulated or not), not this machine's.
    if (to === null) to = Date.parse((await ctx.api.get<{ time: string }>("/health")).time);
    if (from === null) from = to - DAY_MS;
    const q = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    show(ctx, await ctx.api.get<SyncReport>(`/api/cameras/${encodeURIComponent(args.CAMERA!)}/report?${q}`), formatReport);
  },
};

const fleet: CommandSpec<CliContext> = {
  name: "fleet",
  summary: "every camera: online, backlog, behind since when, disk, clock, incidents (those needing attention first)",
  args: [],
  flags: {},
  async run(ctx) {
    show(ctx, await ctx.api.get<FleetSummary>("/api/fleet"), formatFleet);
  },
};

export const COMMANDS: CommandSpec<CliContext>[] = [report, fleet, ...PROFILE_COMMANDS, ...CONFIG_COMMANDS, ...TEST_COMMANDS, ...CAMERA_COMMANDS, ...TIMELAPSE_COMMANDS, ...ALERT_COMMANDS, ...RELEASE_COMMANDS, ...DIAGNOSTICS_COMMANDS, ...HEALTH_COMMANDS];
