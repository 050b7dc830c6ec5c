/** The technician's commands: each is one entry of the table. */
import { readFileSync } from "node:fs";
import { type CommandSpec, parseTime, UsageError } from "../../shared/cli/args";
import { type CliContext, show } from "../../shared/cli/run";
import { formatCapture, formatCaptures, formatMeter, formatPlan, formatProfile, formatStatus } from "./format";

type Command = CommandSpec<CliContext>;

const status: Command = {
  name: "status",
  summary: "the agent: camera, profile and why, hub reachability, backlog, disk, clock, warnings",
  args: [],
  flags: {},
  async run(ctx) {
    show(ctx, await ctx.api.get("/status"), formatStatus);
  },
};

const plan: Command = {
  name: "plan",
  summary: "the cached capture windows ahead, the next capture, whether the agent extended the plan",
  args: [],
  flags: {},
  async run(ctx) {
    show(ctx, await ctx.api.get("/plan"), formatPlan);
  },
};

const captures: Command = {
  name: "captures",
  summary: "the capture log, newest first",
  args: [],
  flags: {
    limit: { type: "string", placeholder: "N", description: "how many (default 20, at most 1000)" },
    from: { type: "string", placeholder: "ISO", description: "planned at or after" },
    to: { type: "string", placeholder: "ISO", description: "planned before" },
    schedule: { type: "string", placeholder: "NAME", description: "only this schedule" },
    profile: { type: "string", placeholder: "ID", description: "only this profile" },
    outcome: { type: "string", placeholder: "captured|failed|missed", description: "only this outcome" },
    pending: { type: "boolean", description: "only those not yet uploaded" },
    before: { type: "string", placeholder: "SEQ", description: "continue below this seq" },
  },
  async run(ctx, { flags }) {
    const q = new URLSearchParams({ limit: String(flags.limit ?? 20) });
    for (const key of ["from", "to"] as const) if (typeof flags[key] === "string") q.set(key, new Date(parseTime(key, flags[key] as string)).toISOString());
    for (const key of ["schedule", "profile", "outcome", "before"] as const) if (typeof flags[key] === "string") q.set(key, flags[key] as string);
    if (flags.pending) q.set("uploaded", "false");
    show(ctx, await ctx.api.get(`/captures?${q}`), formatCaptures);
  },
};

const meter: Command = {
  name: "meter",
  summary: "what the camera sees now: lux, exposure, gain, suggested ISO and shutter",
  args: [],
  flags: {},
  async run(ctx) {
    show(ctx, await ctx.api.get("/meter"), formatMeter);
  },
};

const number = (flag: string, value: unknown): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${flag}: '${value}' is not a number`);
  return n;
};

const capture: Command = {
  name: "capture",
  summary: "take a picture now: with the active profile (default), or with explicit --iso/--shutter/--ev",
  args: [],
  flags: {
    schedule: { type: "string", placeholder: "NAME", description: "schedule the profile applies (default: the one whose window is open now, else manual)" },
    iso: { type: "string", placeholder: "N", description: "explicit: 0 (auto), 100 … 3200" },
    shutter: { type: "string", placeholder: "1/500", description: 'explicit: "1/500", "2" or "auto"' },
    ev: { type: "string", placeholder: "EV", description: "explicit: exposure compensation −2 … +2" },
    "override-ev": { type: "string", placeholder: "EV", description: "the active profile with this EV, for this capture only" },
    "test-id": { type: "string", placeholder: "ID", description: "record the override capture under this test" },
  },
  async run(ctx, { flags }) {
    const explicit = flags.iso !== undefined || flags.shutter !== undefined || flags.ev !== undefined;
    if (explicit && (flags["override-ev"] !== undefined || flags["test-id"] !== undefined))
      throw new UsageError("--iso/--shutter/--ev take explicit settings; --override-ev/--test-id modify the active profile — not both");
    const body = explicit
      ? { iso: number("iso", flags.iso), shutter_speed: flags.shutter, exposure_compensation: number("ev", flags.ev), schedule: flags.schedule }
      : {
          use_deployed_profile: true,
          schedule_type: flags.schedule,
          override: flags["override-ev"] === undefined ? undefined : { exposure_compensation: number("override-ev", flags["override-ev"]) },
          test_id: flags["test-id"],
        };
    show(ctx, await ctx.api.post("/capture", body), formatCapture);
  },
};

const sync: Command = {
  name: "sync",
  summary: "poll the hub and upload the backlog now",
  args: [],
  flags: {},
  async run(ctx) {
    show(ctx, await ctx.api.post("/sync"), () => "sync started; `status` shows when it is done");
  },
};

const profile: Command = {
  name: "profile",
  summary: "the active profile; --deploy FILE deploys a seed-format profile by hand, --clear returns to the hub's",
  args: [],
  flags: {
    deploy: { type: "string", placeholder: "FILE", description: "a JSON file in the shape of POST /profile/deploy" },
    clear: { type: "boolean", description: "clear the hand-deployed profile" },
  },
  async run(ctx, { flags }) {
    if (flags.deploy && flags.clear) throw new UsageError("--deploy and --clear exclude each other");
    if (typeof flags.deploy === "string") {
      let body: unknown;
      try {
        body = JSON.parse(readFileSync(flags.deploy, "utf8"));
      } catch (e) {
        throw new UsageError(`--deploy: cannot read ${flags.deploy} as JSON (${(e as Error).message})`);
      }
      show(ctx, await ctx.api.post("/profile/deploy", body), formatProfile);
    } else if (flags.clear) show(ctx, await ctx.api.delete("/profile/current"), formatProfile);
    else show(ctx, await ctx.api.get("/profile/current"), formatProfile);
  },
};

export const COMMANDS: Command[] = [status, plan, captures, meter, capture, sync, profile];
