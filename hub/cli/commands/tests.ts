/** `tests create|list|show|cancel`: A/B override tests. */
import { readFileSync } from "node:fs";
import { actionId, type CommandSpec, parseTime, UsageError } from "../../../shared/cli/args";
import { type CliContext, show } from "../../../shared/cli/run";
import { pairs as labelled, table, time } from "../../../shared/cli/table";

type Json = any;
const stops = (x: number | null) => (x === null ? "—" : `${x >= 0 ? "+" : ""}${x.toFixed(2)}`);

function formatList(r: Json): string {
  if (!r.tests.length) return "no tests";
  return table(
    ["id", "status", "cameras", "pairs", "until", "override"],
    r.tests.map((t: Json) => [t.id, t.status, t.camera_ids.join(","), `${Object.values(t.pairs_done).reduce((a: number, b) => a + (b as number), 0)}${t.pairs_target ? `/${t.pairs_target * t.camera_ids.length}` : ""}`, time(t.until), JSON.stringify(t.override)]),
  );
}

function formatTest(t: Json): string {
  const s = t.summary;
  const head = labelled([
    ["test", `${t.id} — ${t.status}`],
    ["cameras", t.camera_ids.join(", ")],
    ["override", JSON.stringify(t.override)],
    ["schedule", t.schedule ?? "any"],
    ["ends", `${t.pairs_target ? `${t.pairs_target} pairs` : ""}${t.pairs_target && t.until ? " or " : ""}${t.until ? time(t.until) : ""}`],
    ["summary", s.closer ? `${s.closer} exposed closer to mid-grey, by ${s.by_stops} stops (over ${s.pairs} pairs)` : "no measured pairs yet"],
  ]);
  if (!t.pairs.length) return head;
  const rows = t.pairs.map((p: Json) => [
    time(p.planned_at),
    p.camera_id,
    p.baseline.measures ? p.baseline.measures.mean_luma.toFixed(1) : "—",
    p.variant.measures ? p.variant.measures.mean_luma.toFixed(1) : "—",
    stops(p.variant_minus_baseline_stops),
    `${p.baseline.measures?.clipped_highlights_pct ?? "—"} / ${p.variant.measures?.clipped_highlights_pct ?? "—"}`,
  ]);
  return `${head}\n\n${table(["tick", "camera", "luma base", "luma var", "Δ stops", "clipped % b/v"], rows, ["left", "left", "right", "right", "right", "right"])}`;
}

const tests: CommandSpec<CliContext> = {
  name: "tests",
  summary: "A/B tests: `tests list`, `tests show ID`, `tests cancel ID`, `tests create [ID] --cameras A[,B] --override FILE|JSON (--pairs N | --until ISO)`",
  args: ["ACTION"],
  optionalArgs: ["ID"],
  flags: {
    id: { type: "string", placeholder: "ID", description: "the same as the positional ID: the test (show, cancel), or a name for a new one" },
    cameras: { type: "string", placeholder: "A,B", description: "create: the cameras" },
    override: { type: "string", placeholder: "JSON|FILE", description: 'create: settings to change, e.g. {"ev": 1.3}' },
    pairs: { type: "string", placeholder: "N", description: "create: stop after N pairs per camera" },
    until: { type: "string", placeholder: "ISO", description: "create: stop at this time" },
    schedule: { type: "string", placeholder: "NAME", description: "create: only this schedule's ticks" },
  },
  async run(ctx, parsed) {
    const { args, flags } = parsed;
    const action = args.ACTION!;
    const id = actionId(parsed, `tests ${action}`, action === "show" || action === "cancel");
    switch (action) {
      case "list":
        if (id) throw new UsageError("tests list takes no ID");
        return show(ctx, await ctx.api.get("/api/tests"), formatList);
      case "show":
        return show(ctx, await ctx.api.get(`/api/tests/${encodeURIComponent(id!)}`), formatTest);
      case "cancel":
        return show(ctx, await ctx.api.post(`/api/tests/${encodeURIComponent(id!)}/cancel`), (t: Json) => `test ${t.id} cancelled`);
      case "create": {
        if (typeof flags.cameras !== "string" || typeof flags.override !== "string") throw new UsageError("tests create needs --cameras and --override");
        let override: unknown;
        try {
          override = JSON.parse(flags.override.trim().startsWith("{") ? flags.override : readFileSync(flags.override, "utf8"));
        } catch (e) {
          throw new UsageError(`--override: not JSON or a readable JSON file (${(e as Error).message})`);
        }
        const pairs = flags.pairs === undefined ? undefined : Number(flags.pairs);
        if (pairs !== undefined && !Number.isInteger(pairs)) throw new UsageError(`--pairs: '${flags.pairs}' is not a whole number`);
        const body = {
          ...(id ? { id } : {}),
          camera_ids: flags.cameras.split(",").filter(Boolean),
          override,
          ...(pairs === undefined ? {} : { pairs }),
          ...(typeof flags.until === "string" ? { until: new Date(parseTime("until", flags.until)).toISOString() } : {}),
          ...(typeof flags.schedule === "string" ? { schedule: flags.schedule } : {}),
        };
        return show(ctx, await ctx.api.post("/api/tests", body), (t: Json) => `test ${t.id} created (${t.status})`);
      }
      default:
        throw new UsageError(`unknown action '${args.ACTION}' (list, show, cancel, create)`);
    }
  },
};

export const TEST_COMMANDS = [tests];
