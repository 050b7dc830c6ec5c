#!/usr/bin/env bun
/**
 * `skylapse` — the operator CLI. `bun run skylapse -- report CAMERA [--from ISO] [--to ISO] [--json]`,
 * `bun run skylapse -- fleet [--json]`. The hub and token come from SKYLAPSE_HUB_URL and
 * SKYLAPSE_OPERATOR_TOKEN. Exit codes: 0 ok, 1 the hub refused or failed, 2 usage error,
 * 3 hub unreachable.
 */
import { commandHelp, GLOBAL_FLAGS, parseArgs, programHelp, UsageError } from "./args";
import { HubClient, HubRefused, HubUnreachable } from "./client";
import { COMMANDS, findCommand } from "./commands";

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;
export const DEFAULT_HUB_URL = "http://127.0.0.1:8082";
const PROGRAM = "skylapse";

const ENVIRONMENT: [string, string][] = [
  ["SKYLAPSE_HUB_URL", `the hub (default ${DEFAULT_HUB_URL})`],
  ["SKYLAPSE_OPERATOR_TOKEN", "the operator token"],
];

export interface CliIo {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // `bun run skylapse -- report x` may pass the separator through.
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  // Global switches may come before the command: `skylapse --json fleet`.
  const leading = args.findIndex((a) => !(a === "-h" || (a.startsWith("--") && a.slice(2) in GLOBAL_FLAGS)));
  const before = leading < 0 ? args : args.slice(0, leading);
  const name = leading < 0 ? undefined : args[leading];
  const rest = leading < 0 ? [] : [...args.slice(leading + 1), ...before];
  if (!name || name === "help") {
    const asked = name === "help" || before.some((a) => a === "--help" || a === "-h");
    (asked ? io.out : io.err)(programHelp(PROGRAM, COMMANDS, ENVIRONMENT));
    return asked ? EXIT.ok : EXIT.usage;
  }
  try {
    if (name.startsWith("-")) throw new UsageError(`unknown flag ${name}\n\n${programHelp(PROGRAM, COMMANDS, ENVIRONMENT)}`);
    const command = findCommand(name);
    let parsed;
    try {
      parsed = parseArgs(command, rest);
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`${e.message}\n\n${commandHelp(PROGRAM, command)}`);
      throw e;
    }
    if (parsed.flags.help) {
      io.out(commandHelp(PROGRAM, command));
      return EXIT.ok;
    }
    const hub = new HubClient({ url: io.env.SKYLAPSE_HUB_URL || DEFAULT_HUB_URL, token: io.env.SKYLAPSE_OPERATOR_TOKEN || undefined });
    await command.run({ hub, json: parsed.flags.json === true, print: io.out }, parsed);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${PROGRAM}: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof HubUnreachable) {
      io.err(`${PROGRAM}: ${e.message}`);
      return EXIT.unreachable;
    }
    if (e instanceof HubRefused) {
      io.err(`${PROGRAM}: ${e.message}`);
      return EXIT.refused;
    }
    io.err(`${PROGRAM}: ${(e as Error).message ?? String(e)}`);
    return EXIT.refused;
  }
}

if (import.meta.main) {
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
  process.exit(code);
}
