/**
 * Argument parsing driven by a command table: each command names its positional
 * arguments and flags, so a new command is one entry in the table.
 */

export class UsageError extends Error {}

export interface FlagSpec {
  /** A string flag takes a value (`--from X` or `--from=X`); a boolean one does not. */
  type: "string" | "boolean";
  description: string;
  /** The value's placeholder in the help text. */
  placeholder?: string;
}

export interface ParsedArgs {
  args: Record<string, string>;
  flags: Record<string, string | boolean | undefined>;
}

export interface CommandSpec<C> {
  name: string;
  summary: string;
  /** Required positional arguments, in order (upper-case names read well in help). */
  args: string[];
  /** Positional arguments that may follow the required ones (e.g. the ID an action takes). */
  optionalArgs?: string[];
  flags: Record<string, FlagSpec>;
  run(ctx: C, parsed: ParsedArgs): Promise<void>;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  json: { type: "boolean", description: "print the JSON answer instead of a table" },
  help: { type: "boolean", description: "show help" },
};

/** Splits argv into the command's positionals and flags; unknown flags and missing or extra arguments are usage errors. */
export function parseArgs(spec: Pick<CommandSpec<unknown>, "name" | "args" | "optionalArgs" | "flags">, argv: string[]): ParsedArgs {
  const known: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...spec.flags };
  const positionals: string[] = [];
  const flags: ParsedArgs["flags"] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      flags.help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "-") {
      if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown flag ${arg}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = known[name];
    if (!flag) throw new UsageError(`unknown flag --${name} for '${spec.name}'`);
    if (flag.type === "boolean") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    }
  }
  if (flags.help) return { args: {}, flags };
  if (positionals.length < spec.args.length) throw new UsageError(`'${spec.name}' needs ${spec.args.slice(positionals.length).join(" ")}`);
  const names = [...spec.args, ...(spec.optionalArgs ?? [])];
  if (positionals.length > names.length) throw new UsageError(`unexpected argument '${positionals[names.length]}' for '${spec.name}'`);
  return { args: Object.fromEntries(positionals.map((value, i) => [names[i]!, value])), flags };
}

/**
 * The one id an action takes: positional (`tests show ID`) or, as an alias,
 * `--id ID`; both at once must agree.
 */
export function actionId(parsed: ParsedArgs, command: string, required: boolean): string | undefined {
  const positional = parsed.args.ID;
  const flag = typeof parsed.flags.id === "string" ? parsed.flags.id : undefined;
  if (positional !== undefined && flag !== undefined && positional !== flag) throw new UsageError(`${command}: ID '${positional}' and --id '${flag}' differ`);
  const id = positional ?? flag;
  if (required && !id) throw new UsageError(`${command} needs an ID (\`${command} ID\`)`);
  return id;
}

/** A date-time with a zone (`2026-11-24T06:00:00Z`, `…+01:00`) or a date (`2026-11-24`, UTC midnight). */
export function parseTime(flag: string, value: string): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const ms = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  if ((!dateOnly && !zoned) || Number.isNaN(ms))
    throw new UsageError(`--${flag}: '${value}' is not a date (use 2026-11-24 or 2026-11-24T06:00:00Z, with a zone)`);
  return ms;
}

export function commandHelp(program: string, spec: CommandSpec<unknown>): string {
  const flags = { ...spec.flags, ...GLOBAL_FLAGS };
  const lines = [`usage: ${program} ${spec.name}${usageArgs(spec)} [flags]`, "", spec.summary, "", "flags:"];
  const shown = Object.entries(flags).map(([name, f]) => [`--${name}${f.type === "string" ? ` ${f.placeholder ?? "VALUE"}` : ""}`, f.description] as const);
  const width = Math.max(...shown.map(([left]) => left.length));
  for (const [left, text] of shown) lines.push(`  ${left.padEnd(width)}  ${text}`);
  return lines.join("\n");
}

const usageArgs = (spec: Pick<CommandSpec<unknown>, "args" | "optionalArgs">) => [...spec.args, ...(spec.optionalArgs ?? []).map((a) => `[${a}]`)].map((a) => ` ${a}`).join("");

export function programHelp(program: string, peer: string, commands: CommandSpec<unknown>[], environment: [string, string][]): string {
  const width = Math.max(...commands.map((c) => `${c.name}${usageArgs(c)}`.length));
  const envWidth = Math.max(...environment.map(([name]) => name.length));
  return [
    `usage: ${program} COMMAND [ARGS] [--json]`,
    "",
    "commands:",
    ...commands.map((c) => `  ${`${c.name}${usageArgs(c)}`.padEnd(width)}  ${c.summary}`),
    "",
    "environment:",
    ...environment.map(([name, text]) => `  ${name.padEnd(envWidth)}  ${text}`),
    "",
    `exit codes: 0 ok, 1 the ${peer} refused or failed, 2 usage error, 3 ${peer} unreachable`,
  ].join("\n");
}
