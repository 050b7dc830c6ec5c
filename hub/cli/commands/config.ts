/** `apply FILE [--dry-run]`, `export`: the whole configuration as a file. */
import { readFileSync } from "node:fs";
import { type CommandSpec, UsageError } from "../../../shared/cli/args";
import { type CliContext, show } from "../../../shared/cli/run";
import { table } from "../../../shared/cli/table";
import type { ConfigChange } from "../../config/compute";

const brief = (v: unknown) => (v === undefined ? "" : JSON.stringify(v).slice(0, 60));

interface ApplyResult {
  changes: ConfigChange[];
  applied: boolean;
  kept?: string[];
  notes?: string[];
}

export function formatChanges(result: ApplyResult, dryRun: boolean): string {
  const kept = result.kept?.length ? `\nnot in the file, kept (--prune removes them): ${result.kept.join(", ")}` : "";
  if (!result.changes.length) return `no changes: the hub already holds this configuration${kept}`;
  const rows = result.changes.map((c) => [c.action, c.path, brief(c.from), brief(c.to)]);
  const head = dryRun ? `${result.changes.length} change(s) would be applied:` : `${result.changes.length} change(s) applied:`;
  return `${head}\n${table(["action", "path", "from", "to"], rows)}${kept}`;
}

const apply: CommandSpec<CliContext> = {
  name: "apply",
  summary: "apply a whole config file (location, schedules, cameras, profiles, assignments) as a diff; --dry-run shows it only",
  args: ["FILE"],
  flags: {
    "dry-run": { type: "boolean", description: "print what would change, change nothing" },
    prune: { type: "boolean", description: "also remove the schedules, profiles and cameras the file does not name (records stay)" },
  },
  async run(ctx, { args, flags }) {
    let body: unknown;
    try {
      body = JSON.parse(readFileSync(args.FILE!, "utf8"));
    } catch (e) {
      throw new UsageError(`cannot read ${args.FILE} as JSON (${(e as Error).message})`);
    }
    const dryRun = flags["dry-run"] === true;
    const query = new URLSearchParams({ ...(dryRun ? { dry_run: "true" } : {}), ...(flags.prune ? { prune: "true" } : {}) });
    const result = await ctx.api.request<ApplyResult>("PUT", `/api/config${query.size ? `?${query}` : ""}`, body);
    for (const note of result.notes ?? []) ctx.note(`set aside ${note}`);
    show(ctx, result, (r) => formatChanges(r, dryRun));
  },
};

const exportConfig: CommandSpec<CliContext> = {
  name: "export",
  summary: "print the applied configuration (a file `apply` takes back)",
  args: [],
  flags: {},
  async run(ctx) {
    ctx.print(JSON.stringify(await ctx.api.get("/api/config"), null, 2));
  },
};

export const CONFIG_COMMANDS = [apply, exportConfig];
