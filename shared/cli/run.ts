/**
 * The shell both CLIs share: global switches, help, the command table, and exit
 * codes scripts can trust — 0 ok, 1 the server refused or failed, 2 usage error,
 * 3 server unreachable.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { commandHelp, type CommandSpec, GLOBAL_FLAGS, parseArgs, programHelp, UsageError } from "./args";
import { ApiClient, ApiRefused, ApiUnreachable } from "./client";

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

export interface CliIo {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
}

export interface CliContext {
  api: ApiClient;
  json: boolean;
  print(text: string): void;
  /** Progress and notes, on stderr (never mixed into --json output). */
  note(text: string): void;
}

export interface CliProgram {
  name: string;
  peer: string;
  urlVar: string;
  tokenVar: string;
  defaultUrl: string;
  commands: CommandSpec<CliContext>[];
}

/** Prints the JSON as is with --json, else the human rendering. */
export function show<T>(ctx: CliContext, value: T, human: (v: T) => string): void {
  ctx.print(ctx.json ? JSON.stringify(value, null, 2) : human(value));
}

/**
 * URL and token may also come from a JSON file — `$SKYLAPSE_CLI_CONFIG`, else
 * `~/.config/skylapse/PROGRAM.json` — as `{"url": …, "token": …}`; the
 * environment wins over the file.
 */
function settingsFile(program: CliProgram, env: Record<string, string | undefined>): { url?: string; token?: string; path?: string } {
  const path = env.SKYLAPSE_CLI_CONFIG || (env.HOME ? join(env.HOME, ".config", "skylapse", `${program.name}.json`) : null);
  if (!path || !existsSync(path)) return { path: path ?? undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const s = parsed as { url?: unknown; token?: unknown };
  if (typeof parsed !== "object" || parsed === null || (s.url !== undefined && typeof s.url !== "string") || (s.token !== undefined && typeof s.token !== "string"))
    throw new UsageError(`${path}: expected {"url": "http://…", "token": "…"}`);
  return { url: s.url as string | undefined, token: s.token as string | undefined, path };
}

export async function runCli(program: CliProgram, argv: string[], io: CliIo): Promise<number> {
  const environment: [string, string][] = [
    [program.urlVar, `the ${program.peer} (default ${program.defaultUrl})`],
    [program.tokenVar, `the ${program.peer}'s token`],
  ];
  const help = () => programHelp(program.name, program.peer, program.commands, environment);
  // `bun run x -- cmd` may pass the separator through.
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  // Global switches may come before the command: `x --json status`.
  const leading = args.findIndex((a) => !(a === "-h" || (a.startsWith("--") && a.slice(2) in GLOBAL_FLAGS)));
  const before = leading < 0 ? args : args.slice(0, leading);
  // Two words name a command too: `profiles publish` is `profiles-publish`.
  const joined = leading < 0 ? undefined : `${args[leading]}-${args[leading + 1]}`;
  const twoWords = joined !== undefined && program.commands.some((c) => c.name === joined);
  const name = leading < 0 ? undefined : twoWords ? joined : args[leading];
  const rest = leading < 0 ? [] : [...args.slice(leading + (twoWords ? 2 : 1)), ...before];
  if (!name || name === "help") {
    const asked = name === "help" || before.some((a) => a === "--help" || a === "-h");
    (asked ? io.out : io.err)(help());
    return asked ? EXIT.ok : EXIT.usage;
  }
  try {
    if (name.startsWith("-")) throw new UsageError(`unknown flag ${name}\n\n${help()}`);
    const command = program.commands.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command '${name}' (commands: ${program.commands.map((c) => c.name).join(", ")})`);
    let parsed;
    try {
      parsed = parseArgs(command, rest);
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`${e.message}\n\n${commandHelp(program.name, command)}`);
      throw e;
    }
    if (parsed.flags.help) {
      io.out(commandHelp(program.name, command));
      return EXIT.ok;
    }
    const file = settingsFile(program, io.env);
    const fromEnv = Boolean(io.env[program.tokenVar]);
    const api = new ApiClient({
      peer: program.peer,
      url: io.env[program.urlVar] || file.url || program.defaultUrl,
      token: io.env[program.tokenVar] || file.token || undefined,
      urlVar: program.urlVar,
      // Where a refused token came from, for the one line a 401 prints.
      tokenVar: fromEnv || !file.token ? program.tokenVar : `"token" in ${file.path}`,
    });
    await command.run({ api, json: parsed.flags.json === true, print: io.out, note: io.err }, parsed);
    return EXIT.ok;
  } catch (e) {
    io.err(`${program.name}: ${(e as Error).message ?? String(e)}`);
    if (e instanceof UsageError) return EXIT.usage;
    if (e instanceof ApiUnreachable) return EXIT.unreachable;
    return EXIT.refused;
  }
}

/** Runs a program as the process: argv in, exit code out. */
export async function main(program: CliProgram): Promise<never> {
  const code = await runCli(program, process.argv.slice(2), {
    env: process.env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
  process.exit(code);
}

export { ApiRefused };
